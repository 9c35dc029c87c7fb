#!/usr/bin/env bash
# Gossip under attack: `nexo bench gossip --attackers K` ROUNDS times. Each invocation runs Plumtree
# without attackers, then with K of the N nodes attacking their neighbours (same seed, same limits:
# a node's defaults), so the two systems alternate A B A B ... on the same pinning.
#
#   bench/gossip-attackers.sh [ROUNDS] [NODES] [ATTACKERS]     (defaults 3 100 10)
#
# Prints each round's table (delivery, p50/p99/max latency, per-node and process peak memory, what
# the attackers did) with the time and `uptime` before it. The medians are read off the tables.
# NEXO=/path/to/nexo runs another launcher (e.g. a copy beside a frozen jar while sources change).
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-3}
NODES=${2:-100}
K=${3:-10}
NEXO=${NEXO:-./nexo}
"$NEXO" --version >/dev/null   # builds the jar when stale
for r in $(seq 1 "$ROUNDS"); do
  echo "### round $r: $(date -u '+%Y-%m-%d %H:%M:%S UTC') | $(uptime)"
  NEXO_JAVA_OPTS=${NEXO_JAVA_OPTS:--Xmx3g} taskset -c 0-"$(( $(nproc) - 1 ))" \
    "$NEXO" bench gossip --nodes "$NODES" --degree 8 --messages 1000 --size 1024 --rate 100 \
      --attackers "$K" --seed "$r" | sed -n '/^nexo bench gossip/,$p'
done
echo "### done: $(date -u '+%Y-%m-%d %H:%M:%S UTC') | $(uptime)"
