#!/usr/bin/env bash
# Duplicates and delivery of Plumtree with and without backup links (issue 16 §3, docs/benchmarks.md
# "Fewer duplicates: backup links"), one command:
#   1. the simulation (GossipSimulation: routers on a virtual-time network, exact for a seed): N=1000
#      at 10/s, N=1000 at 10/s with 20% killed, N=100 at 100/s; per-hop jitter 0.5 ms (a quiet
#      network) and 5 ms (a loaded one); floor 3 without backups, then backups with a 20 ms wait;
#   2. the real benchmark, alternating --backup-wait 0 and BACKUP_WAIT run by run: N=100 at 100/s
#      and N=1000 at 10/s, each with its run with 20% killed, for each seed of SEEDS.
# Usage: bench/gossip-duplicates.sh   (env: SEEDS="1 2" BACKUP_WAIT=20 CPUS=0,1 SKIP_SIM= SKIP_REAL= SKIP1K=)
set -u
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SEEDS=${SEEDS:-1 2}; BACKUP_WAIT=${BACKUP_WAIT:-20}; CPUS=${CPUS:-0,1}
export NEXO_JAVA_OPTS="${NEXO_JAVA_OPTS:--Xms3g -Xmx3g}"
if [ -z "${SKIP_SIM:-}" ]; then
  cp=$(mktemp)
  (cd "$here" && mvn -B -q -pl p2p -am test-compile dependency:build-classpath -Dmdep.outputFile="$cp" >/dev/null) \
    || { echo "build failed" >&2; exit 1; }
  sim() { java -Xmx2g -cp "$here/p2p/target/classes:$here/p2p/target/test-classes:$(cat "$cp")" \
            io.nexo.p2p.gossip.GossipSimulation "$@"; }
  echo "# simulation: [nodes rate messages kill seed jitterMicros floor backupWaitMillis]"
  for seed in $SEEDS; do for jitter in 500 5000; do for bw in 0 "$BACKUP_WAIT"; do
    sim 1000 10 600 0 "$seed" "$jitter" 3 "$bw"
    sim 1000 10 600 0.2 "$seed" "$jitter" 3 "$bw"
    sim 100 100 1000 0 "$seed" "$jitter" 3 "$bw"
  done; done; done
  rm -f "$cp"
fi
[ -n "${SKIP_REAL:-}" ] && exit 0
run() {
  echo "== $(date -u +%FT%TZ) load:$(uptime | sed 's/.*load average://') :: nexo bench gossip $*"
  taskset -c "$CPUS" "$here/nexo" bench gossip "$@" 2>&1 | grep -v '^[0-9][0-9]:[0-9][0-9]:'
}
for seed in $SEEDS; do
  for bw in 0 "$BACKUP_WAIT"; do
    run --nodes 100 --degree 8 --size 1024 --rate 100 --messages 1000 --kill 20 --no-flood --verify shared \
        --seed "$seed" --backup-wait "$bw"
  done
  if [ -z "${SKIP1K:-}" ]; then
    for bw in 0 "$BACKUP_WAIT"; do
      run --nodes 1000 --degree 8 --size 1024 --rate 10 --messages 600 --kill 20 --no-flood --verify shared \
          --seed "$seed" --backup-wait "$bw"
    done
  fi
done
