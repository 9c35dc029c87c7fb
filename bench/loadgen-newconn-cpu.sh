#!/usr/bin/env bash
# CPU time per new connection: the open-loop generator (newconn) against closed-loop wrk
# (-c32, "Connection: close"), both straight to one nginx backend, alternately, on CPU 0.
# A figure the load of a shared box disturbs little (CPU time, not elapsed time). The generator's
# JVM start and warm-up are taken out by difference: a SHORT and a LONG measured run at RATE, the
# extra CPU divided by the extra connections.
# At low rates the difference also charges what the JVM spends per second whatever the traffic (JIT,
# timers): run LoadGenMain --mode keepalive the same way for the floor of that.
# Usage: bench/loadgen-newconn-cpu.sh [-r ROUNDS] [-R RATE] [-s SHORT] [-l LONG]
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ROUNDS=3; RATE=1000; SHORT=2; LONG=8
bench_options "[-r ROUNDS] [-R RATE] [-s SHORT] [-l LONG]" -r=ROUNDS -R=RATE -s=SHORT -l=LONG -- "$@"
bench_need nginx wrk taskset java --apt "nginx wrk"
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
JAR=$ROOT/bench/target/benchmarks.jar
[ -f "$JAR" ] || (cd "$ROOT" && mvn -B -q -pl bench -am -DskipTests package) || { echo "could not build $JAR" >&2; exit 1; }
bench_ports "${LOADGEN_CPU_BASE_PORT:-17800}"
bench_workdir loadgen-cpu
bench_nginx_backends "$BENCH_WORK" server -reuseport "${BACKENDS[@]}"
URL="http://127.0.0.1:$B1/"
# CPU seconds (user + system) of a command: cpu_s OUTFILE COMMAND...
cpu_s() { local f=$1; shift; /usr/bin/time -f "%U %S" -o "$f.t" "$@" >"$f" 2>/dev/null || true; awk '{print $1 + $2}' "$f.t"; }
gen() { cpu_s "$BENCH_WORK/gen" taskset -c 0 java -Xms256m -Xmx256m -XX:+UseParallelGC -cp "$JAR" \
  io.nexo.bench.latency.LoadGenMain --mode newconn --rate "$RATE" --connections 32 --warmup 1 --duration "$1" "$URL"; }
echo "# $(date -u '+%Y-%m-%d %H:%M:%S UTC'), $(uptime | sed 's/.*load/load/')"
G=""; WK=""
for ((r = 1; r <= ROUNDS; r++)); do
  s=$(gen "$SHORT"); l=$(gen "$LONG")
  g=$(awk -v s="$s" -v l="$l" -v n="$(((LONG - SHORT) * RATE))" 'BEGIN { printf "%.1f", (l - s) * 1e6 / n }')
  w=$(cpu_s "$BENCH_WORK/wrk" taskset -c 0 wrk -t1 -c32 -H "Connection: close" -d"${SHORT}"s "$URL")
  n=$(awk '/requests in/ {print $1}' "$BENCH_WORK/wrk")
  wu=$(awk -v c="$w" -v n="${n:-0}" 'BEGIN { printf "%.1f", (n > 0 ? c * 1e6 / n : 0) }')
  echo "round $r: loadgen ${g} us CPU per connection (${s} s for ${SHORT} s, ${l} s for ${LONG} s at $RATE/s);" \
    "wrk ${wu} us per connection (${w} s for ${n:-0} connections)"
  G+=" $g"; WK+=" $wu"
done
gm=$(bench_median %.1f <<<"$G"); wm=$(bench_median %.1f <<<"$WK")
echo "median: loadgen $gm us, wrk $wm us CPU per new connection, ratio $(awk -v g="$gm" -v w="$wm" 'BEGIN { printf "%.2f", (w > 0 ? g / w : 0) }')"
echo "# end $(date -u '+%H:%M:%S UTC'), $(uptime | sed 's/.*load/load/')"
