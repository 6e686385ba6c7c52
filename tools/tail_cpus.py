#!/usr/bin/env python3
"""Closed-loop tail latency of memkv and memcached, with the load generator sharing the servers'
CPUs and with it on a CPU of its own: tools/compare's small-c64 workload (32-byte values, 9 gets
to 1 set over 100,000 preloaded keys, 64 connections, one request in flight on each).

Why: on a 2-CPU machine the load generator and a 2-thread server share both CPUs, so a request
can wait for the scheduler as well as for the server. Placing the server on CPU 1 alone (one
worker thread) and the load generator on CPU 0 alone takes the scheduler's share out; what tail
is left is the server's own. Each round runs every server once per placement, in alternating
order; the report gives the medians over rounds and the ratios memkv / memcached.

Usage: tools/tail_cpus.py [--build-dir build] [--rounds 3] [--duration 6]
                          [--modes acceptor reuseport ...] [--io epoll uring]
Not a test: figures depend on the machine. docs/architectures.md says where they were taken.
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "support"))
from memkv_server import free_port, stop_process, wait_for_port  # noqa: E402

PLACEMENTS = {
    # name: (server's CPUs, server threads, bench's CPUs, bench threads, connections per thread)
    "shared": (None, 2, None, 2, 32),
    "split": ("1", 1, "0", 1, 64),
}


def pinned(cpus, argv):
    return (["taskset", "-c", cpus] if cpus else []) + argv


def server_argv(name, args, port, threads):
    if name == "memcached":
        user = ["-u", "nobody"] if os.geteuid() == 0 else []  # it refuses to run as root
        return [shutil.which("memcached"), *user, "-p", str(port), "-l", "127.0.0.1", "-t",
                str(threads), "-U", "0", "-m", "1024", "-c", "4096"]
    mode, io = name.split("/")
    return [os.path.join(args.build_dir, "server", "memkv"), "-p", str(port), "-l", "127.0.0.1",
            "-t", str(threads), "-m", "1024", "-c", "4096", "--mode", mode, "--io", io]


def run_once(name, placement, args):
    server_cpus, server_threads, bench_cpus, bench_threads, conns = PLACEMENTS[placement]
    port = free_port()
    server = subprocess.Popen(pinned(server_cpus, server_argv(name, args, port, server_threads)),
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_port(port, server)
        bench = [os.path.join(args.build_dir, "tools", "memkv-bench"), "-s",
                 f"127.0.0.1:{port}", "-t", str(bench_threads), "-c", str(conns), "-k", "100000",
                 "-v", "32", "--ratio", "9:1", "--preload", "-d", str(args.duration), "--json"]
        out = subprocess.run(pinned(bench_cpus, bench), capture_output=True, text=True,
                             timeout=args.duration + 60)
        result = json.loads(out.stdout)
        if result["errors"]:
            sys.exit(f"{name} {placement}: {result['errors']} errors: {result['error_samples']}")
        return result
    finally:
        stop_process(server)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--build-dir", default="build")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=int, default=6)
    parser.add_argument("--modes", nargs="+", default=["acceptor", "reuseport"])
    parser.add_argument("--io", nargs="+", default=["epoll"])
    args = parser.parse_args()
    servers = [f"{mode}/{io}" for mode in args.modes for io in args.io] + ["memcached"]
    results = {}
    for round_number in range(args.rounds):
        order = servers if round_number % 2 == 0 else list(reversed(servers))
        for placement in PLACEMENTS:
            for name in order:
                r = run_once(name, placement, args)
                results.setdefault((placement, name), []).append(r)
                print(f"round {round_number + 1} {placement:6} {name:18} "
                      f"{r['ops_per_sec']:9.0f} ops/s p50 {r['latency_us']['p50']:7.0f} us "
                      f"p99 {r['latency_us']['p99']:7.0f} us", flush=True)
    print(f"\nmedians of {args.rounds} rounds of {args.duration} s")
    print("| placement | server | ops/s | vs memcached | p50 us | p99 us | p99 vs memcached |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for placement in PLACEMENTS:
        med = {}
        for name in servers:
            runs = results[(placement, name)]
            med[name] = (statistics.median(r["ops_per_sec"] for r in runs),
                         statistics.median(r["latency_us"]["p50"] for r in runs),
                         statistics.median(r["latency_us"]["p99"] for r in runs))
        base = med["memcached"]
        for name in servers:
            ops, p50, p99 = med[name]
            print(f"| {placement} | {name} | {ops:,.0f} | {ops / base[0]:.2f} | {p50:,.0f} | "
                  f"{p99:,.0f} | {p99 / base[2]:.2f} |")


if __name__ == "__main__":
    main()
