#!/usr/bin/env bash
# Does the open-loop generator's newconn mode keep its schedule through a proxy wherever closed-loop
# wrk shows the proxy has the capacity? (issue 16, part 2: "newconn: no valid figure")
#
# Usage (from the repository root):
#   bench/loadgen-newconn-check.sh [-r ROUNDS] [-s SECONDS] [-w WARMUP] [-p PERCENT] [-- COMMAND]
# Layout as lb-latency.sh: three nginx backends, wrk and the generator on CPU 0, HAProxy and the
# candidate (default ./nexo lb) on CPU 1. Per round, each proxy in turn (the order flips every round),
# then the first backend direct (no proxy: the same comparison without one):
#   wrk-nospace  wrk -c32 -H "Connection:close": what lb-latency.sh ran before; wrk drops a header
#                without a space after the colon, so this is keep-alive traffic
#   wrk-close    wrk -c32 -H "Connection: close": a new connection per request, closed loop
#   loadgen      LoadGenMain --mode newconn --connections 32 at PERCENT% of this round's wrk-close rate
# Each line gives requests/s and the connections the backends accepted per second (nginx
# stub_status), so "a new connection per request" is counted, not assumed. Needs nginx haproxy wrk.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ROUNDS=3; SECS=4; WARM=2; PCT=50
bench_options "[-r ROUNDS] [-s SECONDS] [-w WARMUP] [-p PERCENT] [-- COMMAND]" \
  -r=ROUNDS -s=SECS -w=WARM -p=PCT -- "$@"
set -- "${BENCH_ARGS[@]}"
# shellcheck disable=SC2016  # the command expands $LB_PORT and the others itself
CANDIDATE=${*:-'./nexo lb --listen 127.0.0.1:$LB_PORT --backend $LB_BACKENDS'}
bench_need nginx haproxy wrk taskset java --apt "nginx haproxy wrk"
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
bench_loadgen "$ROOT"

bench_ports "${LOADGEN_CHECK_BASE_PORT:-17700}"
bench_workdir loadgen-newconn
W=$BENCH_WORK
bench_nginx_backends "$W" server -reuseport -location 'location = /nginx-status { stub_status; }' "${BACKENDS[@]}"
bench_haproxy_tcp_cfg "$W/haproxy.cfg" $HAPROXY_PORT "${BACKENDS[@]}"
bench_start_proxy "$W/haproxy.log" $HAPROXY_PORT "haproxy -f $W/haproxy.cfg -db"
bench_start_proxy "$W/candidate.log" "$LB_PORT" "$CANDIDATE"
declare -A PORT=([haproxy]=$HAPROXY_PORT [nexo]=$LB_PORT [direct]=$B1)

# connections nginx (one worker, all three backends) has accepted so far
accepts() {
  local line
  exec 3<>"/dev/tcp/127.0.0.1/$B1"
  printf 'GET /nginx-status HTTP/1.0\r\n\r\n' >&3
  line=$(grep -A1 '^server accepts' <&3 | tail -1)
  exec 3<&-
  awk '{print $1}' <<<"$line"
}
# mode port -> "requests/s connections/s [rest of the generator's RESULT line]"
measure() {
  local a0 a1 out rps
  a0=$(accepts)
  case $1 in
    wrk-nospace) out=$(taskset -c 0 wrk -t1 -c32 -H Connection:close -d"${SECS}"s "http://127.0.0.1:$2/" 2>&1)
                 rps=$(awk '/^Requests\/sec/ {print $2}' <<<"$out") ;;
    wrk-close) out=$(taskset -c 0 wrk -t1 -c32 -H "Connection: close" -d"${SECS}"s "http://127.0.0.1:$2/" 2>&1)
               rps=$(awk '/^Requests\/sec/ {print $2}' <<<"$out") ;;
    loadgen:*) out=$(taskset -c 0 $LOADGEN --mode newconn --rate "${1#loadgen:}" --connections 32 --warmup 0 \
                   --duration "$SECS" "http://127.0.0.1:$2/" 2>/dev/null | grep '^RESULT' || true)
               rps=$(sed -n 's/.* achieved=\([^ ]*\).*/\1/p' <<<"$out") ;;
  esac
  a1=$(accepts)
  echo "${rps:-0} $(awk -v d=$((a1 - a0 - 1)) -v s="$SECS" 'BEGIN { printf "%.1f", d / s }') ${out:+$(sed -n 's/^RESULT //p' <<<"$out")}"
}

