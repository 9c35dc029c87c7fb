#!/usr/bin/env bash
# Young-collection pauses of nexo lb under load, with and without the full collection it runs once
# started (LbCommand.tenureStartupHeap), for docs/benchmarks.md "Balancer latency at fixed load".
# "before" is the same jar with -XX:+DisableExplicitGC (System.gc() does nothing), so only that differs.
# Usage: bench/lb-gc-pauses.sh [ROUNDS] [SECONDS] [SCENARIO]   (defaults 3, 15, close)
#   SCENARIO: close (wrk -c32, Connection: close: many collections) or keepalive (wrk -c64)
# nginx and wrk on CPU 0, the balancer on CPU 1 (as lb-bench.sh), variants alternating per round
# (A B, B A, ...). Per run: young collections, their pause (real, and CPU time user+sys from the GC log,
# which other load on the box inflates far less than the real time), and what survived each.
# Needs nginx, wrk, taskset, java; builds cli/target/nexo.jar through ./nexo when missing.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ROUNDS=${1:-3}; SECS=${2:-15}; SCEN=${3:-close}
case $SCEN in
  close) WRK=(-c32 -H "Connection: close") ;;   # one word: wrk drops "Connection:close" (no space)
  keepalive) WRK=(-c64) ;;
  *) echo "scenario: $SCEN (expected: close or keepalive)" >&2; exit 2 ;;
esac
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bench_need nginx wrk taskset java --apt "nginx wrk"
bench_ports "${LB_GC_BASE_PORT:-17800}"
bench_workdir lb-gc
W=$BENCH_WORK
bench_nginx_backends "$W" server "${BACKENDS[@]}"
declare -A OPTS=([before]="-XX:+DisableExplicitGC" [after]="")
run() { # variant -> one summary line
  local log=$W/gc-$1.log
  rm -f "$log"
  (cd "$ROOT" && NEXO_JAVA_OPTS="${OPTS[$1]} -Xlog:gc*:file=$log" exec taskset -c 1 ./nexo lb \
     --listen 127.0.0.1:$LB_PORT --backend $LB_BACKENDS) >"$W/lb.log" 2>&1 &
  local P=$!
  bench_wait_port 127.0.0.1 $LB_PORT 60 || { tail "$W/lb.log" >&2; exit 1; }
  sleep 1 # the startup collection (after) runs once the listeners are up
  local n; n=$(taskset -c 0 wrk -t1 "${WRK[@]}" -d${SECS}s "http://127.0.0.1:$LB_PORT/" 2>&1 | awk '/requests in/ {print $1}')
  kill $P; wait $P 2>/dev/null || true
  # "GC(3) Pause Young (Allocation Failure) 133M->7M(304M) 35.287ms" and "GC(3) User=0.01s Sys=0.00s Real=0.03s"
  awk -v v="$1" -v n="$n" '
    /Pause Young/ && /ms$/ { c++; ms = $NF; sub(/ms/, "", ms); real[c] = ms + 0; split($(NF-1), a, "->"); surv = surv " " a[2] }
    /Pause Young/ && /gc,start/ { young_next = 1 }
    /PSYoungGen:/ && young_next && !seen[$0]++ { y = $0; sub(/.*PSYoungGen: [0-9]+K\([0-9]+K\)->/, "", y); sub(/K.*/, "", y); ysurv = ysurv sprintf(" %.1fM", y / 1024) }
    /gc,cpu/ && young_next { u = $0; sub(/.*User=/, "", u); s = $0; sub(/.*Sys=/, "", s); cpu[++k] = (u + 0 + s) * 1000; young_next = 0 }
    END {
      for (i = 1; i <= c; i++) { r = r sprintf(" %.1f", real[i]); if (real[i] > mx) mx = real[i] }
      for (i = 1; i <= k; i++) { cp = cp sprintf(" %.0f", cpu[i]) }
      printf "%-6s requests %s young GCs %d, max pause %.1f ms | pauses ms:%s | cpu ms:%s | young survivors:%s | heap after:%s\n", v, n, c, mx, r, cp, ysurv, surv
    }' "$log"
}
echo "# $(date -u '+%Y-%m-%d %H:%M:%S UTC'), $(uptime | sed 's/.*load/load/'), scenario $SCEN, $SECS s per run"
for ((r = 1; r <= ROUNDS; r++)); do
  if ((r % 2)); then order="before after"; else order="after before"; fi
  for v in $order; do echo "round $r $(run $v)"; done
done
