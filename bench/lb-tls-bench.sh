#!/usr/bin/env bash
# TLS termination side by side with HAProxy (`bind ... ssl crt`), same pinning as
# ../shared/bench/lb-bench.sh: proxies on CPU 1, wrk and nginx on CPU 0, one proxy at a time,
# rounds alternating who goes first, ratio taken per round. Both terminate TLS with the same ECDSA
# P-256 certificate and speak plaintext to three nginx backends.
#
# Usage: bench/lb-tls-bench.sh [-s SECONDS] [-r ROUNDS] [-o SCENARIOS] [-- NEXO_COMMAND]
#   default NEXO_COMMAND: ./nexo lb --io-threads 1 --listen 127.0.0.1:$LB_PORT --backend $LB_BACKENDS
#                         --tls-cert $CERT --admin 127.0.0.1:$LB_ADMIN_PORT
#   SCENARIOS: comma-separated subset of newconn,keepalive,bulk (default: all three)
# Scenarios: newconn (`Connection: close`, one full handshake per request), keepalive (requests/s
# over open TLS connections), bulk (64 MiB downloads, MiB/s). Prints p99 of both, and on stderr each
# proxy's CPU per request and share of its core over the run. Each run starts its proxy afresh and
# warms it with the scenario's own traffic, discarded (bench_wrk_warmup in lib.sh: a 1 s run, then
# BENCH_WARMUP_SECONDS, default 2).
#
# newconn and full handshakes: wrk reconnects after a `Connection: close` answer, but it keeps one
# SSL object per connection slot and SSL_clear() keeps its session, so every reconnect would offer
# that session and both proxies would resume it (cheap, no signature, no certificate). wrk runs with
# bench/wrk-noresume.c preloaded, which drops the session before SSL_clear(), and counts handshakes
# and resumptions. The script checks the work three ways and prints it per run: the client's count
# (handshakes, resumed: must be 0), HAProxy's `show stat` (ssl_sess, ssl_reused_sess of the frontend)
# and nexo's nexo_lb_tls_handshakes_total; each must equal the request count to within the wrk
# connections still open at the end. wrk's latency is from request to response: for newconn it does
# not include the handshake.
# Needs: nginx haproxy wrk openssl taskset curl python3 cc (with libssl-dev headers).
set -euo pipefail

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

SECONDS_PER_RUN=5
ROUNDS=3
ONLY=newconn,keepalive,bulk
bench_options "[-s SECONDS] [-r ROUNDS] [-o SCENARIOS] [-- COMMAND]" \
  -s=SECONDS_PER_RUN -r=ROUNDS -o=ONLY -- "$@"
set -- "${BENCH_ARGS[@]}"
bench_need nginx haproxy wrk openssl taskset curl python3 cc --apt "nginx haproxy wrk openssl curl python3 gcc libssl-dev"
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

bench_ports "${LB_BENCH_BASE_PORT:-18400}"
bench_workdir lb-tls-bench
WORK=$BENCH_WORK
export CERT=$WORK/cert.pem
# shellcheck disable=SC2016  # the command expands $LB_PORT and the others itself
CANDIDATE=${*:-'./nexo lb --io-threads 1 --listen 127.0.0.1:$LB_PORT --backend $LB_BACKENDS --tls-cert $CERT --admin 127.0.0.1:$LB_ADMIN_PORT'}

cc -shared -fPIC -O2 -o "$WORK/noresume.so" "$HERE/wrk-noresume.c" -ldl \
  || { echo "cannot build $HERE/wrk-noresume.c (needs gcc and libssl-dev)" >&2; exit 2; }
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=localhost \
  -addext subjectAltName=DNS:localhost,IP:127.0.0.1 -keyout "$WORK/key.pem" -out "$WORK/crt.pem" 2>/dev/null
