#!/usr/bin/env bash
# redis-benchmark against memkv's RESP port and against redis-server 7 (persistence off) on this
# machine, in alternating runs: SET and GET, 50 clients, without and with -P 16 pipelining.
# Prints each run's requests/s and the server's CPU time, the medians per case, and the ratios
# memkv / redis-server of requests per second and of requests per server CPU-second (on a small
# machine redis-benchmark itself is often the limit: then only the second ratio tells the
# servers apart).
#
# Usage: tools/resp_vs_redis.sh [path/to/memkv] [-- memkv flags...]
#   env: ROUNDS (default 5) runs of each case per server; REQUESTS (default 200000) per run;
#        KEYSPACE (default 100000) for -r; DATA (default 3) value bytes for -d;
#        TLS=1: both servers over TLS instead (certificates made for the run by
#        tests/support/tls_certs.py in a temporary directory, removed at exit): redis-server on
#        --tls-port only (--port 0), memkv's --tls-port (both dialects; the RESP port is not
#        started), neither asking for client certificates (--tls-auth-clients no), and
#        redis-benchmark --tls --cacert CA against both.
# Example: tools/resp_vs_redis.sh build/server/memkv -- --mode acceptor --io epoll -t 2
# Not a test: figures depend on the machine; docs/resp.md says where they were taken.
set -euo pipefail

MEMKV=${1:-build/server/memkv}
shift || true
[[ ${1:-} == "--" ]] && shift
MEMKV_FLAGS=("$@")
ROUNDS=${ROUNDS:-5}
REQUESTS=${REQUESTS:-200000}
KEYSPACE=${KEYSPACE:-100000}
DATA=${DATA:-3}
TLS=${TLS:-0}

tools=(redis-server redis-benchmark python3)
[[ $TLS == 1 ]] && tools+=(openssl)
for tool in "${tools[@]}"; do
  command -v "$tool" >/dev/null || { echo "$tool not found (tools/install_deps.sh)" >&2; exit 1; }
done
[[ -x $MEMKV ]] || { echo "not an executable: $MEMKV" >&2; exit 1; }

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
wait_port() {
  for _ in $(seq 100); do
    (echo >"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.1
  done
  echo "nothing listens on port $1" >&2
  return 1
}

REDIS_PORT=$(free_port)
MEMKV_PORT=$(free_port)
RESP_PORT=$(free_port)
PIDS=()
TEMP=$(mktemp -d)
RESULTS=$TEMP/results
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null
  rm -rf "$TEMP"
}
trap cleanup EXIT

# The ports redis-benchmark is pointed at (RESP_PORT: memkv's) and the flags each side adds.
REDIS_LISTEN=(--port "$REDIS_PORT")
MEMKV_LISTEN=(--resp-port "$RESP_PORT")
BENCH_TLS=()
if [[ $TLS == 1 ]]; then
  # name=path lines: ca, server_cert, server_key, ...
  mkdir "$TEMP/certs"
  python3 "$(dirname "$0")/../tests/support/tls_certs.py" "$TEMP/certs" >"$TEMP/certs/paths"
  declare -A CERT
  while IFS='=' read -r name path; do CERT[$name]=$path; done <"$TEMP/certs/paths"
  SERVER_TLS=(--tls-cert-file "${CERT[server_cert]}" --tls-key-file "${CERT[server_key]}"
              --tls-auth-clients no)
  REDIS_LISTEN=(--port 0 --tls-port "$REDIS_PORT" --tls-ca-cert-file "${CERT[ca]}"
                "${SERVER_TLS[@]}")
  MEMKV_LISTEN=(--tls-port "$RESP_PORT" "${SERVER_TLS[@]}")
  BENCH_TLS=(--tls --cacert "${CERT[ca]}")
fi

redis-server "${REDIS_LISTEN[@]}" --bind 127.0.0.1 --save '' --appendonly no \
  --daemonize no >/dev/null &
