# shellcheck shell=bash disable=SC2034  # the variables it sets are for the scripts that source it
# Shared code of the balancer benchmarks in bench/ (sourced, never run):
#   . "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# The common layout (as ../shared/bench/lb-bench.sh): three nginx backends and the load generator
# pinned to CPU 0, one proxy at a time pinned to CPU 1, fixed ports from a base so runs can be
# repeated. Every process a script starts in the background goes into PIDS; bench_workdir makes the
# work directory and the EXIT trap that stops those processes and removes it.

# nginx and haproxy live in /usr/sbin, which is not on every user's PATH
PATH=$PATH:/usr/sbin
PIDS=()
BENCH_WORK=""
BENCH_CLK_TCK=$(getconf CLK_TCK)

# bench_options USAGE FLAG=VARIABLE... -- "$@"
# Each "FLAG VALUE" pair of the script's arguments sets VARIABLE; the words after a "--" go to the
# array BENCH_ARGS. Anything else (or a flag without a value) prints "usage: $0 USAGE", exit 2.
bench_options() {
  local usage=$1
  local -A var=()
  shift
  while [ "$1" != -- ]; do var[${1%%=*}]=${1#*=}; shift; done
  shift
  BENCH_ARGS=()
  while [ $# -gt 0 ]; do
    if [ "$1" = -- ]; then
      shift; BENCH_ARGS=("$@"); return 0
    elif [ -n "${var[$1]:-}" ] && [ $# -ge 2 ]; then
      printf -v "${var[$1]}" %s "$2"; shift 2
    else
      echo "usage: $0 $usage" >&2; exit 2
    fi
  done
}

# bench_need TOOL... --apt "PACKAGES": exit 2 with an install hint when a tool is not on the PATH.
bench_need() {
  local tools=() hint="" t
  while [ $# -gt 0 ]; do
    if [ "$1" = --apt ]; then hint=$2; shift 2; else tools+=("$1"); shift; fi
  done
  for t in "${tools[@]}"; do
    command -v "$t" >/dev/null || { echo "missing $t: apt-get install -y $hint" >&2; exit 2; }
  done
}

# bench_ports BASE: the fixed port layout. Backends B1 B2 B3 = BASE+1..3 on 127.0.0.1 (the array
# BACKENDS, and LB_BACKENDS comma-separated), HAPROXY_PORT = BASE+100, LB_PORT = BASE+200,
# LB_ADMIN_PORT = BASE+201. The LB_* are exported: the candidate commands are given in single quotes
# and expand them in their own shell.
bench_ports() {
  B1=$(($1 + 1)); B2=$(($1 + 2)); B3=$(($1 + 3))
  BACKENDS=("127.0.0.1:$B1" "127.0.0.1:$B2" "127.0.0.1:$B3")
  HAPROXY_PORT=$(($1 + 100))
  export LB_PORT=$(($1 + 200)) LB_ADMIN_PORT=$(($1 + 201))
  export LB_BACKENDS="127.0.0.1:$B1,127.0.0.1:$B2,127.0.0.1:$B3"
}

# bench_workdir NAME: BENCH_WORK=/tmp/NAME.XXXXXX, and on exit bench_cleanup.
bench_workdir() {
  BENCH_WORK=$(mktemp -d "/tmp/$1.XXXXXX")
  trap bench_cleanup EXIT
}

# Stops every process in PIDS (TERM, then KILL for what still runs 3 s later, so the fixed ports are
# free for the next run) and removes the work directory.
bench_cleanup() {
  local p i alive
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for ((i = 0; i < 30; i++)); do
    alive=0
    for p in "${PIDS[@]}"; do kill -0 "$p" 2>/dev/null && alive=1; done
    [ $alive = 0 ] && break
    sleep 0.1
  done
  for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  wait "${PIDS[@]}" 2>/dev/null || true
  if [ -n "$BENCH_WORK" ]; then rm -rf "$BENCH_WORK"; fi
}

# bench_wait_port HOST PORT SECONDS: returns once a TCP connection to HOST:PORT succeeds; after
# SECONDS x 10 attempts a tenth of a second apart, says so on stderr and returns 1.
bench_wait_port() {
  local i
  for ((i = 0; i < $3 * 10; i++)); do (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null && return 0; sleep 0.1; done
  echo "nothing listens on $1:$2 after $3 s" >&2; return 1
}

# bench_nginx_backends DIR STYLE [-reuseport] [-location 'LOCATION BLOCK'] HOST:PORT...
# Writes DIR/nginx.conf, one server per HOST:PORT answering "GET /" with 200 and a body of STYLE:
#   index    "1\n", "2\n", ... by position
#   server   "Response from Server 1\n", ... by position (../shared/bench/lb-bench.sh's backends)
#   octet    the last octet of HOST, "11\n" for 127.0.0.11
# -location adds a location block to every server (e.g. `location = /big { alias DIR/big.bin; }`).
# Starts one nginx worker pinned to CPU 0 (into PIDS) and waits until the last HOST:PORT answers.
bench_nginx_backends() {
  local dir=$1 style=$2 listen_opts="" location="" servers="" n=0 hostport body
  shift 2
  while [ $# -gt 0 ]; do
    case "$1" in
      -reuseport) listen_opts=" reuseport"; shift ;;
      -location) location=" $2"; shift 2 ;;
      *) break ;;
    esac
  done
  for hostport in "$@"; do
    n=$((n + 1))
    case "$style" in
      index) body="$n" ;;
      server) body="Response from Server $n" ;;
      octet) body=${hostport%:*}; body=${body##*.} ;;
      *) echo "bench_nginx_backends: style $style (expected: index, server or octet)" >&2; exit 2 ;;
    esac
    servers+="
  server { listen $hostport$listen_opts; location / { return 200 \"$body\\n\"; }$location }"
  done
  chmod 755 "$dir"   # the workers (user nobody) read files below it
  cat >"$dir/nginx.conf" <<EOF
worker_processes 1; daemon off; pid $dir/nginx.pid; error_log $dir/nginx.err;
events { worker_connections 8192; }
http { access_log off; keepalive_requests 10000000; default_type text/plain;$servers
}
EOF
  taskset -c 0 nginx -c "$dir/nginx.conf" -p "$dir" >/dev/null 2>&1 & PIDS+=($!)
  hostport=${*: -1}
  bench_wait_port "${hostport%:*}" "${hostport##*:}" 30
}

# bench_start_proxy LOG PORT COMMAND: starts the shell command line COMMAND (a proxy) pinned to CPU 1,
# its output in LOG, its pid in BENCH_PID and PIDS; waits up to 90 s for 127.0.0.1:PORT (a JVM on a
# busy box), else stops it, prints the end of LOG and exits 1. Called in a subshell (`$(measure)`),
# the PIDS it adds to are the subshell's: the caller stops the proxy itself, and so does the failure
# path here, or the proxy would outlive the script and hold the port for the next run.
bench_start_proxy() {
  taskset -c 1 bash -c "exec $3" >"$1" 2>&1 & BENCH_PID=$!
  PIDS+=("$BENCH_PID")
  bench_wait_port 127.0.0.1 "$2" 90 || { kill "$BENCH_PID" 2>/dev/null; tail -20 "$1" >&2; exit 1; }
}

# bench_haproxy_tcp_cfg FILE PORT [-socket PATH] [-crt PEM] [-maxconn N] [-idle TIMEOUT] HOST:PORT...
# Writes an HAProxy config: one thread, mode tcp, a frontend on 127.0.0.1:PORT (TLS with -crt PEM),
# round-robin over the servers s1, s2, ... at HOST:PORT; -socket adds an admin stats socket; maxconn
# 8000 and client/server timeouts of 60s unless -maxconn/-idle say otherwise.
bench_haproxy_tcp_cfg() {
  local file=$1 port=$2 socket="" ssl="" maxconn=8000 idle=60s n=0 hostport
  shift 2
  while [ $# -gt 0 ]; do
    case "$1" in
      -socket) socket="
  stats socket $2 level admin"; shift 2 ;;
      -crt) ssl=" ssl crt $2"; shift 2 ;;
      -maxconn) maxconn=$2; shift 2 ;;
      -idle) idle=$2; shift 2 ;;
      *) break ;;
    esac
  done
  cat >"$file" <<EOF
