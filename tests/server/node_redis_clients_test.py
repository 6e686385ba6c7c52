"""Node.js Redis clients against memkv in every front-end mode x I/O engine: ioredis (RESP2) and
node-redis, with its default RESP2 and with RESP: 3 (it connects with HELLO 3), run
node_redis_clients/clients.js (set/get/mget/expire/ttl/incr/incrbyfloat/getex/config get/LCS
IDX, a 200 kB value, pipelines and concurrent commands); every line it prints must equal what the
same script prints against a real redis-server 7.0.15 (started by this test, 16 databases as memkv).

The clients are npm packages, not Debian ones: node_redis_clients/package-lock.json pins them
and every dependency with its sha512; `npm ci` installs exactly those into the build directory
(node_redis_clients/node_modules) the first time, or when the lock file changes. Node.js and npm
come with the machine (docs/resp.md); without them, or without the npm registry, the test fails
and says why.

Usage: node_redis_clients_test.py --binary path/to/memkv [--mode M ...] [--io E ...]
"""

import filecmp
import os
import shutil
import subprocess
import sys

from memkv_server import MemkvServer, available_modes, redis_oracle, test_arguments

SOURCE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "node_redis_clients")


def install(binary):
    """node_modules in the build directory, from the committed lock file: (path, None), or
    (None, the reason it could not be installed)."""
    target = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(binary))),
                          "node_redis_clients")
    lock = os.path.join(SOURCE, "package-lock.json")
    stamp = os.path.join(target, "installed-package-lock.json")
    modules = os.path.join(target, "node_modules")
    if os.path.isdir(modules) and os.path.exists(stamp) and filecmp.cmp(lock, stamp, False):
        return modules, None
    os.makedirs(target, exist_ok=True)
    for name in ("package.json", "package-lock.json"):
        shutil.copy(os.path.join(SOURCE, name), target)
    # ci: exactly the lock file's versions, each checked against its integrity hash; no install
    # scripts run.
    result = subprocess.run(["npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund"],
                            cwd=target, capture_output=True, text=True, timeout=600)
    if result.returncode != 0:
        return None, f"npm ci failed ({result.returncode}):\n{result.stdout}{result.stderr}"
    shutil.copy(lock, stamp)
    return modules, None


def run(port, modules):
    result = subprocess.run(["node", os.path.join(SOURCE, "clients.js"), str(port)],
                            capture_output=True, text=True, timeout=120,
                            env={**os.environ, "NODE_PATH": modules})
    if result.returncode != 0:
        return f"exit status {result.returncode}\n{result.stdout}{result.stderr}"
    return result.stdout


def main():
    args = test_arguments()
    for tool in ("node", "npm", "redis-server"):
        if shutil.which(tool) is None:
            print(f"FAIL {tool} not found")
            return 1
    modules, why = install(args.binary)
    if modules is None:
        print(f"FAIL cannot install the clients: {why}")
        return 1
    with redis_oracle() as redis:
        expected = run(redis.port, modules)
    lines = expected.splitlines()
    if not lines or any(line.startswith("fatal") for line in lines):
        print(f"FAIL against redis-server:\n{expected}")
        return 1
    print(f"redis-server: {len(lines)} steps")
    passed = failed = 0
    for mode in available_modes(args.binary, args.modes):
        for io in args.ios:
            with MemkvServer(args.binary, ["--mode", mode, "--io", io]) as server:
                got = run(server.port, modules)
            if got == expected:
                passed += 1
                print(f"PASS {mode} x {io}")
                continue
            failed += 1
            diffs = [f"  memkv {a!r}\n  redis {b!r}"
                     for a, b in zip(got.splitlines(), lines) if a != b]
            print(f"FAIL {mode} x {io}: {len(got.splitlines())} lines, {len(lines)} expected\n"
                  + "\n".join(diffs[:10])[:4000])
    print(f"{passed} passed, {failed} failed")
    return 1 if failed or not passed else 0


if __name__ == "__main__":
    sys.exit(main())
