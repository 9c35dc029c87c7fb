#!/usr/bin/env bash
# Latency of nexo lb beside HAProxy at fixed loads below saturation (issue 16, part 2).
#
# Usage (from the repository root):
#   bench/lb-latency.sh [-r ROUNDS] [-s SECONDS] [-w WARMUP] [-m "keepalive newconn"] [-p "25 50 75 90"] [-i MIN_IDLE] [-- COMMAND]
#   bench/lb-latency.sh -p ""   (the saturation part only)
#   bench/lb-latency.sh -C "20000 40000 60000 80000"   (only the generator's ceiling: those rates, backends direct)
# COMMAND starts the balancer under test in the foreground, listening on 127.0.0.1:$LB_PORT and
# balancing round-robin over $LB_BACKENDS (default: ./nexo lb with the launcher's flags).
#
# 1. Saturation: closed-loop wrk (as ../shared/bench/lb-bench.sh: keepalive -c64, newconn -c32 with
#    Connection: close), HAProxy and the candidate alternately, ROUNDS rounds of SECONDS; HAProxy's
#    median is the saturation rate of that mode, and the geomean of the candidate/HAProxy medians is
#    printed.
# 2. Open loop: bench's LoadGenMain (wrk2's model: requests on a fixed timeline, latency from the due
#    time, HdrHistogram) at each percentage of that rate, keepalive (64 connections) and newconn
#    (32 slots, a new connection per request), both proxies alternately (order flips every round),
#    each measurement after a WARMUP-second warm-up at the same rate that is discarded; then the
#    backends direct at the same rate (the floor: generator plus nginx, no proxy). CPU 0's idle
#    share is taken over every run: a rate at which CPU 0 (generator, nginx and their half of the
#    loopback traffic) idled under MIN_IDLE percent (median of the rounds) in either proxy's runs gets no verdict,
#    since the queue measured there is CPU 0's, not the proxy's.
# Both proxies run for the whole script, pinned to CPU 1 (one at a time under load); nginx (3 backends),
# wrk and the load generator on CPU 0. Before anything is measured each proxy gets a discarded
# closed-loop warm-up run (JIT). Prints per-round lines, then per rate the medians of p50, p99,
# p99.9 and max (microseconds) and the candidate/HAProxy ratios, against the issue's targets.
# Needs: nginx haproxy wrk taskset java (and mvn to build bench/target/benchmarks.jar when missing).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ROUNDS=3; SECS=10; WARM=3; MODES="keepalive newconn"; PCTS="25 50 75 90"; CEILING=""; MIN_IDLE=25
bench_options "[-r ROUNDS] [-s SECONDS] [-w WARMUP] [-m MODES] [-p PERCENTS] [-i MIN_IDLE] [-- COMMAND]" \
  -r=ROUNDS -s=SECS -w=WARM -m=MODES -p=PCTS -i=MIN_IDLE -C=CEILING -- "$@"
set -- "${BENCH_ARGS[@]}"
# shellcheck disable=SC2016  # the command expands $LB_PORT and the others itself
CANDIDATE=${*:-'./nexo lb --listen 127.0.0.1:$LB_PORT --backend $LB_BACKENDS'}
bench_need nginx haproxy wrk taskset java --apt "nginx haproxy wrk"
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"   # COMMAND (./nexo by default) runs from the repository root
bench_loadgen "$ROOT"

bench_ports "${LB_LATENCY_BASE_PORT:-17500}"
bench_workdir lb-latency
W=$BENCH_WORK
bench_nginx_backends "$W" server -reuseport "${BACKENDS[@]}"
bench_haproxy_tcp_cfg "$W/haproxy.cfg" $HAPROXY_PORT "${BACKENDS[@]}"
bench_start_proxy "$W/haproxy.log" $HAPROXY_PORT "haproxy -f $W/haproxy.cfg -db"; HP=$BENCH_PID
bench_start_proxy "$W/candidate.log" "$LB_PORT" "$CANDIDATE"; CP=$BENCH_PID
declare -A PORT=([haproxy]=$HAPROXY_PORT [nexo]=$LB_PORT [direct]=$B1)
declare -A PROC=([haproxy]=$HP [nexo]=$CP)
# CPU time of a proxy process in microseconds: its CPU per request is the figure that other load on
# the box disturbs least
cpu_us() { if [ -n "${PROC[$1]:-}" ]; then bench_proc_cpu_us "${PROC[$1]}"; else echo 0; fi; }
declare -A CONNS=([keepalive]=64 [newconn]=32)
# closed-loop wrk in a mode: wrk_mode MODE SECONDS PORT. The header is one word "Connection: close":
# wrk keeps a -H header only when its colon is followed by a space, and drops "Connection:close"
# silently, which made every newconn saturation run before 2026-11-30 23:40 UTC a keep-alive run
wrk_mode() {
  local args=(-c64)
  [ "$1" = newconn ] && args=(-c32 -H "Connection: close")
  taskset -c 0 wrk -t1 "${args[@]}" -d"$2"s "http://127.0.0.1:$3/" 2>&1
}

