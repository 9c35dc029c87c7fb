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

SECONDS_PER_RUN=5
ROUNDS=3
CONNS=32
while [ $# -gt 0 ]; do
  case "$1" in
    -s) SECONDS_PER_RUN=$2; shift 2 ;;
    -r) ROUNDS=$2; shift 2 ;;
    -c) CONNS=$2; shift 2 ;;
    --) shift; break ;;
    *) echo "usage: $0 [-s SECONDS] [-r ROUNDS] [-c CONNECTIONS] [-- COMMAND]" >&2; exit 2 ;;
  esac
done
PATH=$PATH:/usr/sbin
for t in nginx haproxy wrk taskset curl python3; do
  command -v $t >/dev/null || { echo "missing $t: apt-get install -y nginx haproxy wrk curl python3" >&2; exit 2; }
done
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cd "$HERE/.."

BASE=${LB_BENCH_BASE_PORT:-18600}
B1=$((BASE+1)); B2=$((BASE+2)); B3=$((BASE+3))
HAPROXY_PORT=$((BASE+100))
export LB_PORT=$((BASE+200))
export LB_ADMIN_PORT=$((BASE+201))
export LB_BACKENDS="127.0.0.1:$B1,127.0.0.1:$B2,127.0.0.1:$B3"
WORK=$(mktemp -d /tmp/lb-newconn.XXXXXX)
CANDIDATE=${*:-'./nexo lb --io-threads 1 --listen 127.0.0.1:$LB_PORT --backend $LB_BACKENDS --admin 127.0.0.1:$LB_ADMIN_PORT'}
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT
wait_port() { # host port seconds
  local i
  for ((i = 0; i < $3 * 10; i++)); do (exec 3<>/dev/tcp/$1/$2) 2>/dev/null && return 0; sleep 0.1; done
  echo "nothing listens on $1:$2 after $3 s" >&2; return 1
}

chmod 755 "$WORK"
cat >"$WORK/nginx.conf" <<EOF
worker_processes 1; daemon off; pid $WORK/nginx.pid; error_log $WORK/nginx.err;
events { worker_connections 8192; }
http { access_log off; keepalive_requests 10000000; default_type text/plain;
  server { listen 127.0.0.1:$B1; location / { return 200 "1\n"; } }
  server { listen 127.0.0.1:$B2; location / { return 200 "2\n"; } }
  server { listen 127.0.0.1:$B3; location / { return 200 "3\n"; } } }
EOF
taskset -c 0 nginx -c "$WORK/nginx.conf" -p "$WORK" >/dev/null 2>&1 & PIDS+=($!)
wait_port 127.0.0.1 $B3 10
cat >"$WORK/haproxy.cfg" <<EOF
global
  nbthread 1
  maxconn 8000
  stats socket $WORK/haproxy.sock level admin
defaults
  mode tcp
  timeout connect 5s
  timeout client 60s
  timeout server 60s
frontend fe
  bind 127.0.0.1:$HAPROXY_PORT
  default_backend be
backend be
  balance roundrobin
  server s1 127.0.0.1:$B1
  server s2 127.0.0.1:$B2
  server s3 127.0.0.1:$B3
EOF

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
cpu_ticks() { # pid -> user + system CPU ticks of the process so far (all its threads)
  awk '{print $14 + $15}' "/proc/$1/stat"
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
    taskset -c 1 haproxy -f "$WORK/haproxy.cfg" -db >"$WORK/haproxy.log" 2>&1 & P=$!; port=$HAPROXY_PORT
  else
    taskset -c 1 bash -c "exec $CANDIDATE" >"$WORK/candidate.log" 2>&1 & P=$!; port=$LB_PORT
  fi
  PIDS+=($P)
  wait_port 127.0.0.1 $port 60 || { tail -20 "$WORK/candidate.log" >&2; exit 1; }
  # warm up (the JIT, for nexo) with the same traffic
  taskset -c 0 wrk -t1 -c"$CONNS" -H "Connection: close" -d2s "http://127.0.0.1:$port/" >/dev/null 2>&1 || true
  local before after result perfpid="" cpu0 cpu1
  if [ "$who" = haproxy ]; then before=$(haproxy_cumconns); else before=$(nexo_accepted); fi
  cpu0=$(cpu_ticks "$P")
  if [ -n "${LB_NEWCONN_PERF:-}" ]; then
    mkdir -p "$LB_NEWCONN_PERF"
    perf stat -e task-clock,context-switches,cycles,instructions -p "$P" -o "$LB_NEWCONN_PERF/$who-r$2.txt" \
      -- sleep "$SECONDS_PER_RUN" 2>/dev/null & perfpid=$!
  fi
  result=$(run_wrk $port)
  [ -n "$perfpid" ] && wait "$perfpid" 2>/dev/null || true
  cpu1=$(cpu_ticks "$P")
  if [ "$who" = haproxy ]; then after=$(haproxy_cumconns); else after=$(nexo_accepted); fi
  # to stderr, so the table stays readable: requests wrk completed and connections the proxy accepted
  read -r _ _ n errs <<<"$result"
  local us
  us=$(awk -v t=$((cpu1 - cpu0)) -v n=$((after - before)) -v hz="$(getconf CLK_TCK)" \
    'BEGIN { if (n > 0) printf "%.0f", t * 1e6 / hz / n; else print 0 }')
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
median() { sort -g | awk '{a[NR]=$1} END { m = NR % 2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2; printf "%.3f", m }'; }
echo "median nexo/haproxy, requests/s: $(printf '%s\n' "${RATIOS[@]}" | median)"
echo "median haproxy/nexo, CPU per connection: $(printf '%s\n' "${CPURATIOS[@]}" | median) (>= 1: nexo spends no more CPU per connection)"
echo "(requests/s, one TCP connection each; proxies pinned to CPU 1, wrk and nginx to CPU 0)"
