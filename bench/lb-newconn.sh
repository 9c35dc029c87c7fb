#!/usr/bin/env bash
# New connections per second: nexo lb beside HAProxy (mode tcp, roundrobin, one thread), one TCP
# connection per request, same pinning as ../shared/bench/lb-bench.sh: proxies on CPU 1, wrk and three
# nginx backends on CPU 0, one proxy at a time, rounds alternating who goes first (H C, C H, ...),
# ratio taken per round. Prints requests/s and p99 of both, the median ratio, and per run the proof
# that every request had its own connection: the proxy's own count of accepted client connections
# during the run (HAProxy: `show info` CumConns; nexo: nexo_lb_listener_accepted_total in /metrics)
# beside wrk's request count (they may differ by the -c connections open at the end).
#
# Usage: bench/lb-newconn.sh [-s SECONDS] [-r ROUNDS] [-c CONNECTIONS] [-- NEXO_COMMAND]
#   default NEXO_COMMAND: ./nexo lb --io-threads 1 --listen 127.0.0.1:$LB_PORT --backend $LB_BACKENDS
#                         --admin 127.0.0.1:$LB_ADMIN_PORT
#   LB_NEWCONN_PERF=DIR: also record `perf stat` of each proxy run (cycles, context switches) into DIR.
# wrk sends `Connection: close` (with the space: wrk drops a header written "Connection:close"), so
# nginx closes after each answer and wrk reconnects.
# Needs: nginx haproxy wrk taskset curl python3.
set -euo pipefail

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

SECONDS_PER_RUN=5
ROUNDS=3
CONNS=32
bench_options "[-s SECONDS] [-r ROUNDS] [-c CONNECTIONS] [-- COMMAND]" \
  -s=SECONDS_PER_RUN -r=ROUNDS -c=CONNS -- "$@"
set -- "${BENCH_ARGS[@]}"
bench_need nginx haproxy wrk taskset curl python3 --apt "nginx haproxy wrk curl python3"
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cd "$HERE/.."

bench_ports "${LB_BENCH_BASE_PORT:-18600}"
bench_workdir lb-newconn
WORK=$BENCH_WORK
CANDIDATE=${*:-'./nexo lb --io-threads 1 --listen 127.0.0.1:$LB_PORT --backend $LB_BACKENDS --admin 127.0.0.1:$LB_ADMIN_PORT'}

bench_nginx_backends "$WORK" index "${BACKENDS[@]}"
bench_haproxy_tcp_cfg "$WORK/haproxy.cfg" "$HAPROXY_PORT" -socket "$WORK/haproxy.sock" "${BACKENDS[@]}"

