#!/usr/bin/env bash
# A/B of two nexo builds on new connections per second (one TCP connection per request), for the
# "new connections per second" section of docs/benchmarks.md. Same setup as bench/lb-newconn.sh
# (three nginx backends and wrk -c32 -H "Connection: close" on CPU 0, `nexo lb --io-threads 1` alone
# on CPU 1, the launcher's JVM flags with C1), but the two runs of a round are build A and build B,
# alternating who goes first (A B, B A, ...). Per run: the proxy's CPU microseconds per accepted
# connection (user + system of all its threads, /proc/PID/stat), the figure that a busy machine
# disturbs least, and wrk's requests/s beside it; medians at the end.
#
# Usage: bench/lb-newconn-ab.sh A_JAR B_JAR   (env: ROUNDS=6 SECS=5 WARM=4 CONNS=32)
#   A_JAVA_OPTS / B_JAVA_OPTS: extra JVM options of one side (e.g. B_JAVA_OPTS=-XX:TieredStopAtLevel=4 for C2),
#   A_LB_ARGS / B_LB_ARGS: extra `nexo lb` flags of one side (e.g. B_LB_ARGS="--transport epoll");
#   the two jars may be the same file.
# Needs: nginx wrk taskset curl.
set -euo pipefail
A_JAR=${1:?usage: $0 A_JAR B_JAR}; B_JAR=${2:?usage: $0 A_JAR B_JAR}
ROUNDS=${ROUNDS:-6}; SECS=${SECS:-5}; WARM=${WARM:-4}; CONNS=${CONNS:-32}
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_need nginx wrk taskset curl --apt "nginx wrk curl"
bench_ports "${LB_BENCH_BASE_PORT:-18700}"
LB=$LB_PORT; ADMIN=$LB_ADMIN_PORT
bench_workdir lb-newconn-ab
W=$BENCH_WORK
bench_nginx_backends "$W" index "${BACKENDS[@]}"
# the JVM flags of ./nexo for `lb` (C1 only, a fixed-size young generation)
JAVA=(java -XX:TieredStopAtLevel=1 -XX:-UseAdaptiveSizePolicy -Xms256m -Xmx1g -XX:+UseParallelGC -XX:+AlwaysPreTouch
  -XX:+ExitOnOutOfMemoryError -XX:+PerfDisableSharedMem --add-opens=java.base/java.nio=ALL-UNNAMED
  --add-opens=java.base/jdk.internal.misc=ALL-UNNAMED -Dio.netty.tryReflectionSetAccessible=true
  -Dio.netty.leakDetection.level=disabled)
accepted() {
  curl -s "http://127.0.0.1:$ADMIN/metrics" | awk '/^nexo_lb_listener_accepted_total/ {s += $NF} END {printf "%d\n", s}'
}
run() { # JAR "JVM OPTS" "LB ARGS" -> "us/conn requests/s"
  local P c0 c1 n0 n1 out
  # shellcheck disable=SC2086 # the extra options are word lists
  taskset -c 1 "${JAVA[@]}" $2 -jar "$1" lb --io-threads 1 --listen 127.0.0.1:$LB \
    --backend 127.0.0.1:$B1,127.0.0.1:$B2,127.0.0.1:$B3 --admin 127.0.0.1:$ADMIN $3 >"$W/lb.log" 2>&1 & P=$!
  PIDS+=($P)
  bench_wait_port 127.0.0.1 $LB 60 || { tail -20 "$W/lb.log" >&2; exit 1; }
  taskset -c 0 wrk -t1 -c"$CONNS" -H "Connection: close" -d${WARM}s "http://127.0.0.1:$LB/" >/dev/null 2>&1 || true
  n0=$(accepted); c0=$(bench_proc_cpu_us "$P")
  out=$(taskset -c 0 wrk -t1 -c"$CONNS" -H "Connection: close" -d${SECS}s "http://127.0.0.1:$LB/" 2>&1) || true
  c1=$(bench_proc_cpu_us "$P"); n1=$(accepted)
  kill "$P"; wait "$P" 2>/dev/null || true
  awk -v t=$((c1 - c0)) -v n=$((n1 - n0)) -v r="$(awk '/^Requests\/sec/ {print $2}' <<<"$out")" \
    'BEGIN { printf "%.1f %.0f\n", (n > 0 ? t / n : 0), r }'
}
A_JAVA_OPTS=${A_JAVA_OPTS:-}; B_JAVA_OPTS=${B_JAVA_OPTS:-}; A_LB_ARGS=${A_LB_ARGS:-}; B_LB_ARGS=${B_LB_ARGS:-}
echo "# $(date -u '+%F %T') UTC, $(uptime | sed 's/.*load/load/'), A=$A_JAR $A_JAVA_OPTS $A_LB_ARGS" \
  "B=$B_JAR $B_JAVA_OPTS $B_LB_ARGS, ${WARM} s warm-up, ${SECS} s runs, wrk -c$CONNS"
printf "%-6s %10s %10s %10s %10s\n" round "A us/conn" "B us/conn" "A req/s" "B req/s"
AU=(); BU=()
for ((r = 1; r <= ROUNDS; r++)); do
  if ((r % 2)); then
    read -r au ar <<<"$(run "$A_JAR" "$A_JAVA_OPTS" "$A_LB_ARGS")"; read -r bu br <<<"$(run "$B_JAR" "$B_JAVA_OPTS" "$B_LB_ARGS")"
  else
    read -r bu br <<<"$(run "$B_JAR" "$B_JAVA_OPTS" "$B_LB_ARGS")"; read -r au ar <<<"$(run "$A_JAR" "$A_JAVA_OPTS" "$A_LB_ARGS")"
  fi
  AU+=("$au"); BU+=("$bu")
  printf "%-6s %10s %10s %10s %10s\n" "$r" "$au" "$bu" "$ar" "$br"
done
echo "median CPU us/connection: A $(echo "${AU[@]}" | bench_median %.1f), B $(echo "${BU[@]}" | bench_median %.1f)"
echo "# end $(date -u '+%T') UTC, $(uptime | sed 's/.*load/load/')"
