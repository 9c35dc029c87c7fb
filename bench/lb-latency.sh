#!/usr/bin/env bash
# Latency of nexo lb beside HAProxy at fixed loads below saturation (issue 16, part 2).
#
# Usage (from the repository root):
#   bench/lb-latency.sh [-r ROUNDS] [-s SECONDS] [-w WARMUP] [-m "keepalive newconn"] [-p "25 50 75 90"] [-- COMMAND]
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
#    backends direct at the same rate (the floor: generator plus nginx, no proxy).
# Both proxies run for the whole script, pinned to CPU 1 (one at a time under load); nginx (3 backends),
# wrk and the load generator on CPU 0. Before anything is measured each proxy gets a discarded
# closed-loop warm-up run (JIT). Prints per-round lines, then per rate the medians of p50, p99,
# p99.9 and max (microseconds) and the candidate/HAProxy ratios, against the issue's targets.
# Needs: nginx haproxy wrk taskset java (and mvn to build bench/target/benchmarks.jar when missing).
set -euo pipefail
export PATH=$PATH:/usr/sbin
ROUNDS=3; SECS=10; WARM=3; MODES="keepalive newconn"; PCTS="25 50 75 90"; CEILING=""
while [ $# -gt 0 ]; do
  case "$1" in
    -r) ROUNDS=$2; shift 2 ;;
    -s) SECS=$2; shift 2 ;;
    -w) WARM=$2; shift 2 ;;
    -m) MODES=$2; shift 2 ;;
    -p) PCTS=$2; shift 2 ;;
    -C) CEILING=$2; shift 2 ;;
    --) shift; break ;;
    *) echo "usage: $0 [-r ROUNDS] [-s SECONDS] [-w WARMUP] [-m MODES] [-p PERCENTS] [-- COMMAND]" >&2; exit 2 ;;
  esac
done
CANDIDATE=${*:-'./nexo lb --listen 127.0.0.1:$LB_PORT --backend $LB_BACKENDS'}
for t in nginx haproxy wrk taskset java; do
  command -v $t >/dev/null || { echo "missing $t: apt-get install -y nginx haproxy wrk" >&2; exit 2; }
done
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
JAR=$ROOT/bench/target/benchmarks.jar
if [ ! -f "$JAR" ]; then
  (cd "$ROOT" && mvn -B -q -pl bench -am -DskipTests package) || { echo "could not build $JAR" >&2; exit 1; }
fi
LOADGEN="java -Xms256m -Xmx256m -XX:+UseParallelGC -XX:+AlwaysPreTouch -cp $JAR io.nexo.bench.latency.LoadGenMain"

BASE=${LB_LATENCY_BASE_PORT:-17500}
B1=$((BASE+1)); B2=$((BASE+2)); B3=$((BASE+3)); HAPROXY_PORT=$((BASE+100))
export LB_PORT=$((BASE+200)) LB_BACKENDS="127.0.0.1:$B1,127.0.0.1:$B2,127.0.0.1:$B3"
W=$(mktemp -d /tmp/lb-latency.XXXXXX)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  sleep 0.3
  for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  rm -rf "$W"
}
trap cleanup EXIT
wait_port() { # port seconds
  local i
  for ((i = 0; i < $2 * 10; i++)); do (exec 3<>/dev/tcp/127.0.0.1/$1) 2>/dev/null && return 0; sleep 0.1; done
  echo "nothing listens on 127.0.0.1:$1 after $2 s" >&2; return 1
}

cat >"$W/nginx.conf" <<EOF
worker_processes 1; daemon off; pid $W/nginx.pid; error_log $W/nginx.err;
events { worker_connections 8192; }
http { access_log off; keepalive_requests 10000000; default_type text/plain;
  server { listen 127.0.0.1:$B1 reuseport; location / { return 200 "Response from Server 1\n"; } }
  server { listen 127.0.0.1:$B2 reuseport; location / { return 200 "Response from Server 2\n"; } }
  server { listen 127.0.0.1:$B3 reuseport; location / { return 200 "Response from Server 3\n"; } }
}
EOF
cat >"$W/haproxy.cfg" <<EOF
global
  nbthread 1
  maxconn 8000
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
taskset -c 0 nginx -c "$W/nginx.conf" -p "$W" >/dev/null 2>&1 & PIDS+=($!)
wait_port $B3 10
taskset -c 1 haproxy -f "$W/haproxy.cfg" -db >"$W/haproxy.log" 2>&1 & PIDS+=($!); HP=$!
wait_port $HAPROXY_PORT 10
(cd "$ROOT" && exec taskset -c 1 bash -c "exec $CANDIDATE") >"$W/candidate.log" 2>&1 & PIDS+=($!); CP=$!
wait_port "$LB_PORT" 90 || { tail -20 "$W/candidate.log" >&2; exit 1; }
declare -A PORT=([haproxy]=$HAPROXY_PORT [nexo]=$LB_PORT [direct]=$B1)
declare -A PROC=([haproxy]=$HP [nexo]=$CP)
# CPU time of a proxy process in clock ticks (user + system): its CPU per request is the figure that
# other load on the box disturbs least (it does not count time spent waiting for the CPU)
ticks() { if [ -n "${PROC[$1]:-}" ]; then awk '{print $14 + $15}' /proc/${PROC[$1]}/stat; else echo 0; fi; }
declare -A CONNS=([keepalive]=64 [newconn]=32)
declare -A WRKARGS=([keepalive]="-c64" [newconn]="-c32 -H Connection:close")

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
  taskset -c 0 wrk -t1 ${WRKARGS[$m]} -d${WARM}s "http://127.0.0.1:${PORT[$p]}/" >/dev/null 2>&1 || true
