#!/usr/bin/env bash
# A/B/C of two nexo builds, for the metrics overhead in docs/benchmarks.md:
#   old   = OLD_JAR (e.g. a build without counters)         nexo lb
#   new   = NEW_JAR                                         nexo lb
#   admin = NEW_JAR with --admin, /metrics scraped every second during the whole run
# Usage: bench/lb-ab.sh OLD_JAR NEW_JAR      (env: ROUNDS=5 SECS=8 WARM=6 SCENARIOS="keepalive|-c64")
# nginx backends and wrk on CPU 0, the balancer under test on CPU 1, one at a time, in a rotating
# order per round. Besides requests/s it prints the balancer's CPU time per request (from
# /proc/PID/stat), which other load on a shared box disturbs far less; medians of the ratios last.
# Needs: nginx, wrk, curl, taskset.
set -u
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
[ $# -eq 2 ] || { echo "usage: $0 OLD_JAR NEW_JAR" >&2; exit 2; }
OLD_JAR=$1; NEW_JAR=$2
ROUNDS=${ROUNDS:-6}; SECS=${SECS:-4}
bench_need nginx wrk curl taskset java --apt "nginx wrk curl"
BASE=29000
bench_ports $BASE
ADMIN=$((BASE + 300))
bench_workdir lb-ab
W=$BENCH_WORK
JAVA="java -Xms256m -Xmx1g -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:+AlwaysPreTouch -XX:+PerfDisableSharedMem --add-opens=java.base/java.nio=ALL-UNNAMED --add-opens=java.base/jdk.internal.misc=ALL-UNNAMED -Dio.netty.tryReflectionSetAccessible=true"
bench_nginx_backends "$W" server "${BACKENDS[@]}"
( for _ in $(seq 1 3600); do taskset -c 0 curl -s -o /dev/null --max-time 1 http://127.0.0.1:$ADMIN/metrics; sleep 1; done ) & PIDS+=($!)   # scraper on the load CPU, not the balancer's
declare -A CMD
CMD[old]="$JAVA -jar $OLD_JAR lb --listen 127.0.0.1:$LB_PORT --backend $LB_BACKENDS --io-threads 1"
CMD[new]="$JAVA -jar $NEW_JAR lb --listen 127.0.0.1:$LB_PORT --backend $LB_BACKENDS --io-threads 1"
CMD[admin]="$JAVA -jar $NEW_JAR lb --listen 127.0.0.1:$LB_PORT --backend $LB_BACKENDS --io-threads 1 --admin 127.0.0.1:$ADMIN"
measure() { # name scenario-args -> "requests/s cpu-microseconds-per-request"
  taskset -c 1 bash -c "exec ${CMD[$1]}" >"$W/$1.log" 2>&1 & local P=$!
  bench_wait_port 127.0.0.1 $LB_PORT 30 || { echo "0 0"; kill $P; return; }
  taskset -c 0 wrk -t1 -c32 -d${WARM:-6}s "http://127.0.0.1:$LB_PORT/" >/dev/null 2>&1   # warm-up (JIT, also of the scrape path)
  local t0; t0=$(bench_proc_cpu_us $P)
  local out; out=$(taskset -c 0 wrk -t1 $2 -d${SECS}s "http://127.0.0.1:$LB_PORT/" 2>&1)
  local t1; t1=$(bench_proc_cpu_us $P)
  kill $P; wait $P 2>/dev/null
  local n; n=$(awk '/requests in/ {print $1}' <<<"$out")
  local rps; rps=$(awk '/^Requests\/sec/ {print $2}' <<<"$out")
  awk -v r="$rps" -v n="$n" -v d=$((t1 - t0)) 'BEGIN { printf "%s %.2f\n", r, (n > 0 ? d / n : 0) }'
}
for scen in ${SCENARIOS:-"keepalive|-c64"}; do
  name=${scen%%|*}; args=${scen#*|}
  R_NEW=""; R_ADMIN=""
  for r in $(seq 1 $ROUNDS); do
    case $((r % 3)) in 1) order="old new admin";; 2) order="new admin old";; 0) order="admin old new";; esac
    declare -A V=() U=()
    for c in $order; do read -r "V[$c]" "U[$c]" <<<"$(measure "$c" "$args")"; done
    # CPU time per request of the balancer process: robust to other load on the box, unlike req/s
    # a failed run (0 us/req) gives a ratio of 0, not awk's "division by zero"
    rn=$(awk -v a="${U[new]}" -v b="${U[old]}" 'BEGIN{printf "%.3f", (b > 0 ? a / b : 0)}')
    ra=$(awk -v a="${U[admin]}" -v b="${U[old]}" 'BEGIN{printf "%.3f", (b > 0 ? a / b : 0)}')
    printf "%-9s round %d  req/s old %8s new %8s admin %8s | CPU us/req old %6s new %6s admin %6s | new/old %s admin/old %s\n" "$name" "$r" \
      "${V[old]}" "${V[new]}" "${V[admin]}" "${U[old]}" "${U[new]}" "${U[admin]}" "$rn" "$ra"
    R_NEW="$R_NEW $rn"; R_ADMIN="$R_ADMIN $ra"
  done
  echo "$name: median CPU per request new/old $(bench_median <<<"$R_NEW"), new+admin/old $(bench_median <<<"$R_ADMIN")"
done
