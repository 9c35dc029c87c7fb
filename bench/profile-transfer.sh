#!/usr/bin/env bash
# Where a nexo download's CPU goes: `nexo bench transfer` with `perf record` over the measured download
# only (from its "downloading" line to its CPU line), then the samples per thread and, per thread, per
# kind of code (kernel, JIT-compiled Java, the JVM itself, BoringSSL in netty-tcnative, libc), scaled
# to CPU-seconds per GiB with the bench's own CPU figure. Threads: nexo-peer-1-* the seeder's event
# loop, nexo-peer-3-* the downloader's (K=1), nexo-files-veri(fy) the verifier pool, C1/C2 the JIT.
#
#   bench/profile-transfer.sh [--size 1GiB] [--out DIR] [--cpus 0-1]
#
# Needs perf (linux-perf). JIT frames are named through -XX:+DumpPerfMapAtExit (/tmp/perf-PID.map).
# perf adds its own overhead: read shares, not absolute figures. Keeps perf.data in DIR for
# `perf report -i DIR/perf.data`. The recording runs a little past the download (the bench deletes
# its files before printing its CPU line): the main thread ("java"), which does that, is left out.
set -euo pipefail
size=1GiB out=$(mktemp -d /tmp/nexo-profile.XXXXXX) cpus=0-1
while [ $# -gt 0 ]; do
  case "$1" in
    --size) size=$2; shift 2 ;;
    --out) out=$2; mkdir -p "$out"; shift 2 ;;
    --cpus) cpus=$2; shift 2 ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    *) echo "profile-transfer: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
command -v perf >/dev/null || { echo "profile-transfer: perf is needed (apt-get install linux-perf)" >&2; exit 2; }
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
"$here/nexo" --version >/dev/null

NEXO_JAVA_OPTS="-XX:+UnlockDiagnosticVMOptions -XX:+DumpPerfMapAtExit -XX:+PreserveFramePointer" \
  taskset -c "$cpus" "$here/nexo" bench transfer --size "$size" >"$out/bench.log" 2>&1 &
jvm=$!
for _ in $(seq 1 6000); do grep -q '^   downloading' "$out/bench.log" && break; sleep 0.1; done
perf record -F 499 -g -p "$jvm" -o "$out/perf.data" >"$out/perf.log" 2>&1 &
rec=$!
for _ in $(seq 1 6000); do grep -q '^CPU during' "$out/bench.log" && break; sleep 0.1; done
kill -INT "$rec"; wait "$rec" || true
wait "$jvm"
cat "$out/bench.log"

cpu_per_gib=$(sed -n 's#^CPU during the download.*, \([0-9.]*\) CPU-s/GiB$#\1#p' "$out/bench.log")
echo
echo "== samples over the measured download, scaled to the bench's $cpu_per_gib CPU-s/GiB"
perf report -i "$out/perf.data" --no-children -g none --sort comm,dso --stdio 2>/dev/null \
  | awk -v total="$cpu_per_gib" '/%/ {
      pct = $1; sub("%", "", pct);
      kind = /\[kernel/ ? "kernel" : /\[JIT\]/ ? "Java (JIT code)" : /libjvm/ ? "JVM" \
           : /tcnative/ ? "BoringSSL" : /libc[.-]/ ? "libc" : "other";
      comm = $2; for (i = 3; i < NF; i++) { if ($i ~ /^\[|^lib|^\/|^ld-/) break; comm = comm " " $i }
      gsub(/#[0-9]+/, "#", comm);
      if (comm == "java") next   # the main thread: it waits during the download, then deletes the files
      by[comm "|" kind] += pct; t[comm] += pct; all += pct }
    END {
      for (c in t) if (t[c] >= 0.5) {
        printf "%-22s %5.1f%%  %.2f CPU-s/GiB\n", c, t[c] * 100 / all, t[c] / all * total
        for (k in by) { split(k, p, "|"); if (p[1] == c && by[k] >= 0.5) printf "    %-18s %5.1f%%  %.2f\n", p[2], by[k] * 100 / all, by[k] / all * total }
      }
    }'
echo "perf data: $out/perf.data"