echo "# $(date -u '+%Y-%m-%d %H:%M:%S UTC'), $(uptime | sed 's/.*load/load/'), candidate: $CANDIDATE"
loadgen() { # mode rate port -> the RESULT line
  taskset -c 0 $LOADGEN --mode $1 --rate "$2" --connections ${CONNS[$1]} --warmup "$WARM" --duration "$SECS" \
    "http://127.0.0.1:$3/" 2>/dev/null | grep '^RESULT' || true
}
if [ -n "$CEILING" ]; then
  # the generator and nginx alone on CPU 0, no proxy: where does the generator stop keeping its schedule?
  for m in $MODES; do for rate in $CEILING; do
    echo "ceiling $m $rate/s direct: $(loadgen $m $rate $B1 | cut -d' ' -f2-)"
  done; done
  exit 0
fi
# discarded closed-loop warm-up of both proxies (JIT), both modes
for p in haproxy nexo; do for m in $MODES; do
  wrk_mode $m "$WARM" ${PORT[$p]} >/dev/null || true
done; done

med() { bench_median %.1f <<<"$1"; }
order() { if (($1 % 2)); then echo "haproxy nexo"; else echo "nexo haproxy"; fi; }

# 1. saturation, closed loop
declare -A SAT
LOGSUM=0; NSAT=0
for m in $MODES; do
  declare -A S=([haproxy]="" [nexo]="")
  for ((r = 1; r <= ROUNDS; r++)); do
    for p in $(order $r); do
      v=$(wrk_mode $m "$SECS" ${PORT[$p]} | awk '/^Requests\/sec/ {print $2}')
      S[$p]="${S[$p]} ${v:-0}"
      printf "saturation %-9s round %d %-7s %10s requests/s\n" $m $r $p "${v:-0}"
    done
  done
  h=$(med "${S[haproxy]}"); c=$(med "${S[nexo]}")
  SAT[$m]=$h
  ratio=$(awk -v c="$c" -v h="$h" 'BEGIN { printf "%.3f", (h > 0 ? c / h : 0) }')
  echo "saturation $m: HAProxy median $h, nexo median $c, nexo/HAProxy $ratio"
  LOGSUM=$(awk -v s="$LOGSUM" -v r="$ratio" 'BEGIN { print (r > 0 ? s + log(r) : s - 10) }'); NSAT=$((NSAT + 1))
