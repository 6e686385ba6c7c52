#!/usr/bin/env bash
# Heap allocations per request on the server's request path: runs memkv (single mode, one
# thread) under valgrind's memcheck, drives it with memkv-bench for N and then 6N requests of a
# workload, and prints memcheck's "total heap usage" for both and the difference per request.
# Start-up allocations cancel out, so the last column is what the request path itself allocates.
# Counting calls, not time: the machine's noise does not move it (docs/benchmarks.md).
#
# Usage: tools/count_allocations.sh [BUILD_DIR (default build)] [N (default 2000)]
# Needs valgrind (apt-get install valgrind); BUILD_DIR must hold server/memkv and tools/memkv-bench.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
n=${2:-2000}
command -v valgrind >/dev/null || { echo "valgrind is not installed" >&2; exit 1; }
workdir=$(mktemp -d)
trap 'rm -rf "$workdir"' EXIT

# free_port: a loopback port nothing listens on now.
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# allocations DIALECT REQUESTS [bench flags...]: memcheck's allocation count for one run.
allocations() {
  local dialect=$1 requests=$2
  shift 2
  local port resp_port pid
  port=$(free_port)
  resp_port=$(free_port)
  valgrind --tool=memcheck --leak-check=no --log-file="$workdir/memcheck.log" \
    "$build/server/memkv" -p "$port" -l 127.0.0.1 --resp-port "$resp_port" --mode single -t 1 \
    >/dev/null 2>&1 &
  pid=$!
  local target=$port
  [[ $dialect == resp ]] && target=$resp_port
  # Under valgrind the listeners open one after the other, seconds apart on a loaded machine:
  # wait for the one the run uses.
  for _ in $(seq 1 150); do
    (exec 3<>"/dev/tcp/127.0.0.1/$target") 2>/dev/null && break
    sleep 0.2
  done
  timeout 600 "$build/tools/memkv-bench" -s "127.0.0.1:$target" -D "$dialect" -n "$requests" \
    -k 1000 "$@" >"$workdir/bench.log" 2>&1
  grep -q "errors       0" "$workdir/bench.log" || { cat "$workdir/bench.log" >&2; exit 1; }
  kill -TERM "$pid"
  wait "$pid" || true
  sed -n 's/.*total heap usage: \([0-9,]*\) allocs.*/\1/p' "$workdir/memcheck.log" | tr -d ,
}

printf '%-42s %12s %12s %14s\n' workload "allocs@$n" "allocs@$((6 * n))" "per request"
while read -r dialect flags; do
  # shellcheck disable=SC2086  # the flags are words
  small=$(allocations "$dialect" "$n" $flags)
  # shellcheck disable=SC2086
  large=$(allocations "$dialect" "$((6 * n))" $flags)
  printf '%-42s %12s %12s %14.4f\n' "$dialect $flags" "$small" "$large" \
    "$(echo "($large - $small) / (5 * $n)" | bc -l)"
done <<'WORKLOADS'
text -c 1 -v 32
meta -c 1 -v 32
resp -c 1 -v 32
text -c 4 -P 16 -v 32
resp -c 4 -P 16 -v 32
text -c 4 -P 16 -v 1000-8000
text -c 4 -P 4 -v 40000-100000
WORKLOADS
