#!/usr/bin/env bash
# Sanity check of memkv-bench's throughput figures: against memcached 1.6 (started here on a free
# loopback port), memkv-bench and memcaslap (libmemcached-tools) run the same workload, in
# alternating runs (memcaslap, memkv-bench, memcaslap, ...) so that the drift of a shared machine
# falls on both; the medians must agree within 15%. Run by hand, not in CI (it is timed):
#
#   tools/bench_sanity.sh [--runs N] [--duration SECONDS] [--connections N] [--threads N]
#                         [--value-size BYTES] [--bench PATH]
#
# The workload is memcaslap's own: 64-byte keys, fixed-size values (32 bytes by default), 9 gets
# to 1 set, one request in flight per connection, a key space of connections x 10,000 keys (the
# memcaslap window), written before it is read (memcaslap sets a key before it gets it;
# memkv-bench --preload). Exit status 0 when the medians agree within 15%, 1 otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."

runs=3 duration=5 connections=16 threads=1 value_size=32 bench=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --runs) runs=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    --connections) connections=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --value-size) value_size=$2; shift 2 ;;
    --bench) bench=$2; shift 2 ;;
    *) echo "bench_sanity.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
for tool in memcached memcaslap; do
  command -v "$tool" >/dev/null || { echo "bench_sanity.sh: $tool is not installed" >&2; exit 2; }
done
if [[ -z "$bench" ]]; then
  cmake -S . -B build >/dev/null
  cmake --build build -j2 --target memkv-bench >/dev/null
  bench=build/tools/memkv-bench
fi

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
user_flag=()
[[ $(id -u) -eq 0 ]] && user_flag=(-u nobody)  # memcached refuses to run as root
workdir=$(mktemp -d)
memcached "${user_flag[@]}" -p "$port" -l 127.0.0.1 -U 0 -t "$threads" -m 1024 -c 4096 &
server_pid=$!
trap 'kill "$server_pid" 2>/dev/null; wait "$server_pid" 2>/dev/null; rm -rf "$workdir"' EXIT
for _ in $(seq 50); do
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
  sleep 0.1
done

# memcaslap's workload file: key sizes, value sizes, then command proportions (0 = set, 1 = get).
cat >"$workdir/memcaslap.cfg" <<CFG
key
64 64 1
value
$value_size $value_size 1
cmd
0 0.1
1 0.9
CFG
keyspace=$((connections * 10000))
prefix="sanity:"
width=$((64 - ${#prefix}))

run_memcaslap() {
  # "Run time: 5.0s Ops: 380000 TPS: 76000 Net_rate: ..." -> 76000
  timeout $((duration + 60)) memcaslap -s "127.0.0.1:$port" -T "$threads" -c "$connections" \
    -t "${duration}s" -F "$workdir/memcaslap.cfg" | sed -n 's/.* TPS: \([0-9]*\).*/\1/p'
}
run_bench() {
  timeout $((duration + 120)) "$bench" -s "127.0.0.1:$port" -t "$threads" \
    -c $((connections / threads)) -d "$duration" -k "$keyspace" --key-prefix "$prefix" \
    --key-width "$width" -v "$value_size" --ratio 9:1 --preload --json |
    python3 -c 'import json, sys; print(round(json.load(sys.stdin)["ops_per_sec"]))'
}

memcaslap_results=() bench_results=()
for run in $(seq "$runs"); do
  m=$(run_memcaslap)
  b=$(run_bench)
  printf 'run %d: memcaslap %s ops/s, memkv-bench %s ops/s\n' "$run" "$m" "$b"
  memcaslap_results+=("$m")
  bench_results+=("$b")
done

python3 - "${memcaslap_results[*]}" "${bench_results[*]}" <<'PY'
import statistics, sys
memcaslap = [float(x) for x in sys.argv[1].split()]
bench = [float(x) for x in sys.argv[2].split()]
m, b = statistics.median(memcaslap), statistics.median(bench)
ratio = b / m
verdict = "agree" if abs(ratio - 1) <= 0.15 else "DISAGREE"
print(f"median memcaslap {m:.0f} ops/s, memkv-bench {b:.0f} ops/s, ratio {ratio:.3f}: "
      f"{verdict} (target within 15%)")
sys.exit(0 if verdict == "agree" else 1)
PY
