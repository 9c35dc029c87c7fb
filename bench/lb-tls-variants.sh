#!/usr/bin/env bash
# The keep-alive p99 investigation of docs/benchmarks.md ("keep-alive p99"): nexo variants over TLS
# beside HAProxy, alternating variant by variant within each round (A B, A B, ...), one
# bench/lb-tls-bench.sh keepalive run per variant and round.
#
# Usage: bench/lb-tls-variants.sh [-r ROUNDS] [-s SECONDS] [-- NEXO]   (NEXO default: ./nexo)
# Variants: the JIT (C1 only, the launcher's default for lb, against the full tiered JIT), then the
# transport (io_uring against epoll).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ROUNDS=3
SECS=5
bench_options "[-r ROUNDS] [-s SECONDS] [-- NEXO]" -r=ROUNDS -s=SECS -- "$@"
set -- "${BENCH_ARGS[@]}"
NEXO=${1:-./nexo}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck disable=SC2016  # the command expands $LB_PORT and the others itself
LB='lb --io-threads 1 --listen 127.0.0.1:$LB_PORT --backend $LB_BACKENDS --tls-cert $CERT --admin 127.0.0.1:$LB_ADMIN_PORT'
run() { # label command
  echo "$1 $(date -u +%T) $(uptime | sed 's/.*load/load/'): $("$HERE/lb-tls-bench.sh" -o keepalive -r 1 -s "$SECS" -- "$2" 2>/dev/null | grep '^keepalive')"
}
echo "variant time load: scenario round haproxy nexo nexo/hap p99ms-nexo/hap"
for ((r = 1; r <= ROUNDS; r++)); do
  run "C1-only  " "env NEXO_JAVA_OPTS=-XX:TieredStopAtLevel=1 $NEXO $LB"
  run "tiered-C2" "env NEXO_JAVA_OPTS=-XX:TieredStopAtLevel=4 $NEXO $LB"
done
for ((r = 1; r <= ROUNDS; r++)); do
  run "io_uring " "$NEXO $LB --transport io_uring"
  run "epoll    " "$NEXO $LB --transport epoll"
done
