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
# over open TLS connections), bulk (64 MiB downloads, MiB/s). Prints p99 of both.
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

SECONDS_PER_RUN=5
ROUNDS=3
ONLY=newconn,keepalive,bulk
while [ $# -gt 0 ]; do
  case "$1" in
    -s) SECONDS_PER_RUN=$2; shift 2 ;;
    -r) ROUNDS=$2; shift 2 ;;
    -o) ONLY=$2; shift 2 ;;
    --) shift; break ;;
    *) echo "usage: $0 [-s SECONDS] [-r ROUNDS] [-o SCENARIOS] [-- COMMAND]" >&2; exit 2 ;;
  esac
done
PATH=$PATH:/usr/sbin
for t in nginx haproxy wrk openssl taskset curl python3 cc; do
  command -v $t >/dev/null || { echo "missing $t: apt-get install -y nginx haproxy wrk openssl curl python3 gcc libssl-dev" >&2; exit 2; }
done
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

BASE=${LB_BENCH_BASE_PORT:-18400}
B1=$((BASE+1)); B2=$((BASE+2)); B3=$((BASE+3))
HAPROXY_PORT=$((BASE+100))
export LB_PORT=$((BASE+200))
export LB_ADMIN_PORT=$((BASE+201))
export LB_BACKENDS="127.0.0.1:$B1,127.0.0.1:$B2,127.0.0.1:$B3"
WORK=$(mktemp -d /tmp/lb-tls-bench.XXXXXX)
export CERT=$WORK/cert.pem
CANDIDATE=${*:-'./nexo lb --io-threads 1 --listen 127.0.0.1:$LB_PORT --backend $LB_BACKENDS --tls-cert $CERT --admin 127.0.0.1:$LB_ADMIN_PORT'}
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

cc -shared -fPIC -O2 -o "$WORK/noresume.so" "$HERE/wrk-noresume.c" -ldl \
  || { echo "cannot build $HERE/wrk-noresume.c (needs gcc and libssl-dev)" >&2; exit 2; }
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=localhost \
  -addext subjectAltName=DNS:localhost,IP:127.0.0.1 -keyout "$WORK/key.pem" -out "$WORK/crt.pem" 2>/dev/null
cat "$WORK/crt.pem" "$WORK/key.pem" >"$CERT"   # one file, chain + key: what both proxies read
head -c $((64 * 1024 * 1024)) /dev/urandom >"$WORK/big.bin"
chmod 755 "$WORK"; chmod 644 "$WORK"/*
cat >"$WORK/nginx.conf" <<EOF
worker_processes 1; daemon off; pid $WORK/nginx.pid; error_log $WORK/nginx.err;
events { worker_connections 8192; }
http { access_log off; keepalive_requests 10000000; default_type text/plain;
  server { listen 127.0.0.1:$B1; location / { return 200 "1\n"; } location = /big { alias $WORK/big.bin; } }
  server { listen 127.0.0.1:$B2; location / { return 200 "2\n"; } location = /big { alias $WORK/big.bin; } }
  server { listen 127.0.0.1:$B3; location / { return 200 "3\n"; } location = /big { alias $WORK/big.bin; } } }
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
  bind 127.0.0.1:$HAPROXY_PORT ssl crt $CERT
  default_backend be
backend be
  balance roundrobin
  server s1 127.0.0.1:$B1
  server s2 127.0.0.1:$B2
  server s3 127.0.0.1:$B3
EOF

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
run_wrk() { # port spec -> "value p99ms requests"
  local port=$1 spec=$2 name args path out
  name=${spec%%:*}; args=${spec#*:}; path=${args##*:}; args=${args%:*}
  local header=()
  # wrk only takes a header written "Name: value" (colon and space); "Connection:close" is dropped
  [ "$name" = newconn ] && header=(-H "Connection: close")
  out=$(NORESUME_STATS=$WORK/client.stats LD_PRELOAD=$WORK/noresume.so \
    taskset -c 0 wrk -t1 $args "${header[@]}" -d${SECONDS_PER_RUN}s --latency "https://127.0.0.1:$port$path" 2>&1) || true
  local v p99 n
  if [ "$name" = bulk ]; then
    v=$(awk '/^Transfer\/sec/ {v=$2; n=v+0; if (v ~ /GB/) n*=1024; else if (v ~ /KB/) n/=1024; else if (v !~ /MB/) n/=1048576; print n}' <<<"$out")
  else
    v=$(awk '/^Requests\/sec/ {print $2}' <<<"$out")
  fi
  p99=$(awk '$1=="99%" {v=$2; n=v+0; if (v ~ /us$/) n/=1000; else if (v ~ /[0-9]s$/ && v !~ /ms$/) n*=1000; print n}' <<<"$out")
  n=$(awk '/requests in/ {print $1}' <<<"$out")
  echo "${v:-0} ${p99:-0} ${n:-0}"
}
measure() { # haproxy|candidate spec
  if [ "$1" = haproxy ]; then
    taskset -c 1 haproxy -f "$WORK/haproxy.cfg" -db >"$WORK/haproxy.log" 2>&1 & P=$!; port=$HAPROXY_PORT
  else
    taskset -c 1 bash -c "exec $CANDIDATE" >"$WORK/candidate.log" 2>&1 & P=$!; port=$LB_PORT
  fi
  PIDS+=($P)
  wait_port 127.0.0.1 $port 60 || { tail -20 "$WORK/candidate.log" >&2; exit 1; }
  taskset -c 0 wrk -t1 -c16 -d2s "https://127.0.0.1:$port/" >/dev/null 2>&1 || true   # warm up
  local before result after reused0 reuse=""
  before=$(proxy_handshakes "$1")
  [ "$1" = haproxy ] && reused0=$(haproxy_stat ssl_reused_sess)
  result=$(run_wrk $port "$2")
  after=$(proxy_handshakes "$1")
  [ "$1" = haproxy ] && reuse=" of which resumed=$(($(haproxy_stat ssl_reused_sess) - reused0))"
  # to stderr, so the table stays readable: what the client and the proxy counted during the run
  echo "  $1 ${2%%:*}: requests=$(cut -d' ' -f3 <<<"$result") proxy-handshakes=$((after - before))$reuse client: $(cat "$WORK/client.stats")" >&2
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
