#!/usr/bin/env bash
# Hole punching in the NAT lab (p2p/src/test/.../testing/NatLab.java), needs root, iproute2, iptables.
# Alternates, ROUNDS times: plain sockets (NatLabTest: 20 simultaneous opens between two MASQUERADE
# NATs) and nexo (HolePunchLabTest: 20 rounds of two nexo node processes behind two MASQUERADE NATs
# that learn their addresses from AutoNAT, reserve on a relay and punch their relayed session by
# themselves; the time from both reserved to both directly connected).
# Prints one line per run and the load; figures go to docs/benchmarks.md ("Hole punching").
# Usage: bench/holepunch.sh [ROUNDS]   (default 3), from the repository root.
set -euo pipefail
ROUNDS=${1:-3}
cd "$(dirname "$0")/.."
[ "$(id -u)" = 0 ] || { echo "needs root (ip netns, iptables)" >&2; exit 2; }
date -u; uptime
run() {
  local test=$1
  rm -f p2p/target/surefire-reports/TEST-io.nexo.p2p.testing.*.xml
  taskset -c 0,1 mvn -B -q -pl p2p -am test -Dtest="$test" -Dsurefire.failIfNoSpecifiedTests=false \
      -Dsurefire.excludedGroups=none >/dev/null 2>&1 || echo "FAILED: $test"
}
for i in $(seq 1 "$ROUNDS"); do
  run 'NatLabTest#twentyOf*'
  grep -ho 'plain-socket lab: .*' p2p/target/surefire-reports/TEST-io.nexo.p2p.testing.NatLabTest.xml \
      | sed "s/^/round $i plain sockets: /" || echo "round $i plain sockets: no summary (failed?)"
  run 'HolePunchLabTest#twoNodes*'
  grep -ho 'hole-punch lab: .*' p2p/target/surefire-reports/TEST-io.nexo.p2p.testing.HolePunchLabTest.xml \
      | sed "s/^/round $i nexo: /" || echo "round $i nexo: no summary (failed?)"
done
uptime
