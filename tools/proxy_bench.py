#!/usr/bin/env python3
"""Throughput through twemproxy (nutcracker) in front of three memkv instances against one memkv
directly, and the key spread over the three (docs/scale-out.md shows the figures).

    /usr/bin/python3 tools/proxy_bench.py --binary build/server/memkv [--rounds 5]

Starts four memkv instances (-t 2) on free loopback ports: three behind nutcracker (the
configuration tests/support/nutcracker.py generates: memcache and redis pools, ketama, murmur)
and one on its own. Each round runs, in alternating order (direct first in odd rounds, proxy
first in even ones), so that drift in the machine's load falls on both sides alike:

  redis-benchmark -t set,get -n N -c 50 -r 100000 -d 32 -P 1    against the redis pool / direct
  redis-benchmark -t set,get -n N -c 50 -r 100000 -d 32 -P 16   (pipelined)
  memcaslap -t Ss -T 1 -c 16                                     against the memcache pool / direct

Every run is bounded (-n requests, or -t seconds, and a timeout). Prints each round and the
median of the rounds, and the proxy/direct ratio of the medians. The spread is the share of
100000 keys ("key:0".."key:99999", set through the memcache pool) on each instance, read from
each instance's `stats` curr_items, for nutcracker's default hash fnv1a_64, for murmur and for
md5; and the same for two small sets of keys that differ only in their last characters
("fkey:0".."fkey:59", "k0".."k29"), which fnv1a_64 piles onto one or two instances.
"""

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests",
                                "support"))
from memkv_server import MemkvServer  # noqa: E402
from nutcracker import Nutcracker  # noqa: E402


def redis_benchmark(port, requests, pipeline):
    out = subprocess.run(
        ["redis-benchmark", "-h", "127.0.0.1", "-p", str(port), "-t", "set,get", "-n",
         str(requests), "-c", "50", "-r", "100000", "-d", "32", "-P", str(pipeline), "--csv"],
        capture_output=True, text=True, timeout=300, check=True).stdout
    rates = {}
    for line in out.splitlines():
        fields = [f.strip('"') for f in line.split(",")]
        if fields[0] in ("SET", "GET"):
            rates[fields[0]] = float(fields[1])
    return rates


def memcaslap(port, seconds):
    out = subprocess.run(
        ["memcaslap", "-s", f"127.0.0.1:{port}", "-t", f"{seconds}s", "-T", "1", "-c", "16"],
        capture_output=True, text=True, timeout=seconds + 60).stdout
    match = re.search(r"TPS: (\d+)", out)
    return float(match.group(1)) if match else float("nan")


def spread(binary, keys):
    from pymemcache.client.base import Client
    rows = []
    with MemkvServer(binary, ["-t", "1"]) as a, MemkvServer(binary, ["-t", "1"]) as b, \
            MemkvServer(binary, ["-t", "1"]) as c:
        ports = [a.port, b.port, c.port]
        for hash_name in ("fnv1a_64", "murmur", "md5"):
            for fmt, count in (("key:%d", keys), ("fkey:%d", 60), ("k%d", 30)):
                for port in ports:
                    Client(("127.0.0.1", port)).flush_all()
                with Nutcracker(ports, hash_name=hash_name) as proxy:
                    client = Client(("127.0.0.1", proxy.memcache_port))
                    for start in range(0, count, 1000):
                        client.set_many({fmt % i: b"v"
                                         for i in range(start, min(start + 1000, count))},
                                        noreply=False)
                counts = [int(Client(("127.0.0.1", p)).stats()[b"curr_items"]) for p in ports]
                rows.append((f"{hash_name}, {count} keys {fmt}", counts))
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--binary", required=True)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--requests", type=int, default=100000)
    parser.add_argument("--seconds", type=int, default=4)
    parser.add_argument("--spread-keys", type=int, default=100000)
    args = parser.parse_args()
    for tool in ("nutcracker", "redis-benchmark", "memcaslap"):
        if shutil.which(tool) is None and not os.access(f"/usr/sbin/{tool}", os.X_OK):
            sys.exit(f"{tool} is not installed (tools/install_deps.sh)")

    for hash_name, counts in spread(args.binary, args.spread_keys):
        total = sum(counts)
        shares = ", ".join(f"{c} ({c / total:.1%})" for c in counts)
        print(f"spread {hash_name}: {shares}; max/mean {max(counts) / (total / 3):.3f}")

    results = {}
    instance = ["-t", "2"]
    with MemkvServer(args.binary, instance) as direct, MemkvServer(args.binary, instance) as s1, \
            MemkvServer(args.binary, instance) as s2, MemkvServer(args.binary, instance) as s3, \
            Nutcracker([s1.port, s2.port, s3.port]) as proxy:
        targets = {"direct": (direct.port, direct.port),
                   "proxy": (proxy.redis_port, proxy.memcache_port)}
        for round_number in range(args.rounds):
            order = ["direct", "proxy"] if round_number % 2 == 0 else ["proxy", "direct"]
            for side in order:
                redis_port, memcache_port = targets[side]
                row = {}
                for pipeline in (1, 16):
                    for test, rate in redis_benchmark(redis_port, args.requests,
                                                      pipeline).items():
                        row[f"RESP {test} -P {pipeline}"] = rate
                row["memcaslap get/set 9:1"] = memcaslap(memcache_port, args.seconds)
                print(f"round {round_number + 1} {side}: " +
                      ", ".join(f"{k} {v:.0f}" for k, v in row.items()), flush=True)
                for name, rate in row.items():
                    results.setdefault(name, {}).setdefault(side, []).append(rate)

    print("\n| workload | direct (ops/s, median) | through nutcracker | proxy / direct |")
    print("| --- | ---: | ---: | ---: |")
    for name, sides in results.items():
        d, p = statistics.median(sides["direct"]), statistics.median(sides["proxy"])
        print(f"| {name} | {d:,.0f} | {p:,.0f} | {p / d:.2f} |")


if __name__ == "__main__":
    main()
