#!/usr/bin/env bash
# Backends from DNS do not touch the data path (issue #14): nexo lb with --backend-dns (dnsmasq
# serving three A records) against the same nexo with the same three backends given by --backend,
# each beside HAProxy, and the p99 around a change of the records under load.
#
# Usage: bench/lb-dns-bench.sh [-s SECONDS] [-r ROUNDS] [-w WINDOWS] [-- NEXO]
#   NEXO: how to run nexo (default ./nexo), e.g. a launcher in a copy of the tree.
#
# Part 1, throughput: per round, HAProxy, nexo --backend and nexo --backend-dns (order rotated
# round by round), each alone on CPU 1 with wrk, nginx and dnsmasq on CPU 0, as
# ../shared/bench/lb-bench.sh pins them. Scenarios: keepalive (64 connections) and close (a new TCP
# connection per request, `Connection: close`, so every request is a backend pick). Prints each
# run, the ratio of each nexo to HAProxy per round, and the median ratios.
#
# Part 2, a record change under load: nexo --backend-dns (interval 1 s) under the close load, p99
# in consecutive windows of SECONDS each (one wrk run per window); in the middle window the answer
# changes from .11 .12 .13 to .12 .13 .14 (dnsmasq re-reads its hosts file on SIGHUP); then the same
# sequence again without a change (the noise of the windows). nexo's /api/status says when the
# change was applied (joined/removed).
#
# Backends: nginx on 127.0.0.11-14, one port; the name web.bench answers with their addresses.
# Needs: nginx haproxy wrk dnsmasq curl python3 taskset.
set -euo pipefail

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

SECONDS_PER_RUN=5
ROUNDS=3
WINDOWS=9
bench_options "[-s SECONDS] [-r ROUNDS] [-w WINDOWS] [-- NEXO]" -s=SECONDS_PER_RUN -r=ROUNDS -w=WINDOWS -- "$@"
set -- "${BENCH_ARGS[@]}"
NEXO=${1:-./nexo}
bench_need nginx haproxy wrk dnsmasq curl python3 taskset --apt "nginx haproxy wrk dnsmasq-base curl python3"

BASE=${LB_BENCH_BASE_PORT:-18600}
BP=$((BASE + 1))          # every backend's port, on 127.0.0.11-14
BACKENDS=("127.0.0.11:$BP" "127.0.0.12:$BP" "127.0.0.13:$BP")
DNS_PORT=$((BASE + 53))
HAPROXY_PORT=$((BASE + 100))
LB_PORT=$((BASE + 200))
ADMIN_PORT=$((BASE + 201))
bench_workdir lb-dns-bench
WORK=$BENCH_WORK
bench_nginx_backends "$WORK" octet "${BACKENDS[@]}" "127.0.0.14:$BP"

hosts() { # last octets -> the hosts file dnsmasq answers from
  local o
  for o in "$@"; do echo "127.0.0.$o web.bench"; done >"$WORK/hosts.new"
  mv "$WORK/hosts.new" "$WORK/hosts"
}
hosts 11 12 13
taskset -c 0 dnsmasq --keep-in-foreground --no-resolv --no-hosts --addn-hosts="$WORK/hosts" \
  --listen-address=127.0.0.1 --bind-interfaces --port=$DNS_PORT --pid-file --log-facility="$WORK/dnsmasq.log" \
  --conf-file=/dev/null --cache-size=0 --user="$(id -un)" & DNSMASQ=$!; PIDS+=("$DNSMASQ")
for ((i = 0; i < 50; i++)); do grep -q started "$WORK/dnsmasq.log" 2>/dev/null && break; sleep 0.1; done
grep -q started "$WORK/dnsmasq.log" || { echo "dnsmasq did not start: $(cat "$WORK/dnsmasq.log")" >&2; exit 1; }

bench_haproxy_tcp_cfg "$WORK/haproxy.cfg" $HAPROXY_PORT "${BACKENDS[@]}"

NEXO_COMMON="lb --io-threads 1 --listen 127.0.0.1:$LB_PORT --admin 127.0.0.1:$ADMIN_PORT"
STATIC="$NEXO $NEXO_COMMON --backend $(IFS=,; echo "${BACKENDS[*]}")"
DNS="$NEXO $NEXO_COMMON --backend-dns web.bench:$BP --dns-server 127.0.0.1:$DNS_PORT --dns-interval 1s"

