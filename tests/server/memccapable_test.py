"""memccapable (libmemcached-tools), a third-party client's protocol conformance suite, in its
ASCII (-a) and binary (-b) forms, against memkv in every front-end mode x I/O engine. Each
combination must report "All tests passed" with no failed test for both protocols (memcached
1.6.18 passes 27 of 27 binary tests).

Usage: memccapable_test.py --binary path/to/memkv [--mode M ...] [--io E ...]
"""

import concurrent.futures
import shutil
import subprocess
import sys

from memkv_server import MemkvServer, available_modes, test_arguments


PROTOCOL_FLAGS = ["-a", "-b"]
# memccapable -b's test count (memcached 1.6.18 passes all of them): fewer passes means some
# tests did not run.
BINARY_TESTS = 27


def run_memccapable(port, protocol_flag):
    """Runs memccapable with `protocol_flag` (-a or -b) against 127.0.0.1:port; returns
    (ok, output)."""
    try:
        result = subprocess.run(
            ["memccapable", protocol_flag, "-h", "127.0.0.1", "-p", str(port), "-t", "10"],
            capture_output=True, text=True, timeout=300)
    except subprocess.TimeoutExpired as e:
        return False, f"memccapable timed out\n{e.stdout or ''}"
    output = result.stdout + result.stderr
    lines = output.splitlines()
    passed = [l for l in lines if l.rstrip().endswith("[pass]")]
    failed = [l for l in lines if "[FAIL]" in l]
    ok = (result.returncode == 0 and "All tests passed" in output and not failed
          and len(passed) > 0 and (protocol_flag != "-b" or len(passed) == BINARY_TESTS))
    return ok, output


def run_combination(binary, mode, io, protocol_flag):
    """One server in `mode` x `io` and one memccapable run against it; returns (ok, output)."""
    with MemkvServer(binary, ["--mode", mode, "--io", io, "-t", "2"]) as server:
        ok, output = run_memccapable(server.port, protocol_flag)
    if server.returncode != 0:
        ok = False
        output += f"\nmemkv exited with status {server.returncode} on SIGTERM"
    return ok, output


def main():
    args = test_arguments()
    if shutil.which("memccapable") is None:
        print("memccapable not found: install libmemcached-tools")
        return 1
    combinations = [(mode, io, flag) for mode in available_modes(args.binary, args.modes)
                    for io in args.ios for flag in PROTOCOL_FLAGS]
    # memccapable spends most of its 2-3 s waiting on delayed ACKs, not on the CPU: running the
    # combinations side by side keeps the suite fast on a 2-core machine.
    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda c: run_combination(args.binary, *c), combinations))
    passed = failed = 0
    for (mode, io, flag), (ok, output) in zip(combinations, results):
        name = f"memccapable {flag}: {mode} x {io}"
        if ok:
            passed += 1
            print(f"PASS {name}: {output.strip().splitlines()[-1]}")
        else:
            failed += 1
            print(f"FAIL {name}:\n{output}")
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 and passed > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