echo "# $(date -u '+%Y-%m-%d %H:%M:%S UTC'), $(uptime | sed 's/.*load/load/'), candidate: $CANDIDATE"
for p in haproxy nexo; do  # discarded warm-up (JIT, pools) in both modes
  taskset -c 0 wrk -t1 -c32 -d"${WARM}"s "http://127.0.0.1:${PORT[$p]}/" >/dev/null 2>&1 || true
  taskset -c 0 wrk -t1 -c32 -H "Connection: close" -d"${WARM}"s "http://127.0.0.1:${PORT[$p]}/" >/dev/null 2>&1 || true
done
declare -A NOSP=() CLOSE=() GEN=() GENCONN=() SCHED=()
for ((r = 1; r <= ROUNDS; r++)); do
  if ((r % 2)); then order="haproxy nexo"; else order="nexo haproxy"; fi
  for p in $order direct; do
    read -r rps cps _ <<<"$(measure wrk-nospace ${PORT[$p]})"
    printf "round %d %-7s wrk -H Connection:close   %9s requests/s %9s connections/s\n" $r $p "$rps" "$cps"
    NOSP[$p]="${NOSP[$p]:-} $rps/$cps"
    read -r rps cps _ <<<"$(measure wrk-close ${PORT[$p]})"
    printf "round %d %-7s wrk -H 'Connection: close' %9s requests/s %9s connections/s\n" $r $p "$rps" "$cps"
    CLOSE[$p]="${CLOSE[$p]:-} $rps"
    rate=$(awk -v c="$rps" -v p="$PCT" 'BEGIN { r = int(c * p / 100); print (r < 1 ? 1 : r) }')
    taskset -c 0 $LOADGEN --mode newconn --rate "$rate" --connections 32 --warmup 0 --duration "$WARM" \
      "http://127.0.0.1:${PORT[$p]}/" >/dev/null 2>&1 || true   # the generator's JIT warm-up
    read -r ach gcps res <<<"$(measure loadgen:$rate ${PORT[$p]})"
    printf "round %d %-7s loadgen newconn at %6d/s  %9s achieved/s %9s connections/s  %s\n" $r $p "$rate" "$ach" "$gcps" \
      "$(sed 's/.*\(p50_us=[^ ]*\).*\(p99_us=[^ ]*\).*\(lag_p99_us=[^ ]*\).*/\1 \2 \3/' <<<"$res")"
    SCHED[$p]="${SCHED[$p]:-} $rate"; GEN[$p]="${GEN[$p]:-} $ach"; GENCONN[$p]="${GENCONN[$p]:-} $gcps"
  done
done
echo
echo "# medians of $ROUNDS rounds; loadgen at $PCT% of the same round's wrk-close rate"
for p in haproxy nexo direct; do
  ratio=""
  for ((i = 1; i <= ROUNDS; i++)); do
    ratio+=" $(awk -v a="$(cut -d' ' -f$((i + 1)) <<<"${GEN[$p]}")" -v s="$(cut -d' ' -f$((i + 1)) <<<"${SCHED[$p]}")" \
      'BEGIN { printf "%.3f", (s > 0 ? a / s : 0) }')"
  done
  echo "$p: wrk-nospace (requests/connections per s):${NOSP[$p]}; wrk-close requests/s $(bench_median %.1f <<<"${CLOSE[$p]}");" \
    "loadgen scheduled $(bench_median %.1f <<<"${SCHED[$p]}") achieved $(bench_median %.1f <<<"${GEN[$p]}")" \
    "(achieved/scheduled by round:$ratio), connections/s $(bench_median %.1f <<<"${GENCONN[$p]}")"
done
echo "# end $(date -u '+%H:%M:%S UTC'), $(uptime | sed 's/.*load/load/')"
