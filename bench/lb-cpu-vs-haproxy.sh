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
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
usage() { echo "usage: $0 SCENARIO SECONDS -- COMMAND" >&2; exit 2; }
[ $# -ge 2 ] || usage
SC=$1; SECS=$2; shift 2
[ "${1:-}" = "--" ] && shift
[ $# -gt 0 ] || usage
bench_need nginx haproxy wrk taskset --apt "nginx haproxy wrk"
bench_ports "${LB_BENCH_BASE_PORT:-19000}"
bench_workdir lb-cpu
W=$BENCH_WORK
head -c $((64 * 1024 * 1024)) /dev/urandom >"$W/big.bin"
chmod 644 "$W/big.bin"
bench_nginx_backends "$W" server -reuseport -location "location = /big { alias $W/big.bin; }" "${BACKENDS[@]}"
bench_haproxy_tcp_cfg "$W/haproxy.cfg" $HAPROXY_PORT "${BACKENDS[@]}"
case $SC in
  keepalive) ARGS=(-c64); URLPATH=/ ;;
  close) ARGS=(-c32 -H "Connection: close"); URLPATH=/ ;;   # one word: wrk drops "Connection:close" (no space)
  bulk) ARGS=(-c4); URLPATH=/big ;;
  *) echo "unknown scenario $SC (keepalive, close, bulk)" >&2; exit 2 ;;
esac
measure() { # name pid port
  local t0 t1 out rps mib p99
  t0=$(bench_proc_cpu_us "$2")
  out=$(taskset -c 0 wrk -t1 "${ARGS[@]}" -d"${SECS}"s --latency "http://127.0.0.1:$3$URLPATH" 2>&1) || true
  t1=$(bench_proc_cpu_us "$2")
  rps=$(awk '/^Requests\/sec/ {print $2}' <<<"$out"); p99=$(awk '$1=="99%" {print $2}' <<<"$out")
  mib=$(bench_wrk_mib_s <<<"$out")
  awk -v n="$1" -v r="$rps" -v m="$mib" -v c=$((t1 - t0)) -v s="$SECS" -v p="$p99" 'BEGIN {
    cpu = c / 1e6; if (cpu <= 0) cpu = 0.01
    printf "%-9s req/s=%-9.0f MiB/s=%-7.1f cpu=%5.2fs req/cpu-s=%-7.0f MiB/cpu-s=%-7.1f p99=%s\n",
      n, r, m, cpu, r * s / cpu, m * s / cpu, p }'
}
bench_start_proxy "$W/haproxy.log" $HAPROXY_PORT "haproxy -f $W/haproxy.cfg -db"; H=$BENCH_PID
bench_wrk_warmup "http://127.0.0.1:$HAPROXY_PORT/"
measure haproxy $H $HAPROXY_PORT; kill $H; wait $H 2>/dev/null || true
bench_start_proxy "$W/candidate.log" "$LB_PORT" "$*"; C=$BENCH_PID
taskset -c 0 wrk -t1 -c32 -d"${WARM:-4}"s "http://127.0.0.1:$LB_PORT/" >/dev/null 2>&1 || true
measure candidate $C "$LB_PORT"
