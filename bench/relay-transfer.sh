#!/usr/bin/env bash
# Relayed vs direct file transfer, for docs/benchmarks.md ("Relayed transfer"):
#   direct  = nexo bench transfer --size SIZE               (downloader dials the seeder)
#   relayed = nexo bench transfer --size SIZE --relayed     (through a relay node's splice)
# Each run also measures the raw TCP copy (memory to memory) in the same JVM, the ceiling both are
# compared with. The two alternate run by run (direct relayed, relayed direct, ...), ROUNDS rounds,
# all pinned to the same CPUs; medians last, with the relayed session's set-up time.
# Usage: bench/relay-transfer.sh [JAR]     (env: ROUNDS=3 SIZE=256MiB CPUS=0,1)
set -u
JAR=${1:-cli/target/nexo.jar}
ROUNDS=${ROUNDS:-3}; SIZE=${SIZE:-256MiB}; CPUS=${CPUS:-0,1}
JAVA="java -Xms256m -Xmx1g -XX:+UseG1GC"
W=$(mktemp -d /tmp/relay-transfer.XXXXXX); trap 'rm -rf $W' EXIT
echo "# $(date -u '+%Y-%m-%d %H:%M:%S UTC'), load: $(uptime | sed 's/.*load average: //'), size $SIZE, CPUs $CPUS"
run() { # mode -> "nexo-MiB/s raw-MiB/s session-ms reservation-ms"
  local extra=""; [ "$1" = relayed ] && extra="--relayed"
  taskset -c "$CPUS" $JAVA -jar "$JAR" bench transfer --size "$SIZE" $extra >"$W/$1.out" 2>&1 || { echo "0 0 -1"; return; }
  awk '/^raw TCP [0-9]/ { raw=$3; nexo=$10 }
       /^relayed: reservation granted/ { resv=$4; setup=$12 }
       END { printf "%s %s %s %s\n", nexo, raw, (setup == "" ? -1 : setup), (resv == "" ? -1 : resv) }' "$W/$1.out"
}
D=""; R=""; RD=""; RR=""; S=""; V=""
for r in $(seq 1 "$ROUNDS"); do
  if [ $((r % 2)) = 1 ]; then order="direct relayed"; else order="relayed direct"; fi
  declare -A N=() T=() U=() X=()
  for m in $order; do read -r N[$m] T[$m] U[$m] X[$m] <<<"$(run $m)"; done
  printf "round %d (%s)  direct %6s MiB/s (raw %5s)  relayed %6s MiB/s (raw %5s)  reservation %s ms, relayed session %s ms\n" \
    "$r" "$order" "${N[direct]}" "${T[direct]}" "${N[relayed]}" "${T[relayed]}" "${X[relayed]}" "${U[relayed]}"
  D="$D ${N[direct]}"; R="$R ${N[relayed]}"; S="$S ${U[relayed]}"; V="$V ${X[relayed]}"
  RD="$RD $(awk -v a="${N[direct]}" -v b="${T[direct]}" 'BEGIN{printf "%.3f", a/b}')"
  RR="$RR $(awk -v a="${N[relayed]}" -v b="${T[relayed]}" 'BEGIN{printf "%.3f", a/b}')"
done
median() { tr ' ' '\n' <<<"$1" | grep -v '^$' | sort -g | awk '{v[NR]=$1} END {print (NR % 2 ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2)}'; }
echo "median: direct $(median "$D") MiB/s, relayed $(median "$R") MiB/s (relayed/direct $(awk -v a="$(median "$R")" -v b="$(median "$D")" 'BEGIN{printf "%.2f", a/b}')); of the raw copy: direct $(median "$RD"), relayed $(median "$RR"); reservation granted $(median "$V") ms after the seeder started, relayed session up $(median "$S") ms after the downloader started"
echo "# end $(date -u '+%H:%M:%S UTC'), load: $(uptime | sed 's/.*load average: //')"