start() { # haproxy|static|dns -> port it serves on (the proxy runs as $P)
  case "$1" in
    haproxy) PORT=$HAPROXY_PORT; bench_start_proxy "$WORK/haproxy.log" $PORT "haproxy -f $WORK/haproxy.cfg -db" ;;
    static) PORT=$LB_PORT; bench_start_proxy "$WORK/nexo.log" $PORT "$STATIC" ;;
    dns) PORT=$LB_PORT; bench_start_proxy "$WORK/nexo.log" $PORT "$DNS" ;;
  esac
  P=$BENCH_PID
  if [ "$1" = dns ]; then # serving only once the first answer is applied
    for ((i = 0; i < 100; i++)); do
      [ "$(dns_field backends)" = 3 ] && break; sleep 0.1
    done
  fi
}
stop() { kill "$P"; wait "$P" 2>/dev/null || true; }
dns_field() { # field of the pool's dns status
  curl -s "http://127.0.0.1:$ADMIN_PORT/api/status" | python3 -c \
    "import json,sys; p=json.load(sys.stdin)['pools'][0]; print((p.get('dns') or {}).get(sys.argv[1]))" "$1" 2>/dev/null || true
}
run_wrk() { # port seconds args... -> "requests/s p99ms errors"
  local port=$1 secs=$2; shift 2
  local out
  out=$(taskset -c 0 wrk -t1 "$@" -d${secs}s --latency "http://127.0.0.1:$port/" 2>&1) || true
  awk '/^Requests\/sec/ {r=$2}
       $1=="99%" {v=$2; n=v+0; if (v ~ /us$/) n/=1000; else if (v ~ /[0-9]s$/ && v !~ /ms$/) n*=1000; p=n}
       /Socket errors/ {e=$0} /Non-2xx/ {e=e " " $0}
       END {gsub(/ /, "_", e); print r+0, p+0, (e == "" ? "-" : e)}' <<<"$out"
}

echo "== part 1: throughput, nexo --backend and --backend-dns, each beside HAProxy"
printf "%-10s %-5s %10s %10s %10s %8s %8s %18s %s\n" scenario round haproxy static dns st/hap dns/hap "p99ms h/st/dns" errors
SCENARIOS=("keepalive:-c64" "close:-c32")
for spec in "${SCENARIOS[@]}"; do
  name=${spec%%:*}; args=${spec#*:}
  header=()
  [ "$name" = close ] && header=(-H "Connection: close")   # wrk needs "Name: value" with the space
  RS=""; RD=""
  for ((r = 1; r <= ROUNDS; r++)); do
    case $((r % 3)) in
      1) order="haproxy static dns" ;; 2) order="static dns haproxy" ;; 0) order="dns haproxy static" ;;
    esac
    declare -A v=() p=() e=()
    for who in $order; do
      start $who
      bench_wrk_warmup "http://127.0.0.1:$PORT/"
      read -r "v[$who]" "p[$who]" "e[$who]" <<<"$(run_wrk $PORT $SECONDS_PER_RUN $args "${header[@]}")"
      stop
    done
    rs=$(awk -v a="${v[static]}" -v b="${v[haproxy]}" 'BEGIN { printf "%.3f", (b > 0 ? a / b : 0) }')
    rd=$(awk -v a="${v[dns]}" -v b="${v[haproxy]}" 'BEGIN { printf "%.3f", (b > 0 ? a / b : 0) }')
    RS="$RS $rs"; RD="$RD $rd"
    printf "%-10s %-5s %10s %10s %10s %8s %8s %18s %s\n" "$name" "$r" "${v[haproxy]}" "${v[static]}" "${v[dns]}" \
      "$rs" "$rd" "${p[haproxy]}/${p[static]}/${p[dns]}" "${e[haproxy]} ${e[static]} ${e[dns]}"
  done
  echo "$name: median static/haproxy $(bench_median <<<"$RS"), median dns/haproxy $(bench_median <<<"$RD")"
done

echo "== part 2: p99 per ${SECONDS_PER_RUN}s window under the close load; the answer changes in window $(( (WINDOWS + 1) / 2 ))"
for mode in change control; do
  hosts 11 12 13; kill -HUP $DNSMASQ
  start dns
  bench_wrk_warmup "http://127.0.0.1:$PORT/"
  mid=$(( (WINDOWS + 1) / 2 )); line=""; others=""
  for ((w = 1; w <= WINDOWS; w++)); do
    if [ $mode = change ] && [ $w = $mid ]; then
      # the change lands a second into the window: nexo re-resolves within its 1 s interval
      (sleep 1; hosts 12 13 14; kill -HUP $DNSMASQ) &
    fi
    read -r _ p99 errs <<<"$(run_wrk $PORT $SECONDS_PER_RUN -c32 -H "Connection: close")"
    line="$line $p99"
    [ $w != $mid ] && others="$others $p99"
    [ "$errs" != - ] && echo "  window $w errors: $errs"
  done
  echo "$mode: p99 ms per window:$line | window $mid: $(awk -v l="$line" -v m=$mid 'BEGIN {split(l, a, " "); print a[m]}'), median of the others $(bench_median <<<"$others"), max of the others $(tr ' ' '\n' <<<"$others" | sort -g | tail -1); dns joined=$(dns_field joined) removed=$(dns_field removed) failures=$(dns_field failures)"
  stop
done
echo "(requests/s; proxies pinned to CPU 1, wrk, nginx and dnsmasq to CPU 0)"
