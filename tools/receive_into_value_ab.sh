#!/usr/bin/env bash
# A/B of the two paths a memcached set's value can take into the store (docs/benchmarks.md,
# "Receiving set values"): "copy" buffers the value in the connection's input buffer and the
# store copies it (--receive-into-value 0); "direct" receives it straight into the block it is
# stored in (--receive-into-value 1, so every value takes that path). One binary, both sides,
# alternated copy direct copy direct ... per value size; each run is a fresh server (acceptor
# mode, 2 threads, -m 1024 as tools/compare runs it, unless told otherwise) driven by memkv-bench with sets only
# (2 threads x 8 connections, 1000 keys). Prints, per size, the median throughput of each side,
# the server's CPU time per set (from /proc, user + system), direct/copy for both, and the share
# of the direct side's sets that took the direct path.
#
# Usage: tools/receive_into_value_ab.sh [BUILD_DIR (build)] [ROUNDS (3)] [SECONDS (3)]
#                                       [SIZES (1024 4096 16384 32768 65536 131072 524288)]
#                                       [IO (epoll)] [PIPELINE (1)] [MEGABYTES (1024)]
# BUILD_DIR must hold server/memkv and tools/memkv-bench.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
rounds=${2:-3}
seconds=${3:-3}
sizes=${4:-"1024 4096 16384 32768 65536 131072 524288"}
io=${5:-epoll}
pipeline=${6:-1}
megabytes=${7:-1024}
workdir=$(mktemp -d)
trap 'rm -rf "$workdir"' EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# run SIDE SIZE: one measurement, "ops_per_sec cpu_us_per_set" on stdout.
run() {
  local side=$1 size=$2 port pid threshold=0
  [[ $side == direct ]] && threshold=1
  port=$(free_port)
  "$build/server/memkv" -p "$port" -l 127.0.0.1 --mode acceptor -t 2 -m "$megabytes" --io "$io" \
    --receive-into-value "$threshold" >/dev/null 2>&1 &
  pid=$!
  for _ in $(seq 1 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
    sleep 0.05
  done
  local before after
  before=$(cpu_ticks "$pid")
  timeout $((seconds + 30)) "$build/tools/memkv-bench" -s "127.0.0.1:$port" -t 2 -c 8 -k 1000 \
    -P "$pipeline" -v "$size" --ratio 0:1 -d "$seconds" --json >"$workdir/bench.json"
  after=$(cpu_ticks "$pid")
  # How many sets took the direct path (a value that arrives with its header in one receive is
  # parsed whole and buffered either way).
  python3 - "$port" >"$workdir/direct" <<'PY'
import re, socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"stats\r\n")
data = b""
while not data.endswith(b"END\r\n"):
    data += s.recv(65536)
get = lambda name: int(re.search(rb"STAT %s (\d+)" % name, data).group(1))
print(get(b"values_received_direct") / max(get(b"cmd_set"), 1))
PY
  kill -TERM "$pid"
  wait "$pid" || true
  python3 - "$workdir/bench.json" "$((after - before))" "$(getconf CLK_TCK)" \
    "$(cat "$workdir/direct")" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
assert r["errors"] == 0, r
ticks, hz = int(sys.argv[2]), int(sys.argv[3])
print(f'{r["ops_per_sec"]:.0f} {ticks / hz * 1e6 / max(r["requests"], 1):.2f} {sys.argv[4]}')
PY
}

for size in $sizes; do
  for round in $(seq "$rounds"); do
    for side in copy direct; do
      echo "$size $side $(run "$side" "$size")" >>"$workdir/results"
    done
  done
done

python3 - "$workdir/results" <<'PY'
import collections, statistics, sys
runs = collections.defaultdict(list)
for line in open(sys.argv[1]):
    size, side, ops, cpu, direct = line.split()
    runs[(int(size), side)].append((float(ops), float(cpu), float(direct)))
print(f'{"value bytes":>11} {"copy sets/s":>12} {"direct sets/s":>13} {"ratio":>6} '
      f'{"copy CPU us/set":>15} {"direct CPU us/set":>17} {"ratio":>6} {"direct share":>12}')
for size in sorted({s for s, _ in runs}):
    c, d = runs[(size, "copy")], runs[(size, "direct")]
    c_ops, d_ops = statistics.median(r[0] for r in c), statistics.median(r[0] for r in d)
    c_cpu, d_cpu = statistics.median(r[1] for r in c), statistics.median(r[1] for r in d)
    share = statistics.median(r[2] for r in d)
    print(f"{size:>11} {c_ops:>12.0f} {d_ops:>13.0f} {d_ops / c_ops:>6.3f} "
          f"{c_cpu:>15.2f} {d_cpu:>17.2f} {d_cpu / c_cpu:>6.3f} {share:>12.2f}")
PY