done
end_line() { echo "# end $(date -u '+%H:%M:%S UTC'), $(uptime | sed 's/.*load/load/')"; }
SATGEO=$(awk -v s="$LOGSUM" -v n="$NSAT" 'BEGIN { printf "%.3f", exp(s / n) }')
echo "saturation throughput geomean nexo/HAProxy: $SATGEO"
if [[ -z ${PCTS// /} ]]; then   # -p "": the saturation part only
  end_line
  exit 0
fi

# 2. open loop at fixed rates
SUMMARY=$W/summary
for m in $MODES; do
  for pct in $PCTS; do
    rate=$(awk -v s="${SAT[$m]}" -v p="$pct" 'BEGIN { printf "%d", s * p / 100 }')
    declare -A P50=() P99=() P999=() MAX=() ACH=() CPU=() IDLE=()
    for ((r = 1; r <= ROUNDS; r++)); do
      for p in $(order $r) direct; do
        t0=$(cpu_us $p); read -r b0 a0 < <(bench_cpu_ticks 0)
        line=$(loadgen $m "$rate" ${PORT[$p]})
        t1=$(cpu_us $p); read -r b1 a1 < <(bench_cpu_ticks 0)
        idle=$(awk -v b=$((b1 - b0)) -v a=$((a1 - a0)) 'BEGIN { printf "%.0f", (a > 0 ? 100 * (a - b) / a : 0) }')
        IDLE[$p]="${IDLE[$p]:-} $idle"
        # warm-up and measured runs both count: rate x (WARM + SECS) requests
        cpu=$(awk -v d=$((t1 - t0)) -v r="$rate" -v s="$((WARM + SECS))" 'BEGIN { printf "%.1f", d / (r * s) }')
        get() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$line"; }
        P50[$p]="${P50[$p]:-} $(get p50_us)"; P99[$p]="${P99[$p]:-} $(get p99_us)"
        P999[$p]="${P999[$p]:-} $(get p999_us)"; MAX[$p]="${MAX[$p]:-} $(get max_us)"
        ACH[$p]="${ACH[$p]:-} $(get achieved)"; CPU[$p]="${CPU[$p]:-} $cpu"
        printf "%-9s %3d%% %7d/s round %d %-7s p50 %8s  p99 %9s  p99.9 %9s  max %10s us  achieved %9s  errors %s unfinished %s lag_p99 %s  cpu %s us/req  cpu0 idle %s%%\n" \
          $m $pct $rate $r $p "$(get p50_us)" "$(get p99_us)" "$(get p999_us)" "$(get max_us)" "$(get achieved)" \
          "$(get errors)" "$(get unfinished)" "$(get lag_p99_us)" "$cpu" "$idle"
      done
    done
    for p in haproxy nexo direct; do
      echo "$m $pct $rate $p $(med "${P50[$p]}") $(med "${P99[$p]}") $(med "${P999[$p]}") $(med "${MAX[$p]}") $(med "${ACH[$p]}") $(med "${CPU[$p]}") $(med "${IDLE[$p]}")" >>"$SUMMARY"
    done
  done
done

echo
echo "# medians of $ROUNDS rounds, microseconds; ratio = nexo/HAProxy; target: p99 and p99.9 <= 1.2x up to 75%, <= 1.5x at 90%; no verdict where CPU 0 idled under $MIN_IDLE%"
printf "| mode | load | rate/s | proxy | p50 | p99 | p99.9 | max | achieved/s | proxy CPU us/req | CPU 0 idle |\n| --- | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n"
awk '{ printf "| %s | %s%% | %s | %s | %s | %s | %s | %s | %s | %s | %s%% |\n", $1, $2, $3, ($4 == "haproxy" ? "HAProxy" : $4), $5, $6, $7, $8, $9, ($4 == "direct" ? "-" : $10), $11 }' "$SUMMARY"
echo
printf "| mode | load | p50 ratio | p99 ratio | p99.9 ratio | max ratio | target |\n| --- | ---: | ---: | ---: | ---: | ---: | --- |\n"
awk -v minidle="$MIN_IDLE" '{ k = $1 " " $2; if ($9 < 0.97 * $3) behind[k] = behind[k] " " $4
       if ($4 != "direct" && $11 + 0 < minidle) busy[k] = busy[k] " " $4 " " $11 "%"
       if ($4 == "haproxy") { h50[k] = $5; h99[k] = $6; h999[k] = $7; hm[k] = $8; order[++n] = k }
       else if ($4 == "nexo") { c50[k] = $5; c99[k] = $6; c999[k] = $7; cm[k] = $8 } }
     function r(c, h) { return h > 0 ? c / h : 0 }
     END { for (i = 1; i <= n; i++) { k = order[i]; split(k, a, " "); lim = (a[2] + 0 >= 90 ? 1.5 : 1.2)
           ok = (r(c99[k], h99[k]) <= lim && r(c999[k], h999[k]) <= lim) ? "met (<= " lim "x)" : "MISSED (> " lim "x)"
           # a run that fell behind its schedule measured a queue, not the proxy: no verdict
           if (behind[k] != "") ok = "no verdict: behind schedule (" substr(behind[k], 2) ")"
           # the generator and nginx share CPU 0: with little of it idle, the queue is theirs
           else if (busy[k] != "") ok = "no verdict: CPU 0 idle under " minidle "% (" substr(busy[k], 2) ")"
           printf "| %s | %s%% | %.2f | %.2f | %.2f | %.2f | %s |\n", a[1], a[2], r(c50[k], h50[k]), r(c99[k], h99[k]), r(c999[k], h999[k]), r(cm[k], hm[k]), ok } }' "$SUMMARY"
echo
echo "saturation throughput geomean nexo/HAProxy: $SATGEO (target >= 1.0)"
end_line