global
  nbthread 1
  maxconn $maxconn$socket
defaults
  mode tcp
  timeout connect 5s
  timeout client $idle
  timeout server $idle
frontend fe
  bind 127.0.0.1:$port$ssl
  default_backend be
backend be
  balance roundrobin
EOF
  for hostport in "$@"; do
    n=$((n + 1))
    echo "  server s$n $hostport" >>"$file"
  done
}

# bench_median [FORMAT] < numbers (whitespace-separated): the middle value as given, or the mean of
# the two middle ones printed with FORMAT (default %.3f); 0 for no numbers.
# shellcheck disable=SC2120  # FORMAT is optional
bench_median() {
  tr ' ' '\n' | sort -g | awk -v f="${1:-%.3f}" 'NF {a[++n] = $1}
    END { if (n == 0) print 0; else if (n % 2) print a[(n+1)/2]; else printf f "\n", (a[n/2]+a[n/2+1])/2 }'
}

# bench_proc_cpu_us PID: CPU time of the process so far (user + system, all threads) in
# microseconds, from /proc/PID/stat. Other load on the box disturbs it far less than a rate: it does
# not count the time the process spent waiting for a CPU.
bench_proc_cpu_us() {
  awk -v hz="$BENCH_CLK_TCK" '{printf "%d\n", ($14 + $15) * 1000000 / hz}' "/proc/$1/stat"
}

