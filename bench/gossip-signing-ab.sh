#!/usr/bin/env bash
# "Signing cost" figures of docs/benchmarks.md, one command: the issue-12 gossip run (N=100, D=8,
# 1 KiB at 100/s, every node verifying every message, signed then unsigned in the same process)
# with the signature code before and after the lightweight verifier, alternating run by run
# (before after before after ...), then the signature micro-benchmark (CPU time per operation).
# Usage: bench/gossip-signing-ab.sh          (env: BEFORE_REV=41c031d ROUNDS=3 MESSAGES=1000 CPUS=0,1 SKIPMICRO=)
# Each side is built from `git archive` of its revision into a temporary directory (mvn package, no
# install). Read "cpu per delivery signed / unsigned (+X us)": X is the CPU of one verification plus
# its share of signing; steadier than p99 on a shared machine.
set -u
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BEFORE_REV=${BEFORE_REV:-41c031d}; AFTER_REV=${AFTER_REV:-HEAD}
ROUNDS=${ROUNDS:-3}; MESSAGES=${MESSAGES:-1000}; CPUS=${CPUS:-0,1}
work=$(mktemp -d /tmp/nexo-sign-ab.XXXXXX)
trap 'rm -rf "$work"' EXIT
export NEXO_JAVA_OPTS="${NEXO_JAVA_OPTS:--Xms3g -Xmx3g}"
for side in before after; do
  rev=$BEFORE_REV; [ "$side" = after ] && rev=$AFTER_REV
  mkdir -p "$work/$side"
  git -C "$here" archive "$rev" | tar -x -C "$work/$side"
  echo "building $side ($(git -C "$here" rev-parse --short "$rev"))..."
  (cd "$work/$side" && mvn -q -B -DskipTests package -pl cli -am >build.log 2>&1) || { tail -20 "$work/$side/build.log"; exit 1; }
done
run() {
  echo "== $1 $(date -u +%FT%TZ) load:$(uptime | sed 's/.*load average://')"
  taskset -c "$CPUS" "$work/$1/nexo" bench gossip --nodes 100 --degree 8 --size 1024 --rate 100 \
      --messages "$MESSAGES" --kill 0 --no-flood --compare-unsigned --verify per-node 2>&1 \
      | grep -v '^[0-9][0-9]:[0-9][0-9]:'
}
for r in $(seq 1 "$ROUNDS"); do
  run before
  run after
done
if [ -z "${SKIPMICRO:-}" ]; then
  (cd "$work/after" && mvn -q -B -DskipTests package -pl bench -am >>build.log 2>&1) || exit 1
  echo "== micro $(date -u +%FT%TZ) load:$(uptime | sed 's/.*load average://')"
  taskset -c "$CPUS" java -cp "$work/after/bench/target/benchmarks.jar" io.nexo.bench.SignatureCpuMain 7 200
fi
