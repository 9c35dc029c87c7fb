#!/usr/bin/env bash
# Capacity: memory per idle connection held through nexo lb and through HAProxy, in the same run.
#
#   bench/capacity.sh [CONNECTIONS]        (default 10000)
#
# One backend (`nexo backend`, which never answers a client that sends nothing) behind both
# balancers, each with one I/O thread. For each balancer in turn: measure its RSS (and for nexo the
# heap used after a full GC), open CONNECTIONS idle client connections through it
# (bench/hold-connections.py), let it settle, measure again, close them. Prints the deltas per
# connection. Needs haproxy, python3 and a JDK's jcmd; raises `ulimit -n`.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$(dirname "$0")/.."
N=${1:-10000}
# Each balancer holds two descriptors per connection (client and backend side). Raise the limit;
# where the hard limit cannot be raised (a container without CAP_SYS_RESOURCE), hold as many
# connections as it allows and say so.
want=$((N * 2 + 1000))
if ! ulimit -n "$want" 2>/dev/null; then
  ulimit -n "$(ulimit -Hn)"
  max=$(( ($(ulimit -n) - 1000) / 2 ))
  if [ "$N" -gt "$max" ]; then
    echo "capacity: open-files hard limit is $(ulimit -Hn) and cannot be raised here: measuring $max connections instead of $N" >&2
    N=$max
  fi
fi

bench_need haproxy python3 jcmd ss --apt haproxy
./nexo --version >/dev/null   # builds the jar when stale

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { bench_wait_port 127.0.0.1 "$1" 10 || exit 1; }
rss_kib() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }
heap_used_kib() {  # heap in use after a full GC: the "total ..., used NK" lines of the heap's generations
  jcmd "$1" GC.run >/dev/null
  jcmd "$1" GC.heap_info | awk '/total [0-9]+K, used [0-9]+K/ && !/Metaspace|class space/ {
      for (i = 1; i <= NF; i++) if ($i == "used") { v = $(i + 1); sub("K.*", "", v); sum += v } }
    END { printf "%d\n", sum }'
}

bench_workdir capacity
work=$BENCH_WORK

BACKEND=$(free_port); NEXO=$(free_port); HAP=$(free_port)
NEXO_LOG_LEVEL=WARN ./nexo backend --port "$BACKEND" --name idle >"$work/backend.log" 2>&1 &
PIDS+=($!)
wait_port "$BACKEND"

NEXO_LOG_LEVEL=WARN ./nexo lb --listen "127.0.0.1:$NEXO" --backend "127.0.0.1:$BACKEND" --io-threads 1 \
  --max-connections $((N + 100)) >"$work/nexo.log" 2>&1 &
nexo_pid=$!; PIDS+=("$nexo_pid")

bench_haproxy_tcp_cfg "$work/haproxy.cfg" "$HAP" -maxconn $((N + 100)) -idle 1h "127.0.0.1:$BACKEND"
haproxy -db -f "$work/haproxy.cfg" >"$work/haproxy.log" 2>&1 &
hap_pid=$!; PIDS+=("$hap_pid")
wait_port "$NEXO"; wait_port "$HAP"
sleep 2   # JIT and pools settled on both sides before the baseline

# measure NAME PID PORT: prints RSS delta (and heap delta for the JVM) per connection
measure() {
  local name=$1 pid=$2 port=$3 rss0 rss1 heap0=0 heap1=0
  [ "$name" = nexo ] && heap0=$(heap_used_kib "$pid")
  rss0=$(rss_kib "$pid")
  coproc HOLD { python3 bench/hold-connections.py 127.0.0.1 "$port" "$N"; }
  local line; read -r line <&"${HOLD[0]}"
  [ "$line" = "open $N" ] || { echo "$name: $line" >&2; exit 1; }
  sleep 3
  # every connection must really be held through to the backend, not refused or queued
  local through
  through=$(ss -Htn state established "( dport = :$BACKEND )" | wc -l)
  [ "$through" -ge "$N" ] || { echo "$name: only $through of $N connections reached the backend" >&2; exit 1; }
  [ "$name" = nexo ] && heap1=$(heap_used_kib "$pid")
  rss1=$(rss_kib "$pid")
  # shellcheck disable=SC1083,SC2093  # bash takes an array element as {varname}: this closes that fd
  exec {HOLD[1]}>&-   # closing stdin releases the connections
  wait "$HOLD_PID" 2>/dev/null || true
  awk -v n="$N" -v name="$name" -v r0="$rss0" -v r1="$rss1" -v h0="$heap0" -v h1="$heap1" 'BEGIN {
    printf "%-8s RSS %7.1f MiB -> %7.1f MiB: %6.0f B/conn", name, r0/1024, r1/1024, (r1-r0)*1024/n
    if (name == "nexo") printf "   heap after GC %6.1f MiB -> %6.1f MiB: %6.0f B/conn   RSS+heap %6.0f B/conn", h0/1024, h1/1024, (h1-h0)*1024/n, ((r1-r0)+(h1-h0))*1024/n
    printf "\n" }'
  sleep 2
}

echo "capacity: $N idle connections, $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, $(haproxy -v | head -1 | cut -d' ' -f1-3), $(java -version 2>&1 | head -1)"
measure nexo "$nexo_pid" "$NEXO"
measure haproxy "$hap_pid" "$HAP"
