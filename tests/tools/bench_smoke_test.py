"""CI smoke test for memkv-bench: it drives a real memkv and checks every answer, and it fails
loudly against a server that answers garbage or hangs up.

Run by ctest as `python3 bench_smoke_test.py --binary <build>/server/memkv`. memkv-bench is found
next to it in the same build tree, at <build>/tools/memkv-bench (pass --bench PATH to use
another). Each run is bounded in time (1-2 s of load); every server listens on 127.0.0.1.
"""

import argparse
import json
import os
import socket
import subprocess
import sys
import threading

from memkv_server import MemkvServer, test_arguments

FAILURES = []


def check(condition, message):
    if not condition:
        FAILURES.append(message)
        print(f"FAIL {message}")


def bench_binary(args):
    parser = argparse.ArgumentParser()
    parser.add_argument("--bench")
    extra, _ = parser.parse_known_args(args.rest)
    if extra.bench:
        return extra.bench
    build_dir = os.path.dirname(os.path.dirname(os.path.abspath(args.binary)))
    return os.path.join(build_dir, "tools", "memkv-bench")


def run_bench(bench, port, *flags, timeout=60):
    command = [bench, "-s", f"127.0.0.1:{port}", *flags]
    result = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    return result


def check_summary(name, result, expect_requests=None):
    check(result.returncode == 0, f"{name}: exit {result.returncode}: {result.stderr.strip()}")
    try:
        summary = json.loads(result.stdout)
    except json.JSONDecodeError:
        check(False, f"{name}: not JSON: {result.stdout[:200]!r}")
        return None
    check(summary["errors"] == 0, f"{name}: errors {summary['error_samples']}")
    check(summary["unanswered"] == 0, f"{name}: unanswered {summary['unanswered']}")
    check(summary["requests"] > 0 and summary["ops_per_sec"] > 0, f"{name}: no requests")
    check(summary["requests"] == summary["gets"] + summary["sets"], f"{name}: gets + sets")
    check(summary["hits"] + summary["misses"] == summary["keys_requested"], f"{name}: hits+misses")
    latency = summary["latency_us"]
    check(0 < latency["p50"] <= latency["p90"] <= latency["p99"] <= latency["p999"]
          <= latency["max"] * 1.01, f"{name}: latency percentiles out of order: {latency}")
    spread = summary["per_connection_ops_per_sec"]
    check(0 < spread["min"] <= spread["median"] <= spread["max"], f"{name}: spread {spread}")
    check(0 < spread["jain"] <= 1.000001, f"{name}: Jain index {spread['jain']}")
    check(len(summary["latency_cdf_us"]) > 10, f"{name}: CDF too short")
    if expect_requests is not None:
        check(summary["requests"] == expect_requests,
              f"{name}: {summary['requests']} requests, expected {expect_requests}")
    return summary


def test_against_memkv(bench, binary):
    with MemkvServer(binary, ["-t", "2"]) as server:
        for dialect in ["text", "meta", "binary", "resp"]:
            for multiget in ["1", "4"]:
                name = f"{dialect} multiget {multiget}"
                result = run_bench(bench, server.port, "-D", dialect, "-d", "1", "-t", "2", "-c",
                                   "4", "-P", "4", "-m", multiget, "-k", "2000", "-v", "1-300",
                                   "--key-prefix", f"smoke-{dialect}-{multiget}:", "--preload",
                                   "--json")
                summary = check_summary(name, result)
                if summary:
                    # Every key was preloaded and nothing expires or is evicted at this size.
                    check(summary["preloaded"] == 2000, f"{name}: preloaded {summary['preloaded']}")
                    check(summary["hit_ratio"] == 1.0, f"{name}: hit ratio {summary['hit_ratio']}")
                print(f"ok   {name}")
        # A request count is exact; an open-loop rate never sends more than its schedule.
        check_summary("request count", run_bench(bench, server.port, "-n", "3000", "-c", "3",
                                                 "--json"), expect_requests=3000)
        summary = check_summary("open loop", run_bench(bench, server.port, "-r", "2000", "-d",
                                                       "1", "-c", "4", "--distribution=zipf",
                                                       "--json"))
        if summary:
            check(summary["requests"] <= 2000 + 4, f"open loop: {summary['requests']} requests")
        print("ok   request count, open loop")


class BadServer:
    """A loopback server that answers every read with `answer` (or hangs up when it is None)."""

    def __init__(self, answer):
        self.answer = answer
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self):
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self.talk, args=(conn,), daemon=True).start()

    def talk(self, conn):
        with conn:
            while conn.recv(65536):
                if self.answer is None:
                    return
                conn.sendall(self.answer)

    def close(self):
        self.listener.close()


# A binary GETK hit (magic 0x81, opcode 0x0c, key length 8, extras 4, body 15) of key:0001 = "abc".
BINARY_GETK_HIT = (bytes([0x81, 0x0c, 0, 8, 4, 0, 0, 0, 0, 0, 0, 15]) + bytes(12) + bytes(4) +
                   b"key:0001abc")


def test_against_bad_servers(bench):
    for label, answer, dialect in [("garbage text", b"HELLO THERE\r\n", "text"),
                                   ("garbage meta", b"VA x\r\n", "meta"),
                                   ("garbage resp", b"!what\r\n", "resp"),
                                   ("garbage binary", b"END\r\n", "binary"),
                                   ("wrong value", b"VALUE key:0001 0 3\r\nabc\r\nEND\r\n", "text"),
                                   ("wrong binary value", BINARY_GETK_HIT, "binary"),
                                   ("hang-up", None, "text")]:
        server = BadServer(answer)
        try:
            result = run_bench(bench, server.port, "-D", dialect, "-d", "1", "--ratio", "1:0",
                               "--json")
        finally:
            server.close()
        check(result.returncode == 1, f"{label}: exit {result.returncode}, expected 1")
        try:
            summary = json.loads(result.stdout)
            check(summary["errors"] > 0 and summary["error_samples"],
                  f"{label}: no error reported")
            print(f"ok   {label}: {summary['error_samples'][0]}")
        except (json.JSONDecodeError, KeyError, IndexError):
            check(False, f"{label}: no JSON summary: {result.stdout[:200]!r}")


def test_bad_options(bench):
    for flags in [["--threads", "0"], ["--bogus"], ["--dialect", "ascii"], ["-d"]]:
        result = subprocess.run([bench, *flags], capture_output=True, text=True, timeout=10)
        check(result.returncode == 2, f"{flags}: exit {result.returncode}, expected 2")
        check(result.stderr.count("\n") == 1 and result.stderr.startswith("memkv-bench: "),
              f"{flags}: not one line: {result.stderr!r}")
    result = subprocess.run([bench, "-s", "127.0.0.1:1", "-d", "1"], capture_output=True,
                            text=True, timeout=10)
    check(result.returncode == 1 and "cannot connect" in result.stderr,
          f"refused connection: exit {result.returncode} {result.stderr!r}")
    print("ok   bad options")


def main():
    args = test_arguments()
    bench = bench_binary(args)
    if not os.access(bench, os.X_OK):
        print(f"FAIL memkv-bench not found at {bench} (build the memkv-bench target)")
        return 1
    test_bad_options(bench)
    test_against_bad_servers(bench)
    test_against_memkv(bench, args.binary)
    print("FAILED" if FAILURES else "PASSED")
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main())
