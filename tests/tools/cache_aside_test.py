"""memkv-bench's cache-aside workload and trace replay against a real memkv: the counts it
reports are consistent, the hit ratio rises as the cache warms, batching does not change the
counts, and a trace on a cache big enough for it gives exactly the hits it should.

Run by ctest as `python3 cache_aside_test.py --binary <build>/server/memkv`; memkv-bench is found
next to it in the build tree (--bench PATH to use another). About 5 s; every server listens on
127.0.0.1.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile

from memkv_server import MemkvServer, test_arguments

FAILURES = []
HERE = os.path.dirname(os.path.abspath(__file__))
SAMPLE_TRACE = os.path.join(HERE, "data", "cache_aside_sample.trace")


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


def run(bench, port, *flags):
    result = subprocess.run([bench, "-s", f"127.0.0.1:{port}", "--json", *flags],
                            capture_output=True, text=True, timeout=60)
    check(result.returncode == 0, f"{flags}: exit {result.returncode}: {result.stderr.strip()}")
    try:
        return json.loads(result.stdout)
    except json.JSONDecodeError:
        check(False, f"{flags}: not JSON: {result.stdout[:200]!r}")
        return None


def check_consistent(name, s, requests=None):
    """The totals add up, and the intervals add up to them."""
    check(s["errors"] == 0 and s["set_failures"] == 0, f"{name}: errors {s['error_samples']}")
    check(s["hits"] + s["misses"] == s["gets"], f"{name}: hits + misses != gets")
    check(s["fill_sets"] == s["misses"], f"{name}: a fill for every miss")
    check(s["gets"] + s["trace_sets"] == s["requests"], f"{name}: gets + trace sets != requests")
    if requests is not None:
        check(s["requests"] == requests, f"{name}: {s['requests']} requests, not {requests}")
    check(sum(i["gets"] for i in s["intervals"]) == s["gets"], f"{name}: interval gets")
    check(sum(i["hits"] for i in s["intervals"]) == s["hits"], f"{name}: interval hits")
    check(s["intervals"][-1]["requests_end"] == s["requests"], f"{name}: last interval's end")
    check(abs(s["hit_ratio"] - s["hits"] / max(1, s["gets"])) < 1e-9, f"{name}: hit ratio")


def test_synthetic(bench, binary):
    # 16 MiB holds a few tens of thousands of ETC-sized items out of 300,000 keys: it evicts.
    with MemkvServer(binary, ["-t", "2", "-m", "16"]) as server:
        for dialect in ["text", "resp"]:
            name = f"zipf:0.99/{dialect}"
            s = run(bench, server.port, "--cache-aside", "--distribution", "zipf:0.99", "-k",
                    "300000", "-v", "etc", "-n", "200000", "-P", "32", "--key-prefix",
                    f"{dialect}:", "-D", dialect, "--interval", "20000")
            if s is None:
                continue
            check_consistent(name, s, 200000)
            ratios = [i["hits"] / i["gets"] for i in s["intervals"]]
            check(len(ratios) == 10, f"{name}: {len(ratios)} intervals, not 10")
            check(ratios[0] < ratios[-1] and ratios[0] < ratios[2],
                  f"{name}: the hit ratio does not rise as the cache warms: {ratios}")
            check(0.2 < s["hit_ratio"] < 0.95, f"{name}: hit ratio {s['hit_ratio']}")
            print(f"ok   {name}: hit ratio {ratios[0]:.3f} -> {ratios[-1]:.3f}")
    # On a cache that holds every key, misses are exactly the keys seen, whatever the batching,
    # and the same seed gives the same sequence.
    counts = {}
    for pipeline in ["1", "64"]:
        for seed in ["7", "8"]:
            with MemkvServer(binary, ["-t", "2", "-m", "256"]) as server:
                s = run(bench, server.port, "--cache-aside", "--distribution", "zipf:0.9", "-k",
                        "20000", "-v", "etc", "-n", "50000", "-P", pipeline, "--seed", seed)
                if s is not None:
                    check_consistent(f"seed {seed} -P {pipeline}", s, 50000)
                    counts[(pipeline, seed)] = (s["hits"], s["misses"])
    if len(counts) == 4:
        check(counts[("1", "7")] == counts[("64", "7")],
              f"batching changed the counts: {counts}")
        check(counts[("1", "8")] == counts[("64", "8")],
              f"batching changed the counts: {counts}")
        check(counts[("1", "7")] != counts[("1", "8")], f"the seed changed nothing: {counts}")
        print(f"ok   deterministic: {counts}")


def test_trace(bench, binary):
    with MemkvServer(binary, ["-t", "2", "-m", "64"]) as server:
        s = run(bench, server.port, "--trace", SAMPLE_TRACE, "-P", "16")
        if s is not None:
            check_consistent("sample trace", s, 10)
            check((s["gets"], s["hits"], s["misses"], s["trace_sets"]) == (9, 6, 3, 1),
                  f"sample trace: {s['gets']} gets, {s['hits']} hits, {s['misses']} misses, "
                  f"{s['trace_sets']} sets; expected 9, 6, 3, 1")
            print("ok   sample trace")
        # 500 keys, each asked for 4 times in rounds: the first round misses, the rest hit.
        with tempfile.NamedTemporaryFile("w", suffix=".trace", delete=False) as f:
            for _ in range(4):
                for key in range(500):
                    f.write(f"get repeated:{key} {key % 700 + 1}\n")
            path = f.name
        try:
            s = run(bench, server.port, "--trace", path, "-P", "32", "--key-prefix", "r:")
            if s is not None:
                check_consistent("repeated trace", s, 2000)
                check((s["hits"], s["misses"]) == (1500, 500),
                      f"repeated trace: {s['hits']} hits, {s['misses']} misses; expected 1500, "
                      "500")
                check([i["hits"] for i in s["intervals"]][:5] == [0] * 5,
                      f"repeated trace: hits in the first round: {s['intervals'][:5]}")
                print("ok   repeated trace")
            # -n cuts a trace short.
            s = run(bench, server.port, "--trace", path, "-n", "700", "--key-prefix", "r2:")
            if s is not None:
                check_consistent("trace -n", s, 700)
                check((s["hits"], s["misses"]) == (200, 500), f"trace -n: {s['hits']} hits")
        finally:
            os.unlink(path)
        bad = subprocess.run([bench, "-s", f"127.0.0.1:{server.port}", "--trace", "/nonexistent"],
                             capture_output=True, text=True, timeout=10)
        check(bad.returncode == 1 and "cannot open trace" in bad.stderr,
              f"missing trace: {bad.returncode} {bad.stderr!r}")
        bad = subprocess.run([bench, "--cache-aside", "-c", "4"], capture_output=True, text=True,
                             timeout=10)
        check(bad.returncode == 2 and "one connection" in bad.stderr,
              f"--cache-aside -c 4: {bad.returncode} {bad.stderr!r}")


def main():
    args = test_arguments()
    bench = bench_binary(args)
    if not os.access(bench, os.X_OK):
        print(f"FAIL memkv-bench not found at {bench} (build the memkv-bench target)")
        return 1
    test_trace(bench, args.binary)
    test_synthetic(bench, args.binary)
    print("FAILED" if FAILURES else "PASSED")
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main())