cat "$WORK/crt.pem" "$WORK/key.pem" >"$CERT"   # one file, chain + key: what both proxies read
head -c $((64 * 1024 * 1024)) /dev/urandom >"$WORK/big.bin"
chmod 644 "$WORK"/*
bench_nginx_backends "$WORK" index -location "location = /big { alias $WORK/big.bin; }" "${BACKENDS[@]}"
bench_haproxy_tcp_cfg "$WORK/haproxy.cfg" $HAPROXY_PORT -socket "$WORK/haproxy.sock" -crt "$CERT" "${BACKENDS[@]}"

SCENARIOS=()
for spec in "newconn:-c32:/" "keepalive:-c64:/" "bulk:-c4:/big"; do
  [[ ",$ONLY," == *",${spec%%:*},"* ]] && SCENARIOS+=("$spec")
done
[ ${#SCENARIOS[@]} -gt 0 ] || { echo "-o: no known scenario in '$ONLY' (expected: newconn,keepalive,bulk)" >&2; exit 2; }
haproxy_stat() { # field -> its value on HAProxy's frontend in `show stat` (ssl_sess, ssl_reused_sess: cumulative)
  python3 - "$WORK/haproxy.sock" "$1" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.sendall(b"show stat\n")
data = b""
while chunk := s.recv(65536):
    data += chunk
lines = data.decode().splitlines()
header = lines[0].lstrip("# ").split(",")
for line in lines[1:]:
    row = dict(zip(header, line.split(",")))
    if row.get("svname") == "FRONTEND":
        print(row[sys.argv[2]])
PY
}
nexo_handshakes() {
  curl -s "http://127.0.0.1:$LB_ADMIN_PORT/metrics" | awk '/^nexo_lb_tls_handshakes_total/ {s += $NF} END {print s + 0}'
}
proxy_handshakes() { # haproxy|candidate -> TLS handshakes the proxy completed so far (its own count)
  if [ "$1" = haproxy ]; then haproxy_stat ssl_sess; else nexo_handshakes; fi
}
scenario_wrk() { # spec -> WRK_ARGS (connections, headers) and WRK_PATH of that scenario's wrk
  local name=${1%%:*} args=${1#*:}
  WRK_PATH=${args##*:}
  read -r -a WRK_ARGS <<<"${args%:*}"
  # wrk only takes a header written "Name: value" (colon and space); "Connection:close" is dropped
  if [ "$name" = newconn ]; then WRK_ARGS+=(-H "Connection: close"); fi
}
run_wrk() { # port spec -> "value p99ms requests"
  local port=$1 name=${2%%:*} out
  scenario_wrk "$2"
  out=$(NORESUME_STATS=$WORK/client.stats LD_PRELOAD=$WORK/noresume.so \
    taskset -c 0 wrk -t1 "${WRK_ARGS[@]}" -d${SECONDS_PER_RUN}s --latency "https://127.0.0.1:$port$WRK_PATH" 2>&1) || true
  local v p99 n
  if [ "$name" = bulk ]; then
    v=$(bench_wrk_mib_s <<<"$out")
  else
    v=$(awk '/^Requests\/sec/ {print $2}' <<<"$out")
  fi
  p99=$(awk '$1=="99%" {v=$2; n=v+0; if (v ~ /us$/) n/=1000; else if (v ~ /[0-9]s$/ && v !~ /ms$/) n*=1000; print n}' <<<"$out")
  n=$(awk '/requests in/ {print $1}' <<<"$out")
  echo "${v:-0} ${p99:-0} ${n:-0}"
}
warmup() { # port spec: the scenario's own traffic, discarded (the client preloaded, as measured)
  scenario_wrk "$2"
  LD_PRELOAD=$WORK/noresume.so NORESUME_STATS=/dev/null bench_wrk_warmup "https://127.0.0.1:$1$WRK_PATH" "${WRK_ARGS[@]}"
}
measure() { # haproxy|candidate spec
  if [ "$1" = haproxy ]; then
    port=$HAPROXY_PORT; bench_start_proxy "$WORK/haproxy.log" $port "haproxy -f $WORK/haproxy.cfg -db"
  else
    port=$LB_PORT; bench_start_proxy "$WORK/candidate.log" $port "$CANDIDATE"
  fi
  P=$BENCH_PID
  warmup "$port" "$2"
  local before result after reused0 reuse="" cpu0 cpu1 n
  before=$(proxy_handshakes "$1")
  [ "$1" = haproxy ] && reused0=$(haproxy_stat ssl_reused_sess)
  cpu0=$(bench_proc_cpu_us "$P")
  result=$(run_wrk $port "$2")
  cpu1=$(bench_proc_cpu_us "$P")
  after=$(proxy_handshakes "$1")
  [ "$1" = haproxy ] && reuse=" of which resumed=$(($(haproxy_stat ssl_reused_sess) - reused0))"
  # to stderr, so the table stays readable: what the client and the proxy counted during the run
  # and the proxy's CPU (user + system, all threads) per request and as a share of the run: a proxy
  # near 100% of its core queues requests, which shows in p99 before it shows in requests/s
  n=$(cut -d' ' -f3 <<<"$result")
  echo "  $1 ${2%%:*}: requests=$n proxy-handshakes=$((after - before))$reuse client: $(cat "$WORK/client.stats")" \
    "proxy CPU: $(awk -v t=$((cpu1 - cpu0)) -v n="$n" -v s="$SECONDS_PER_RUN" \
      'BEGIN { printf "%.1f us/request, %.0f%% of a core", (n > 0 ? t / n : 0), t / (s * 10000) }')" >&2
  echo "$result"
  kill "$P"; wait "$P" 2>/dev/null || true
}

printf "%-10s %-5s %12s %12s %9s %12s\n" scenario round haproxy nexo nexo/hap "p99ms n/h"
for spec in "${SCENARIOS[@]}"; do
  for ((r = 1; r <= ROUNDS; r++)); do
    if ((r % 2)); then read -r h hp _ <<<"$(measure haproxy "$spec")"; read -r c cp _ <<<"$(measure candidate "$spec")"
    else read -r c cp _ <<<"$(measure candidate "$spec")"; read -r h hp _ <<<"$(measure haproxy "$spec")"; fi
    printf "%-10s %-5s %12s %12s %9s %12s\n" "${spec%%:*}" "$r" "$h" "$c" \
      "$(awk -v c="$c" -v h="$h" 'BEGIN { if (h > 0) printf "%.3f", c / h; else print "nan" }')" "$cp/$hp"
  done
done
echo "(newconn, keepalive: requests/s; bulk: MiB/s; proxies pinned to CPU 1, wrk and nginx to CPU 0)"