# bench_cpu_ticks CPU: "BUSY TOTAL" clock ticks of one CPU so far (/proc/stat, user to steal; idle and iowait are not busy)
bench_cpu_ticks() {
  awk -v c="cpu$1" '$1 == c { t = 0; for (i = 2; i <= 9; i++) t += $i; print t - $5 - $6, t }' /proc/stat
}

# bench_wrk_mib_s < wrk output: Transfer/sec in MiB/s (wrk prints B, KB, MB or GB, all binary)
bench_wrk_mib_s() {
  awk '/^Transfer\/sec/ {v=$2; n=v+0; if (v ~ /GB/) n*=1024; else if (v ~ /KB/) n/=1024; else if (v !~ /MB/) n/=1048576; print n}'
}

# bench_wrk_warmup URL [WRK ARGS...]: discarded wrk traffic on CPU 0 (WRK ARGS, default -c16), so the
# proxy's first measured run does not pay for its warm-up (JIT, pools): a 1 s run, then one of
# BENCH_WARMUP_SECONDS (default 2). The first run's end closes its connections, so the close path has
# run (its classes loaded) before the JIT compiles the hot path from the long run: a class first
# loaded when a measured run's connections close invalidates compiled code that assumed it absent,
# and a C2-compiled loop then recompiles inside the measurement. Pass the measured run's own
# connections and headers. A JVM given C2 needs longer than C1's 2 s (about 20 s on one core).
bench_wrk_warmup() {
  local url=$1
  shift
  [ $# -gt 0 ] || set -- -c16
  local seconds
  for seconds in 1 "${BENCH_WARMUP_SECONDS:-2}"; do
    taskset -c 0 wrk -t1 "$@" -d"${seconds}"s "$url" >/dev/null 2>&1 || true
  done
}

# bench_loadgen ROOT: LOADGEN = the command line of the open-loop load generator
# (io.nexo.bench.latency.LoadGenMain), building ROOT/bench/target/benchmarks.jar first when missing.
bench_loadgen() {
  local jar=$1/bench/target/benchmarks.jar
  if [ ! -f "$jar" ]; then
    (cd "$1" && mvn -B -q -pl bench -am -DskipTests package) || { echo "could not build $jar" >&2; exit 1; }
  fi
  LOADGEN="java -Xms256m -Xmx256m -XX:+UseParallelGC -XX:+AlwaysPreTouch -cp $jar io.nexo.bench.latency.LoadGenMain"
}
