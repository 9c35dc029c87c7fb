#!/usr/bin/env bash
# nexo's verified download beside Syncthing's, on the same file, alternating run by run.
#
#   bench/transfer-vs-syncthing.sh [--size 1GiB] [--rounds 3] [--cpus 0-1] [--dir /dev/shm]
#                                  [--pages warm|as-found] [--baseline CHECKOUT]
#
# Syncthing (Debian's package, installed when missing): two instances on loopback in temp homes,
# discovery, relays, NAT, STUN, usage reports and upgrades off, the two devices introduced to each
# other by device id and 127.0.0.1 address, GUI/API and sync ports bound to port 0 and read back from
# their logs. Each round shares a new folder holding the test file (a hard link, so no copy) from A
# (send-only) to B (receive-only) and follows B's folder state through the REST event stream:
#   transfer   = B's first "sync-*"/"syncing" state -> B idle with nothing needed (the file is in sync);
#   end to end = folder added on A (A still has to scan and hash the file) -> in sync;
#   CPU        = utime+stime of both processes (/proc/PID/stat) over the transfer window.
# nexo: `nexo bench transfer --size SIZE` (seeder and downloader in one JVM, its own random file of
# the same size), which prints its rate over the measured download and the JVM's CPU-seconds.
# Both run under the same `taskset -c CPUS`. Prints MiB/s and CPU-s/GiB per round and the medians;
# a nexo round's note gives the JIT compilers' part of its CPU-s/GiB (0 for a checkout whose bench
# does not report it), which a node that has run for a while does not pay.
# --pages warm (the default): right before each transfer, SIZE bytes are written to a scratch file
# in DIR and deleted (before a Syncthing round by this script, before nexo's file copy and download by
# `nexo bench transfer --warm-pages`), so both receivers write into memory the machine has backed
# already. On a VM whose host takes freed memory back (free page reporting), the first write to each
# page costs several times the copy, and which receiver pays it otherwise depends on the order of
# the rounds: Syncthing's round follows nexo's deletions, while nexo's download, after its warm-ups,
# lands on memory nobody has touched. --pages as-found measures both as they come.
# --baseline CHECKOUT: another nexo checkout (e.g. a worktree of main) run the same way in each round
# too, after this one, for before/after figures (with --pages warm it must know --warm-pages).
set -euo pipefail

size=1GiB rounds=3 cpus=0-1 dir=/dev/shm baseline= pages=warm
while [ $# -gt 0 ]; do
  case "$1" in
    --size) size=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --cpus) cpus=$2; shift 2 ;;
    --dir) dir=$2; shift 2 ;;
    --baseline) baseline=$(cd "$2" && pwd); shift 2 ;;
    --pages) pages=$2; shift 2 ;;
    -h|--help) sed -n '2,28p' "$0"; exit 0 ;;
    *) echo "transfer-vs-syncthing: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
case "$size" in
  *GiB) bytes=$(( ${size%GiB} << 30 )) ;;
  *MiB) bytes=$(( ${size%MiB} << 20 )) ;;
  *) echo "transfer-vs-syncthing: --size '$size' (expected: NMiB or NGiB)" >&2; exit 2 ;;
esac
[[ "$rounds" =~ ^[1-9][0-9]?$ ]] || { echo "transfer-vs-syncthing: --rounds '$rounds' (expected: 1-99)" >&2; exit 2; }
case "$pages" in warm|as-found) ;; *) echo "transfer-vs-syncthing: --pages '$pages' (expected: warm or as-found)" >&2; exit 2 ;; esac

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
if ! command -v syncthing >/dev/null; then
  echo "installing syncthing (Debian package)..." >&2
  apt-get update -qq && apt-get install -y -qq syncthing >/dev/null
fi
for tool in curl jq taskset; do
  command -v "$tool" >/dev/null || { echo "transfer-vs-syncthing: '$tool' is needed" >&2; exit 2; }
done

