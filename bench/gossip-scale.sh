#!/usr/bin/env bash
# Gossip figures of docs/benchmarks.md ("Signing cost" and "A thousand nodes"), one command:
#   1. issue 12: N=100, D=8, 1 KiB at 100/s, Plumtree signed then unsigned in the same process
#      (--compare-unsigned), alternating --verify per-node and --verify shared run by run;
#   2. issue 16: N=1000, D=8, 1 KiB, --verify shared, Plumtree then Plumtree with 20% killed, at
#      each rate of RATES1K (default "10"; try "10 20 50" to find the highest rate with p99 < 100 ms).
# Usage: bench/gossip-scale.sh            (env: ROUNDS=3 MESSAGES=1000 RATES1K="10" CPUS=0,1 SKIP1K=)
# Every run prints its table, `uptime` before it, and the time; read medians across rounds. The
# process is pinned with taskset to CPUS (both cores by default: the benchmark is the only load).
set -u
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ROUNDS=${ROUNDS:-3}; MESSAGES=${MESSAGES:-1000}; RATES1K=${RATES1K:-10}; CPUS=${CPUS:-0,1}
export NEXO_JAVA_OPTS="${NEXO_JAVA_OPTS:--Xms3g -Xmx3g}"
run() {
  echo "== $(date -u +%FT%TZ) load:$(uptime | sed 's/.*load average://') :: nexo bench gossip $*"
  taskset -c "$CPUS" "$here/nexo" bench gossip "$@" 2>&1 | grep -v '^[0-9][0-9]:[0-9][0-9]:'
}
for r in $(seq 1 "$ROUNDS"); do
  for verify in per-node shared; do
    run --nodes 100 --degree 8 --size 1024 --rate 100 --messages "$MESSAGES" --kill 0 --no-flood \
        --compare-unsigned --verify "$verify"
  done
done
if [ -z "${SKIP1K:-}" ]; then
  for rate in $RATES1K; do
    for r in $(seq 1 "$ROUNDS"); do
      run --nodes 1000 --degree 8 --size 1024 --rate "$rate" --messages $((rate * 60)) --kill 20 --no-flood \
          --verify shared
    done
  done
fi
