#!/usr/bin/env bash
# CPU cost of a balancer next to HAProxy's, for docs/benchmarks.md: requests (or MiB) per CPU-second
# of the proxy process, read from /proc/PID/stat around one wrk run. On a shared box this moves far
# less than requests/s, because it does not count the time the proxy spent waiting for a CPU.
#
# Usage: bench/lb-cpu-vs-haproxy.sh SCENARIO SECONDS -- CANDIDATE_COMMAND
#   SCENARIO: keepalive (wrk -c64), close (-c32, Connection: close) or bulk (-c4, 64 MiB bodies),
#   the scenarios of ../shared/bench/lb-bench.sh. CANDIDATE_COMMAND may use $LB_PORT and $LB_BACKENDS:
#   bench/lb-cpu-vs-haproxy.sh keepalive 5 -- './nexo lb --listen 127.0.0.1:$LB_PORT --backend $LB_BACKENDS'
# Layout as lb-bench.sh: nginx backends and wrk on CPU 0, one proxy at a time on CPU 1, HAProxy 2.6
# mode tcp roundrobin nbthread 1 first, then the candidate (warmed $WARM s, default 4). Needs nginx haproxy wrk taskset.
set -euo pipefail
export PATH=$PATH:/usr/sbin
SC=${1:?usage: $0 SCENARIO SECONDS -- COMMAND}; SECS=${2:?seconds}; shift 2
[ "${1:-}" = "--" ] && shift
[ $# -gt 0 ] || { echo "usage: $0 SCENARIO SECONDS -- COMMAND" >&2; exit 2; }
BASE=${LB_BENCH_BASE_PORT:-19000}; B1=$((BASE+1)); B2=$((BASE+2)); B3=$((BASE+3)); HP=$((BASE+100))
export LB_PORT=$((BASE+200)) LB_BACKENDS="127.0.0.1:$B1,127.0.0.1:$B2,127.0.0.1:$B3"
W=$(mktemp -d /tmp/lb-cpu.XXXXXX)
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill $p 2>/dev/null || true; done; rm -rf $W' EXIT
head -c $((64 * 1024 * 1024)) /dev/urandom >"$W/big.bin"
chmod 755 "$W"; chmod 644 "$W/big.bin"
cat >"$W/nginx.conf" <<EOC
worker_processes 1; daemon off; pid $W/nginx.pid; error_log $W/nginx.err;
events { worker_connections 8192; }
http { access_log off; keepalive_requests 10000000; default_type text/plain;
  server { listen 127.0.0.1:$B1 reuseport; location / { return 200 "Response from Server 1\n"; } location = /big { alias $W/big.bin; } }
  server { listen 127.0.0.1:$B2 reuseport; location / { return 200 "Response from Server 2\n"; } location = /big { alias $W/big.bin; } }
  server { listen 127.0.0.1:$B3 reuseport; location / { return 200 "Response from Server 3\n"; } location = /big { alias $W/big.bin; } }
}
EOC
cat >"$W/haproxy.cfg" <<EOC
global
  nbthread 1
  maxconn 8000
defaults
  mode tcp
  timeout connect 5s
  timeout client 60s
  timeout server 60s
frontend fe
  bind 127.0.0.1:$HP
  default_backend be
backend be
  balance roundrobin
  server s1 127.0.0.1:$B1
  server s2 127.0.0.1:$B2
  server s3 127.0.0.1:$B3
EOC
taskset -c 0 nginx -c "$W/nginx.conf" -p "$W" >/dev/null 2>&1 & PIDS+=($!)
wait_port() { for i in $(seq 1 600); do (exec 3<>/dev/tcp/127.0.0.1/$1) 2>/dev/null && return 0; sleep 0.1; done; return 1; }
wait_port $B3
case $SC in
  keepalive) ARGS="-c64"; URLPATH=/ ;;
  close) ARGS="-c32 -H Connection:close"; URLPATH=/ ;;
  bulk) ARGS="-c4"; URLPATH=/big ;;
  *) echo "unknown scenario $SC (keepalive, close, bulk)" >&2; exit 2 ;;
esac
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }  # utime + stime, in 1/100 s
measure() { # name pid port
  local t0 t1 out rps mib p99
  t0=$(ticks "$2")
  out=$(taskset -c 0 wrk -t1 $ARGS -d"${SECS}"s --latency "http://127.0.0.1:$3$URLPATH" 2>&1) || true
  t1=$(ticks "$2")
  rps=$(awk '/^Requests\/sec/ {print $2}' <<<"$out"); p99=$(awk '$1=="99%" {print $2}' <<<"$out")
  mib=$(awk '/^Transfer\/sec/ {v=$2; n=v+0; if (v ~ /GB/) n*=1024; else if (v ~ /KB/) n/=1024; print n}' <<<"$out")
  awk -v n="$1" -v r="$rps" -v m="$mib" -v c=$((t1 - t0)) -v s="$SECS" -v p="$p99" 'BEGIN {
    cpu = c / 100; if (cpu <= 0) cpu = 0.01
    printf "%-9s req/s=%-9.0f MiB/s=%-7.1f cpu=%5.2fs req/cpu-s=%-7.0f MiB/cpu-s=%-7.1f p99=%s\n",
      n, r, m, cpu, r * s / cpu, m * s / cpu, p }'
}
taskset -c 1 haproxy -f "$W/haproxy.cfg" -db >/dev/null 2>&1 & H=$!; PIDS+=($H); wait_port $HP
taskset -c 0 wrk -t1 -c16 -d2s "http://127.0.0.1:$HP/" >/dev/null 2>&1 || true
measure haproxy $H $HP; kill $H; wait $H 2>/dev/null || true
taskset -c 1 bash -c "exec $*" >"$W/candidate.log" 2>&1 & C=$!; PIDS+=($C)
wait_port "$LB_PORT" || { tail -20 "$W/candidate.log" >&2; exit 1; }
taskset -c 0 wrk -t1 -c32 -d"${WARM:-4}"s "http://127.0.0.1:$LB_PORT/" >/dev/null 2>&1 || true
measure candidate $C "$LB_PORT"