PIDS+=($!)
"$MEMKV" -p "$MEMKV_PORT" -l 127.0.0.1 "${MEMKV_LISTEN[@]}" "${MEMKV_FLAGS[@]}" >/dev/null &
PIDS+=($!)
wait_port "$REDIS_PORT"
wait_port "$RESP_PORT"

echo "# $(nproc) CPUs, $(uname -sr); redis-server $(redis-server --version | sed 's/.*v=\([^ ]*\).*/\1/')"
echo "# memkv: $MEMKV ${MEMKV_FLAGS[*]}"
[[ $TLS == 1 ]] && echo "# TLS: both servers over TLS (--tls-auth-clients no), redis-benchmark --tls"
echo "# redis-benchmark -t set,get -c 50 -n $REQUESTS -r $KEYSPACE -d $DATA [-P 16], $ROUNDS rounds"
# CPU seconds (user + system) a process has used so far, from /proc/PID/stat.
cpu_seconds() {
  awk -v hz="$(getconf CLK_TCK)" '{print ($14 + $15) / hz}' "/proc/$1/stat"
}

for round in $(seq "$ROUNDS"); do
  for pipeline in 1 16; do
    for test in set get; do
      # Alternate which server goes first, so that neither always runs on a warmer machine.
      if ((round % 2)); then order="memkv redis"; else order="redis memkv"; fi
      for server in $order; do
        port=$RESP_PORT pid=${PIDS[1]}
        [[ $server == redis ]] && port=$REDIS_PORT pid=${PIDS[0]}
        before=$(cpu_seconds "$pid")
        line=$(redis-benchmark "${BENCH_TLS[@]}" -h 127.0.0.1 -p "$port" -t "$test" -c 50 \
          -n "$REQUESTS" -r "$KEYSPACE" -d "$DATA" -P "$pipeline" --csv 2>/dev/null | awk -F'"' \
          '$2=="SET"||$2=="GET" {print $2, $4}')
        after=$(cpu_seconds "$pid")
        [[ -n $line ]] || { echo "redis-benchmark gave no figure for $server" >&2; exit 1; }
        set -- $line
        echo "$server $1 $pipeline $round $2 $(awk -v a="$after" -v b="$before" 'BEGIN {print a - b}')" |
          tee -a "$RESULTS"
      done
    done
  done
done

python3 - "$RESULTS" "$REQUESTS" <<'PY'
import statistics, sys
runs = {}
requests = int(sys.argv[2])
for line in open(sys.argv[1]):
    server, test, pipeline, _, rps, cpu = line.split()
    per_cpu = requests / max(float(cpu), 0.01)  # /proc counts in 10 ms ticks
    runs.setdefault((test, int(pipeline)), {}).setdefault(server, []).append((float(rps), per_cpu))
print()
print("req/s: requests per second of wall time (what redis-benchmark reports).")
print("req/CPU-s: requests per second of the server's own CPU time (user + system): what the")
print("server could serve per core if the client were not the limit.")
print()
print(f"{'case':<12} {'memkv req/s':>12} {'redis req/s':>12} {'ratio':>7}   "
      f"{'memkv req/CPU-s':>16} {'redis req/CPU-s':>16} {'ratio':>7}")
for (test, pipeline), by in sorted(runs.items(), key=lambda kv: (kv[0][1], kv[0][0] != "SET")):
    m = statistics.median(r for r, _ in by["memkv"])
    r = statistics.median(r for r, _ in by["redis"])
    mc = statistics.median(c for _, c in by["memkv"])
    rc = statistics.median(c for _, c in by["redis"])
    case = f"{test} -P {pipeline}" if pipeline > 1 else test
    print(f"{case:<12} {m:>12,.0f} {r:>12,.0f} {m / r:>6.2f}x   {mc:>16,.0f} {rc:>16,.0f} "
          f"{mc / rc:>6.2f}x")
PY
