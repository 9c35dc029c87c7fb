#!/usr/bin/env bash
# Issue 15's figures across real NATs, for docs/benchmarks.md ("Relayed transfer", "Hole punching"):
# NatLabFigures (p2p/src/test/.../relay, tagged "bench": no mvn verify runs it) in the NAT lab: a
# public relay, alice and bob each behind its own MASQUERADE router, every node its own JVM. Each
# round alternates (relayed, direct, raw relayed, raw direct; then the reverse):
#   relayed     nexo: start alice and bob, bob dials alice's relayed address, alice messages bob,
#               bob fetches SIZE from alice through the relay (SHA-256 equal)
#   direct      the same, hole punching once the relayed session is up (as HolePunchLabTest does)
#   raw-relayed plain TCP copy of the same file through a splice on the relay's host
#   raw-direct  plain TCP copy over a plain-socket simultaneous open through both NATs
# and prints, per run, MiB/s and the time from starting both nodes to the first message (and to
# each milestone), then the medians, with the load before and after.
# Needs root, iproute2, iptables. Leaves nothing behind: the lab's namespaces (and with them their
# interfaces and iptables rules) are deleted and the processes stopped, on failure too (the harness
# closes them; a run killed before that is cleaned up here by its namespaces' token).
# Usage: bench/nat-figures.sh [ROUNDS]   (default 3; env: SIZE=256MiB CPUS=0,1), from anywhere.
set -uo pipefail
ROUNDS=${1:-3}; SIZE=${SIZE:-256MiB}; CPUS=${CPUS:-0,1}
cd "$(dirname "$0")/.."
[ "$(id -u)" = 0 ] || { echo "needs root (ip netns, iptables)" >&2; exit 2; }
[[ "$ROUNDS" =~ ^[1-9][0-9]?$ ]] || { echo "ROUNDS: $ROUNDS (expected: 1-99)" >&2; exit 2; }
W=$(mktemp -d /tmp/nat-figures.XXXXXX)
# The lab's namespaces carry this run's token: if the run is killed before NatLab.close(), what it
# left (namespaces, and the node processes still inside them) is found by the token and removed.
TOKEN=nf$(printf '%04x' $((RANDOM % 65536)))
cleanup() {
  local ns pids
  for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep "^nxlab-$TOKEN-"); do
    pids=$(ip netns pids "$ns" 2>/dev/null)
    if [ -n "$pids" ]; then
      kill $pids 2>/dev/null; sleep 2; kill -9 $pids 2>/dev/null
    fi
    ip netns del "$ns" && echo "removed namespace $ns left by the run" >&2
  done
  rm -rf "$W"
}
trap cleanup EXIT
echo "# $(date -u '+%Y-%m-%d %H:%M:%S UTC'), load: $(uptime | sed 's/.*load average: //'), size $SIZE, $ROUNDS rounds, CPUs $CPUS"
NEXO_NATLAB_TOKEN=$TOKEN NAT_FIGURES_ROUNDS=$ROUNDS NAT_FIGURES_SIZE=$SIZE NAT_FIGURES_OUT=$W/figures.txt \
  setsid taskset -c "$CPUS" mvn -B -q -pl p2p -am test -Dtest=NatLabFigures -Dsurefire.failIfNoSpecifiedTests=false \
    -Dsurefire.groups=bench -Dsurefire.excludedGroups=none -Djunit.timeout.default='90 m' \
    -Dsurefire.forkTimeout=6000 >"$W/mvn.log" 2>&1 &
MVN=$!  # its own process group (setsid): Maven, the test JVM and the lab's nodes
trap 'kill -- -$MVN 2>/dev/null; cat "$W/figures.txt" 2>/dev/null; exit 130' INT TERM
wait $MVN
rc=$?
cat "$W/figures.txt" 2>/dev/null
if [ $rc != 0 ] || ! grep -q '^median' "$W/figures.txt" 2>/dev/null; then
  echo "FAILED (mvn exit $rc); the end of its output:" >&2
  tail -40 "$W/mvn.log" >&2
  rc=1
fi
echo "# end $(date -u '+%H:%M:%S UTC'), load: $(uptime | sed 's/.*load average: //')"
exit $rc
