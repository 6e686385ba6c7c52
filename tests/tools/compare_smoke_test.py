"""CI smoke test for tools/compare: a short run over a slice of the matrix must produce a result
row for every server and workload without a failure or a wrong answer, the markdown report with
its targets and ratios, and the plots (when gnuplot is installed).

Run by ctest as `python3 compare_smoke_test.py --binary <build>/server/memkv`; the script uses the
binaries of that build tree (`--no-build`). The figures themselves are not checked: on a shared
machine any number is possible, and timing belongs in benchmarks, not in tests. Each run is half
a second of load; every server listens on 127.0.0.1 and is stopped by compare itself.
"""

import csv
import os
import shutil
import subprocess
import sys
import tempfile

from memkv_server import test_arguments

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FAILURES = []


def check(condition, message):
    if not condition:
        FAILURES.append(message)
        print(f"FAIL {message}")


def main():
    args = test_arguments()
    build_dir = os.path.dirname(os.path.dirname(os.path.abspath(args.binary)))
    modes = ["acceptor", "dispatch"]
    workloads = ["small-c64", "greedy-p8", "meta-c64", "binary-c64", "resp-c50"]
    with tempfile.TemporaryDirectory() as out:
        command = [sys.executable, os.path.join(ROOT, "tools", "compare"), "--no-build",
                   "--build-dir", build_dir, "--out", out, "--rounds", "1", "--duration", "0.5",
                   "--modes", *modes, "--io", "epoll", "uring", "--workloads", *workloads]
        result = subprocess.run(command, capture_output=True, text=True, timeout=600)
        print(result.stdout[-3000:])
        check(result.returncode == 0, f"compare exit {result.returncode}: {result.stderr[-2000:]}")

        with open(os.path.join(out, "results.csv")) as f:
            rows = list(csv.DictReader(f))
        servers = [f"{m}/{io}" for m in modes for io in ["epoll", "uring"]]
        if shutil.which("memcached"):
            servers.append("memcached")
        redis = shutil.which("redis-server") is not None
        expected = set()
        for server in servers:
            names = ["small-c64", "greedy-p8-light", "greedy-p8-heavy", "meta-c64", "binary-c64"]
            if server != "memcached":
                names.append("resp-c50")
            expected |= {(name, server) for name in names}
        if redis:
            expected.add(("resp-c50", "redis"))
        seen = {(row["workload"], row["server"]) for row in rows}
        check(expected <= seen, f"missing rows: {sorted(expected - seen)}")
        for row in rows:
            where = f"{row['workload']} on {row['server']}"
            check(not row["failure"], f"{where}: failure {row['failure']}")
            check(row["errors"] == "0", f"{where}: {row['errors']} wrong answers")
            check(float(row["ops_per_sec"] or 0) > 0, f"{where}: no throughput")

        with open(os.path.join(out, "results.md")) as f:
            report = f.read()
        check("## Targets" in report, "results.md has no targets section")
        if "memcached" in servers:
            check("**small get/set, 64 connections**: best memkv mode" in report,
                  "results.md does not compare the best mode with memcached")
            check("x** memcached" in report, "results.md has no ratio to memcached")
            check("at least memcached's throughput and at most its p99**: " in report,
                  "results.md does not name the modes that meet issue 3's target")
        check("greedy-p8 (greedy client 8 deep), light connections' p99 (epoll)" in report,
              "results.md does not compare dispatch with acceptor for the greedy client")
        for name in workloads:
            check(f"## {name}" in report or f"## {name}-light" in report,
                  f"results.md has no table for {name}")

        if shutil.which("gnuplot"):
            pngs = sorted(n for n in os.listdir(out) if n.endswith(".png"))
            for name in ["throughput_small-c64.png", "ratio_epoll.png", "ratio_uring.png",
                         "latency_cdf_small-c64_epoll.png", "latency_cdf_greedy-p8-light_uring.png"]:
                check(name in pngs, f"plot {name} missing (have {pngs})")
            for name in pngs:
                with open(os.path.join(out, name), "rb") as f:
                    check(f.read(8) == b"\x89PNG\r\n\x1a\n", f"{name} is not a PNG")

    if FAILURES:
        print(f"{len(FAILURES)} failure(s)")
        return 1
    print("compare smoke test passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
