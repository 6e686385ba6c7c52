#!/usr/bin/env python3
"""Runs Redis 7.0.15's own Tcl test suite against memkv (and against redis-server, as a baseline).

The suite is Debian's redis source package at the installed redis-server's version
(tools/fetch_debian_source.sh), run in its external-server mode (`runtest --host --port`) with
`--durable`, so that a test failing with an unknown command (a list, set, hash or stream command:
memkv has strings only) counts as one failure instead of ending its file. Tests tagged for
DEBUG, replication or a server the suite starts itself are skipped by the suite's own tags, as
for any external server. One change to the harness: its per-file `FUNCTION FLUSH` (scripting,
which memkv does not have) may fail.

    python3 tools/redis_test_suite.py --binary build/server/memkv [--baseline] [--units U ...]

Prints, per test file, the tests passed and failed on each server, and every failing test's name.
Needs tclsh (Debian's tcl package). Not part of the test suite: it takes minutes and measures.
"""

import argparse
import os
import re
import subprocess
import sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
sys.path.insert(0, os.path.join(ROOT, "tests", "support"))
from memkv_server import MemkvServer, free_port, redis_oracle, wait_for_port  # noqa: E402

# The string, keyspace, expiry, bit and protocol files (issue 15's list and their neighbours).
UNITS = ["unit/type/string", "unit/type/incr", "unit/keyspace", "unit/expire", "unit/bitops",
         "unit/bitfield", "unit/scan", "unit/protocol", "unit/info-command", "unit/info",
         "unit/introspection-2"]
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def fetch_suite(dest):
    subprocess.run([os.path.join(ROOT, "tools", "fetch_debian_source.sh"), "redis", "redis-server",
                    dest], check=True)
    harness = os.path.join(dest, "tests", "support", "server.tcl")
    with open(harness) as f:
        text = f.read()
    patched = text.replace("\n    r function flush\n", "\n    catch {r function flush}\n")
    if patched != text:
        with open(harness, "w") as f:
            f.write(patched)


def run_unit(suite, port, unit):
    """(passed, failed names) of one test file against the server on `port`."""
    result = subprocess.run(
        ["./runtest", "--host", "127.0.0.1", "--port", str(port), "--single", unit,
         "--ignore-encoding", "--ignore-digest", "--tags", "-needs:debug", "--tags",
         "-needs:repl", "--timeout", "120", "--durable", "--baseport", str(free_port())],
        cwd=suite, capture_output=True, text=True, timeout=1800)
    lines = ANSI.sub("", result.stdout).splitlines()
    passed = sum(1 for line in lines if line.startswith("[ok]: "))
    failed = [line[len("[err]: "):].rsplit(" in tests/", 1)[0] for line in lines
              if line.startswith("[err]: ")]
    if any(line.startswith("[exception]") for line in lines):
        failed.append("(an exception ended the file early)")
    return passed, failed


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", default=os.path.join(ROOT, "build", "server", "memkv"))
    parser.add_argument("--suite", default=os.path.join(ROOT, "build", "redis-src"))
    parser.add_argument("--units", nargs="+", default=UNITS)
    parser.add_argument("--baseline", action="store_true", help="also run against redis-server")
    args = parser.parse_args()
    fetch_suite(args.suite)
    results = {}
    resp_port = free_port()
    # The RESP-only port: the suite sends inline commands too, which the shared port reads as
    # memcached's text protocol.
    with MemkvServer(args.binary, ["--resp-port", str(resp_port), "-m", "256", "-I", "8m"]) as memkv:
        wait_for_port(resp_port, memkv.process)
        for unit in args.units:
            results[unit] = {"memkv": run_unit(args.suite, resp_port, unit)}
    if args.baseline:
        with redis_oracle(extra_args=["--logfile", "/dev/null"]) as redis:
            for unit in args.units:
                results[unit]["redis-server"] = run_unit(args.suite, redis.port, unit)
    servers = ["memkv"] + (["redis-server"] if args.baseline else [])
    print("| file | " + " | ".join(f"{s} passed / failed" for s in servers) + " |")
    print("|---|" + "---|" * len(servers))
    totals = {s: [0, 0] for s in servers}
    for unit, by_server in results.items():
        cells = []
        for server in servers:
            passed, failed = by_server[server]
            totals[server][0] += passed
            totals[server][1] += len(failed)
            cells.append(f"{passed} / {len(failed)}")
        print(f"| {unit} | " + " | ".join(cells) + " |")
    print("| **all** | " + " | ".join(f"**{t[0]} / {t[1]}**" for t in totals.values()) + " |")
    for unit, by_server in results.items():
        for name in by_server["memkv"][1]:
            print(f"memkv failed: {unit}: {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