haproxy_cumconns() {
  python3 - "$WORK/haproxy.sock" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.sendall(b"show info\n")
data = b""
while chunk := s.recv(65536):
    data += chunk
for line in data.decode().splitlines():
    if line.startswith("CumConns:"):
        print(line.split(":", 1)[1].strip())
PY
}
nexo_accepted() {
  curl -s "http://127.0.0.1:$LB_ADMIN_PORT/metrics" | awk '/^nexo_lb_listener_accepted_total/ {s += $NF} END {printf "%d\n", s}'
}
run_wrk() { # port -> "requests/s p99ms requests errors"
  local out v p99 n errs
  out=$(taskset -c 0 wrk -t1 -c"$CONNS" -H "Connection: close" -d${SECONDS_PER_RUN}s --latency "http://127.0.0.1:$1/" 2>&1) || true
  v=$(awk '/^Requests\/sec/ {print $2}' <<<"$out")
  p99=$(awk '$1=="99%" {v=$2; n=v+0; if (v ~ /us$/) n/=1000; else if (v ~ /[0-9]s$/ && v !~ /ms$/) n*=1000; print n}' <<<"$out")
  n=$(awk '/requests in/ {print $1}' <<<"$out")
  errs=$(awk '/Socket errors|Non-2xx/ {gsub(/ /, ""); printf "%s;", $0}' <<<"$out")
  echo "${v:-0} ${p99:-0} ${n:-0} ${errs:--}"
}
measure() { # haproxy|candidate round -> "requests/s p99ms"
  local who=$1 port P
  if [ "$who" = haproxy ]; then
    port=$HAPROXY_PORT; bench_start_proxy "$WORK/haproxy.log" $port "haproxy -f $WORK/haproxy.cfg -db"
  else
    port=$LB_PORT; bench_start_proxy "$WORK/candidate.log" $port "$CANDIDATE"
  fi
  P=$BENCH_PID
  # warm up (the JIT, for nexo) with the same traffic (BENCH_WARMUP_SECONDS, default 2)
  taskset -c 0 wrk -t1 -c"$CONNS" -H "Connection: close" -d"${BENCH_WARMUP_SECONDS:-2}"s "http://127.0.0.1:$port/" >/dev/null 2>&1 || true
  local before after result perfpid="" cpu0 cpu1
  if [ "$who" = haproxy ]; then before=$(haproxy_cumconns); else before=$(nexo_accepted); fi
  cpu0=$(bench_proc_cpu_us "$P")
  if [ -n "${LB_NEWCONN_PERF:-}" ]; then
    mkdir -p "$LB_NEWCONN_PERF"
    perf stat -e task-clock,context-switches,cycles,instructions -p "$P" -o "$LB_NEWCONN_PERF/$who-r$2.txt" \
      -- sleep "$SECONDS_PER_RUN" 2>/dev/null & perfpid=$!
  fi
  result=$(run_wrk $port)
  [ -n "$perfpid" ] && wait "$perfpid" 2>/dev/null || true
  cpu1=$(bench_proc_cpu_us "$P")
  if [ "$who" = haproxy ]; then after=$(haproxy_cumconns); else after=$(nexo_accepted); fi
  # to stderr, so the table stays readable: requests wrk completed and connections the proxy accepted
  read -r _ _ n errs <<<"$result"
  local us
  us=$(awk -v t=$((cpu1 - cpu0)) -v n=$((after - before)) 'BEGIN { if (n > 0) printf "%.0f", t / n; else print 0 }')
  echo "  $who round $2: wrk requests=$n proxy accepted=$((after - before)) wrk errors=$errs proxy CPU us/connection=$us" >&2
  kill "$P"; wait "$P" 2>/dev/null || true
  echo "$(cut -d' ' -f1,2 <<<"$result") $us"
}

echo "# $(date -u '+%F %T') UTC, $(uptime | sed 's/.*load/load/'), $SECONDS_PER_RUN s runs, wrk -c$CONNS" >&2
printf "%-5s %12s %12s %9s %14s %14s\n" round haproxy nexo nexo/hap "p99ms n/h" "CPUus/conn n/h"
RATIOS=(); CPURATIOS=()
for ((r = 1; r <= ROUNDS; r++)); do
  if ((r % 2)); then read -r h hp hu <<<"$(measure haproxy $r)"; read -r c cp cu <<<"$(measure candidate $r)"
  else read -r c cp cu <<<"$(measure candidate $r)"; read -r h hp hu <<<"$(measure haproxy $r)"; fi
  ratio=$(awk -v c="$c" -v h="$h" 'BEGIN { if (h > 0) printf "%.3f", c / h; else print "0" }')
  RATIOS+=("$ratio")
  CPURATIOS+=("$(awk -v c="$cu" -v h="$hu" 'BEGIN { if (c > 0) printf "%.3f", h / c; else print "0" }')")
  printf "%-5s %12s %12s %9s %14s %14s\n" "$r" "$h" "$c" "$ratio" "$cp/$hp" "$cu/$hu"
done
echo "median nexo/haproxy, requests/s: $(echo "${RATIOS[@]}" | bench_median)"
echo "median haproxy/nexo, CPU per connection: $(echo "${CPURATIOS[@]}" | bench_median) (>= 1: nexo spends no more CPU per connection)"
echo "(requests/s, one TCP connection each; proxies pinned to CPU 1, wrk and nginx to CPU 0)"