work=$(mktemp -d "$dir/nexo-vs-syncthing.XXXXXX")
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
tick() { date +%s.%N; }
clk_tck=$(getconf CLK_TCK)
cpu_ticks() { # utime + stime of the given pids and their children, in clock ticks
  local t=0 p c               # (`syncthing serve` runs its work in a child process even with --no-restart)
  for p in "$@"; do
    for c in "$p" $(pgrep -P "$p"); do t=$(( t + $(awk '{print $14 + $15}' "/proc/$c/stat") )); done
  done
  echo "$t"
}

# --- two Syncthing instances --------------------------------------------------------------------
declare -A api key id
start_syncthing() { # name
  local n=$1 home="$work/st-$1"
  syncthing generate --home="$home" --no-default-folder >/dev/null 2>&1
  sed -i -e 's#<address>127.0.0.1:8384</address>#<address>127.0.0.1:0</address>#' \
    -e 's#<listenAddress>default</listenAddress>#<listenAddress>tcp://127.0.0.1:0</listenAddress>#' \
    -e 's#<globalAnnounceEnabled>true#<globalAnnounceEnabled>false#' \
    -e 's#<localAnnounceEnabled>true#<localAnnounceEnabled>false#' \
    -e 's#<relaysEnabled>true#<relaysEnabled>false#' -e 's#<natEnabled>true#<natEnabled>false#' \
    -e 's#<startBrowser>true#<startBrowser>false#' -e 's#<urAccepted>0#<urAccepted>-1#' \
    -e 's#<autoUpgradeIntervalH>12#<autoUpgradeIntervalH>0#' \
    -e 's#<crashReportingEnabled>true#<crashReportingEnabled>false#' \
    -e 's#<setLowPriority>true#<setLowPriority>false#' \
    -e 's#<stunKeepaliveStartS>180#<stunKeepaliveStartS>0#' "$home/config.xml"
  key[$n]=$(sed -n 's#.*<apikey>\(.*\)</apikey>.*#\1#p' "$home/config.xml")
  STNOUPGRADE=1 taskset -c "$cpus" syncthing serve --home="$home" --no-browser --no-restart \
    >"$home/log" 2>&1 &
  pids+=($!)
  eval "pid_$n=$!"
  local i
  for i in $(seq 1 300); do
    grep -q "GUI and API listening on" "$home/log" 2>/dev/null && grep -q "TCP listener (" "$home/log" && break
    sleep 0.1
  done
  api[$n]="http://$(sed -n 's#.*GUI and API listening on \([0-9.:]*\).*#\1#p' "$home/log" | head -1)"
  eval "sync_$n=$(sed -n 's#.*TCP listener (\([0-9.:]*\)) starting.*#\1#p' "$home/log" | head -1)"
  id[$n]=$(st "$n" GET /rest/system/status | jq -r .myID)
}
st() { # name method path [json body]
  local n=$1 m=$2 p=$3
  if [ $# -gt 3 ]; then
    curl -sf -X "$m" -H "X-API-Key: ${key[$n]}" -H 'Content-Type: application/json' -d "$4" "${api[$n]}$p"
  else
    curl -sf -X "$m" -H "X-API-Key: ${key[$n]}" "${api[$n]}$p"
  fi
}

start_syncthing a
start_syncthing b
# shellcheck disable=SC2154
st a POST /rest/config/devices "{\"deviceID\":\"${id[b]}\",\"name\":\"b\",\"addresses\":[\"tcp://$sync_b\"]}" >/dev/null
st b POST /rest/config/devices "{\"deviceID\":\"${id[a]}\",\"name\":\"a\",\"addresses\":[\"tcp://$sync_a\"]}" >/dev/null
for i in $(seq 1 600); do
  [ "$(st a GET /rest/system/connections | jq -r ".connections[\"${id[b]}\"].connected")" = true ] && break
  sleep 0.1
done
[ "$(st a GET /rest/system/connections | jq -r ".connections[\"${id[b]}\"].connected")" = true ] \
  || { echo "transfer-vs-syncthing: the two Syncthing instances did not connect" >&2; exit 1; }

# the test file, random, on tmpfs
mkdir -p "$work/files"
head -c "$bytes" /dev/urandom >"$work/files/test.bin"

# --pages warm: SIZE bytes written and freed, so the next receiver writes into backed memory
warm_pages() {
  if [ "$pages" = warm ]; then
    dd if=/dev/zero of="$work/page-warm.bin" bs=1M count=$(( (bytes + 1048575) >> 20 )) status=none
    rm -f "$work/page-warm.bin"
  fi
}

# one Syncthing round: prints "transfer_s end_to_end_s cpu_s"
syncthing_round() { # round
  local f="r$1" last ev t_add t_start="" t_end="" c_start="" c_end
  mkdir -p "$work/a/$f" "$work/b/$f"
  warm_pages
  ln "$work/files/test.bin" "$work/a/$f/test.bin"
  # the same filter as below: Syncthing starts buffering a filter's events at its first request
  last=$(st b GET '/rest/events?events=StateChanged&limit=1&timeout=0' | jq '.[-1].id // 0')
  local common="\"id\":\"$f\",\"label\":\"$f\",\"rescanIntervalS\":3600,\"fsWatcherEnabled\":false"
  st b POST /rest/config/folders "{$common,\"path\":\"$work/b/$f\",\"type\":\"receiveonly\",\"devices\":[{\"deviceID\":\"${id[a]}\"}]}" >/dev/null
  t_add=$(tick)
  c_add=$(cpu_ticks "$pid_a" "$pid_b")
  st a POST /rest/config/folders "{$common,\"path\":\"$work/a/$f\",\"type\":\"sendonly\",\"devices\":[{\"deviceID\":\"${id[b]}\"}]}" >/dev/null
  local deadline=$(( SECONDS + 600 ))
  while [ -z "$t_end" ] && [ $SECONDS -lt $deadline ]; do
    ev=$(st b GET "/rest/events?events=StateChanged&since=$last&timeout=60") || continue
    last=$(jq ".[-1].id // $last" <<<"$ev")
    # times from the events themselves; CPU when the event is read (a few ms later)
    while read -r to when; do
      case "$to" in
        sync-waiting|sync-preparing|syncing)
          if [ -z "$t_start" ]; then t_start=$(date -d "$when" +%s.%N); c_start=$(cpu_ticks "$pid_a" "$pid_b"); fi ;;
        idle)
          if [ -n "$t_start" ] && [ "$(st b GET "/rest/db/status?folder=$f" | jq '.needBytes == 0 and .inSyncBytes == '"$bytes")" = true ]; then
            t_end=$(date -d "$when" +%s.%N); c_end=$(cpu_ticks "$pid_a" "$pid_b")
          fi ;;
      esac
    done < <(jq -r ".[] | select(.data.folder == \"$f\") | \"\(.data.to) \(.time)\"" <<<"$ev")
  done
  if [ -z "$t_end" ]; then
    echo "transfer-vs-syncthing: Syncthing round $1 did not finish in time; B: $(st b GET "/rest/db/status?folder=$f")" >&2
    tail -n 5 "$work/st-a/log" "$work/st-b/log" >&2; exit 1
  fi
  cmp -s "$work/files/test.bin" "$work/b/$f/test.bin" || { echo "transfer-vs-syncthing: Syncthing's copy differs" >&2; exit 1; }
  st a DELETE "/rest/config/folders/$f" >/dev/null
  st b DELETE "/rest/config/folders/$f" >/dev/null
  rm -rf "${work:?}/a/$f" "${work:?}/b/$f"
  awk -v s="$t_start" -v e="$t_end" -v a="$t_add" -v cs="$c_start" -v ce="$c_end" -v hz="$clk_tck" \
    'BEGIN { printf "%.2f %.2f %.2f\n", e - s, e - a, (ce - cs) / hz }'
}

# one nexo round: prints "MiB/s cpu_s_per_GiB jit_cpu_s_per_GiB" (the JIT's part of the CPU figure)
nexo_round() { # checkout
  local out warm=()
  [ "$pages" = warm ] && warm=(--warm-pages)
  out=$(taskset -c "$cpus" "$1/nexo" bench transfer --size "$size" --dir "$work" "${warm[@]}" 2>&1) \
    || { echo "$out" >&2; echo "transfer-vs-syncthing: nexo bench transfer failed" >&2; exit 1; }
  echo "$out" >>"$work/nexo.log"
  local rate cpu jit
  rate=$(sed -n 's#.*nexo over TLS: \([0-9.]*\) MiB/s.*#\1#p' <<<"$out")
  cpu=$(sed -n 's#^CPU during the download.*, \([0-9.]*\) CPU-s/GiB$#\1#p' <<<"$out")
  jit=$(sed -n 's#^ *JIT compilers (C1, C2) *\([0-9.]*\) CPU-s/GiB$#\1#p' <<<"$out")
  echo "$rate $cpu ${jit:-0}"
}

"$here/nexo" --version >/dev/null   # builds the jar now, not inside the first measured round
[ -z "$baseline" ] || "$baseline/nexo" --version >/dev/null
gib=$(awk -v b="$bytes" 'BEGIN { print b / 1073741824 }')
echo "== nexo vs Syncthing $(syncthing --version | awk '{print $2}'), $size on $dir, taskset -c $cpus, pages $pages, $(date -u '+%F %T') UTC"
echo "   load: $(uptime | sed 's/.*load average/load average/')"
printf '%-6s %-10s %12s %12s %14s %12s\n' round system MiB/s CPU-s/GiB 'end-to-end' note
st_rates=() st_cpus=() nx_rates=() nx_cpus=() nx_jits=() bl_rates=() bl_cpus=()
for r in $(seq 1 "$rounds"); do
  read -r xfer e2e cpu < <(syncthing_round "$r")
  rate=$(awk -v b="$bytes" -v t="$xfer" 'BEGIN { printf "%.0f", b / 1048576 / t }')
  cpg=$(awk -v c="$cpu" -v g="$gib" 'BEGIN { printf "%.2f", c / g }')
  e2er=$(awk -v b="$bytes" -v t="$e2e" 'BEGIN { printf "%.0f MiB/s", b / 1048576 / t }')
  printf '%-6s %-10s %12s %12s %14s %12s\n' "$r" syncthing "$rate" "$cpg" "$e2er" "load $(cut -d' ' -f1 /proc/loadavg)"
  st_rates+=("$rate") st_cpus+=("$cpg")
  read -r rate cpg jit < <(nexo_round "$here")
  printf '%-6s %-10s %12s %12s %14s %12s\n' "$r" nexo "$rate" "$cpg" "" "load $(cut -d' ' -f1 /proc/loadavg), JIT $jit"
  nx_rates+=("$rate") nx_cpus+=("$cpg") nx_jits+=("$jit")
  if [ -n "$baseline" ]; then
    read -r rate cpg jit < <(nexo_round "$baseline")
    printf '%-6s %-10s %12s %12s %14s %12s\n' "$r" baseline "$rate" "$cpg" "" "load $(cut -d' ' -f1 /proc/loadavg), JIT $jit"
    bl_rates+=("$rate") bl_cpus+=("$cpg")
  fi
done
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
ms=$(median "${st_rates[@]}") mn=$(median "${nx_rates[@]}")
cs=$(median "${st_cpus[@]}") cn=$(median "${nx_cpus[@]}")
echo "median: Syncthing $ms MiB/s, $cs CPU-s/GiB | nexo $mn MiB/s, $cn CPU-s/GiB (of which the JIT $(median "${nx_jits[@]}"))"
awk -v a="$mn" -v b="$ms" -v c="$cn" -v d="$cs" \
  'BEGIN { printf "ratio nexo/Syncthing: rate %.2fx, CPU-s/GiB %.2fx (target: rate >= 1.2x, CPU <= 1.0x)\n", a / b, c / d }'
if [ -n "$baseline" ]; then
  mb=$(median "${bl_rates[@]}") cb=$(median "${bl_cpus[@]}")
  awk -v a="$mn" -v b="$mb" -v c="$cn" -v d="$cb" \
    'BEGIN { printf "baseline median %s MiB/s, %s CPU-s/GiB; nexo/baseline: rate %.2fx, CPU-s/GiB %.2fx\n", b, d, a / b, c / d }'
fi
echo "   load after: $(uptime | sed 's/.*load average/load average/')"