done; done

med() { tr ' ' '\n' <<<"$1" | grep -v '^$' | sort -g | awk '{a[NR]=$1} END { if (NR == 0) print 0; else if (NR % 2) print a[(NR+1)/2]; else printf "%.1f", (a[NR/2]+a[NR/2+1])/2 }'; }
order() { if (($1 % 2)); then echo "haproxy nexo"; else echo "nexo haproxy"; fi; }

# 1. saturation, closed loop
declare -A SAT
LOGSUM=0; NSAT=0
for m in $MODES; do
  declare -A S=([haproxy]="" [nexo]="")
  for ((r = 1; r <= ROUNDS; r++)); do
    for p in $(order $r); do
      v=$(taskset -c 0 wrk -t1 ${WRKARGS[$m]} -d${SECS}s "http://127.0.0.1:${PORT[$p]}/" 2>&1 | awk '/^Requests\/sec/ {print $2}')
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
SATGEO=$(awk -v s="$LOGSUM" -v n="$NSAT" 'BEGIN { printf "%.3f", exp(s / n) }')
echo "saturation throughput geomean nexo/HAProxy: $SATGEO"

# 2. open loop at fixed rates
SUMMARY=$W/summary
for m in $MODES; do
  for pct in $PCTS; do
    rate=$(awk -v s="${SAT[$m]}" -v p="$pct" 'BEGIN { printf "%d", s * p / 100 }')
    declare -A P50=() P99=() P999=() MAX=() ACH=() CPU=()
    for ((r = 1; r <= ROUNDS; r++)); do
      for p in $(order $r) direct; do
        t0=$(ticks $p)
        line=$(loadgen $m "$rate" ${PORT[$p]})
        t1=$(ticks $p)
        # warm-up and measured runs both count: rate x (WARM + SECS) requests
        cpu=$(awk -v d=$((t1 - t0)) -v r="$rate" -v s="$((WARM + SECS))" -v hz="$(getconf CLK_TCK)" \
              'BEGIN { printf "%.1f", d * 1e6 / hz / (r * s) }')
        get() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$line"; }
        P50[$p]="${P50[$p]:-} $(get p50_us)"; P99[$p]="${P99[$p]:-} $(get p99_us)"
        P999[$p]="${P999[$p]:-} $(get p999_us)"; MAX[$p]="${MAX[$p]:-} $(get max_us)"
        ACH[$p]="${ACH[$p]:-} $(get achieved)"; CPU[$p]="${CPU[$p]:-} $cpu"
        printf "%-9s %3d%% %7d/s round %d %-7s p50 %8s  p99 %9s  p99.9 %9s  max %10s us  achieved %9s  errors %s unfinished %s lag_p99 %s  cpu %s us/req\n" \
          $m $pct $rate $r $p "$(get p50_us)" "$(get p99_us)" "$(get p999_us)" "$(get max_us)" "$(get achieved)" \
          "$(get errors)" "$(get unfinished)" "$(get lag_p99_us)" "$cpu"
      done
    done
    for p in haproxy nexo direct; do
      echo "$m $pct $rate $p $(med "${P50[$p]}") $(med "${P99[$p]}") $(med "${P999[$p]}") $(med "${MAX[$p]}") $(med "${ACH[$p]}") $(med "${CPU[$p]}")" >>"$SUMMARY"
    done
  done
done

echo
echo "# medians of $ROUNDS rounds, microseconds; ratio = nexo/HAProxy; target: p99 and p99.9 <= 1.2x up to 75%, <= 1.5x at 90%"
printf "| mode | load | rate/s | proxy | p50 | p99 | p99.9 | max | achieved/s | proxy CPU us/req |\n| --- | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |\n"
awk '{ printf "| %s | %s%% | %s | %s | %s | %s | %s | %s | %s | %s |\n", $1, $2, $3, ($4 == "haproxy" ? "HAProxy" : $4), $5, $6, $7, $8, $9, ($4 == "direct" ? "-" : $10) }' "$SUMMARY"
echo
printf "| mode | load | p50 ratio | p99 ratio | p99.9 ratio | max ratio | target |\n| --- | ---: | ---: | ---: | ---: | ---: | --- |\n"
awk '{ k = $1 " " $2; if ($9 < 0.97 * $3) behind[k] = behind[k] " " $4
       if ($4 == "haproxy") { h50[k] = $5; h99[k] = $6; h999[k] = $7; hm[k] = $8; order[++n] = k }
       else if ($4 == "nexo") { c50[k] = $5; c99[k] = $6; c999[k] = $7; cm[k] = $8 } }
     function r(c, h) { return h > 0 ? c / h : 0 }
     END { for (i = 1; i <= n; i++) { k = order[i]; split(k, a, " "); lim = (a[2] + 0 >= 90 ? 1.5 : 1.2)
           ok = (r(c99[k], h99[k]) <= lim && r(c999[k], h999[k]) <= lim) ? "met (<= " lim "x)" : "MISSED (> " lim "x)"
           # a run that fell behind its schedule measured a queue, not the proxy: no verdict
           if (behind[k] != "") ok = "no verdict: behind schedule (" substr(behind[k], 2) ")"
           printf "| %s | %s%% | %.2f | %.2f | %.2f | %.2f | %s |\n", a[1], a[2], r(c50[k], h50[k]), r(c99[k], h99[k]), r(c999[k], h999[k]), r(cm[k], hm[k]), ok } }' "$SUMMARY"
echo
echo "saturation throughput geomean nexo/HAProxy: $SATGEO (target >= 1.0)"
echo "# end $(date -u '+%H:%M:%S UTC'), $(uptime | sed 's/.*load/load/')"
