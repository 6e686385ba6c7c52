"""Real binary-protocol clients against memkv in every front-end mode x I/O engine, each checked
against what the same client gets from a real memcached 1.6.18 (started by this test):

  - pylibmc (libmemcached) with binary=True: the same sequence of operations (get_multi is the
    GETKQ...NOOP pipelining idiom, set_multi uses SETQ) must give the same results and errors;
    then again with SASL PLAIN (username/password) against memkv --auth-file, which must give the
    same results, and a wrong password must be refused;
  - libmemcached's command-line tools with --binary: memccp stores files, memccat reads them
    back, memcstat lists statistics; and with -u/-p (SASL) against --auth-file.

Usage: binary_clients_test.py --binary path/to/memkv [--mode M ...] [--io E ...]
Skips a client, saying so, when it is not installed.
"""

import os
import shutil
import subprocess
import sys
import tempfile

from memkv_server import MemkvServer, available_modes, memcached_oracle, test_arguments

PYLIBMC_SCRIPT = r'''
import sys
import pylibmc

port, user, password = sys.argv[1], sys.argv[2], sys.argv[3]
kwargs = dict(username=user, password=password) if user else {}
mc = pylibmc.Client(["127.0.0.1:" + port], binary=True, behaviors={"cas": True}, **kwargs)


def run(name, call):
    try:
        result = call()
    except Exception as e:  # the client's error class is part of the answer
        result = "raised " + type(e).__name__
    print(name, repr(result))


run("set", lambda: mc.set("a", "1"))
run("get", lambda: mc.get("a"))
run("get miss", lambda: mc.get("nope"))
run("set_multi", lambda: mc.set_multi({"x": b"1", "y": b"2", "z": 3, "f": 1.5}))
run("get_multi", lambda: sorted(mc.get_multi(["x", "y", "z", "f", "nope"]).items()))
run("add exists", lambda: mc.add("a", "2"))
run("add new", lambda: mc.add("b", "2"))
run("replace miss", lambda: mc.replace("nope", "x"))
run("replace hit", lambda: mc.replace("b", "3"))
run("append", lambda: mc.append("a", "2"))
run("prepend", lambda: mc.prepend("a", "0"))
run("append miss", lambda: mc.append("nope", "0"))
run("get appended", lambda: mc.get("a"))
run("incr", lambda: mc.incr("a", 5))
run("decr", lambda: mc.decr("a", 1000))
run("incr miss", lambda: mc.incr("nope", 1))
run("incr text", lambda: (mc.set("t", "abc"), mc.incr("t", 1)))
value, cas = mc.gets("x")
run("gets", lambda: (value, cas != 0))
run("cas ok", lambda: mc.cas("x", b"new", cas))
run("cas stale", lambda: mc.cas("x", b"newer", cas))
run("get after cas", lambda: mc.get("x"))
run("touch", lambda: mc.touch("x", 100))
run("touch miss", lambda: mc.touch("nope", 100))
run("delete", lambda: mc.delete("x"))
run("delete miss", lambda: mc.delete("x"))
run("delete_multi", lambda: mc.delete_multi(["y", "z"]))
run("stats", lambda: "cmd_get" in mc.get_stats()[0][1])
run("big", lambda: (mc.set("big", b"b" * 500000), len(mc.get("big"))))
run("too big", lambda: mc.set("toobig", b"b" * 2000000))
run("after too big", lambda: mc.get("a"))
run("flush", lambda: mc.flush_all())
run("after flush", lambda: mc.get("a"))
'''


def run_pylibmc(port, user="", password=""):
    result = subprocess.run(["/usr/bin/python3", "-c", PYLIBMC_SCRIPT, str(port), user, password],
                            capture_output=True, text=True, timeout=60)
    return result.stdout + result.stderr


def check_pylibmc(port, expected, label, users_file):
    failures = 0
    got = run_pylibmc(port, "alice", "secret") if users_file else run_pylibmc(port)
    if got != expected:
        failures += 1
        print(f"FAIL pylibmc {label}:")
        for want_line, got_line in zip(expected.splitlines(), got.splitlines()):
            if want_line != got_line:
                print(f"  memcached: {want_line}\n  memkv:     {got_line}")
                break
        else:
            print(f"  memcached: {expected[-300:]!r}\n  memkv:     {got[-300:]!r}")
    if users_file:
        wrong = run_pylibmc(port, "alice", "wrong")
        # Refused: every operation fails, none succeeds.
        if "set True" in wrong or "raised" not in wrong:
            failures += 1
            print(f"FAIL pylibmc {label}: a wrong password was not refused:\n{wrong}")
    return failures


def run_tool(args, **kwargs):
    return subprocess.run(args, capture_output=True, text=True, timeout=60, **kwargs)


def check_tools(port, label, tmp, sasl):
    """memccp, memccat and memcstat with --binary (and SASL -u/-p when `sasl`)."""
    auth = ["--username=alice", "--password=secret"] if sasl else []
    servers = f"--servers=127.0.0.1:{port}"
    path = os.path.join(tmp, f"file-{port}")
    content = "binary protocol file\n" * 1000
    with open(path, "w") as f:
        f.write(content)
    failures = 0
    copy = run_tool(["memccp", servers, "--binary", *auth, path])
    cat = run_tool(["memccat", servers, "--binary", *auth, os.path.basename(path)])
    stat = run_tool(["memcstat", servers, "--binary", *auth])
    # memccat ends what it prints with a newline of its own.
    if copy.returncode != 0 or cat.returncode != 0 or cat.stdout != content + "\n":
        failures += 1
        print(f"FAIL tools {label}: memccp {copy.returncode} {copy.stderr.strip()!r}, "
              f"memccat {cat.returncode} {cat.stderr.strip()!r} ({len(cat.stdout)} bytes back)")
    if stat.returncode != 0 or "cmd_get:" not in stat.stdout or "curr_items:" not in stat.stdout:
        failures += 1
        print(f"FAIL tools {label}: memcstat {stat.returncode}: {stat.stdout[:300]!r} "
              f"{stat.stderr.strip()!r}")
    if sasl:
        wrong = run_tool(["memccat", servers, "--binary", "--username=alice", "--password=nope",
                          os.path.basename(path)])
        if wrong.returncode == 0 or wrong.stdout:
            failures += 1
            print(f"FAIL tools {label}: memccat with a wrong password read {wrong.stdout[:80]!r}")
    return failures


def main():
    args = test_arguments()
    have_pylibmc = subprocess.run(["/usr/bin/python3", "-c", "import pylibmc"],
                                  capture_output=True).returncode == 0
    have_tools = all(shutil.which(t) for t in ("memccp", "memccat", "memcstat"))
    have_memcached = shutil.which("memcached") is not None
    if not have_pylibmc:
        print("SKIP pylibmc: python3-pylibmc not installed")
    if not have_tools:
        print("SKIP memccp/memccat/memcstat: libmemcached-tools not installed")
    if not have_memcached:
        print("SKIP pylibmc comparison: memcached not on PATH")
    expected = None
    if have_pylibmc and have_memcached:
        with memcached_oracle() as oracle:
            expected = run_pylibmc(oracle.port)
        if "set True" not in expected or "Traceback" in expected:
            print(f"FAIL: pylibmc against memcached itself:\n{expected}")
            return 1
    failures = checks = 0
    with tempfile.TemporaryDirectory() as tmp:
        users = os.path.join(tmp, "users")
        with open(users, "w") as f:
            f.write("alice:secret\n")
        for mode in available_modes(args.binary, args.modes):
            for io in args.ios:
                for sasl in (False, True):
                    label = f"{mode} x {io}" + (" with SASL" if sasl else "")
                    extra = ["--auth-file", users] if sasl else []
                    before = failures
                    with MemkvServer(args.binary, ["--mode", mode, "--io", io, "-t", "2",
                                                   *extra]) as server:
                        if expected is not None:
                            checks += 1
                            failures += check_pylibmc(server.port, expected, label,
                                                      users if sasl else None)
                        if have_tools:
                            checks += 1
                            failures += check_tools(server.port, label, tmp, sasl)
                    if server.returncode != 0:
                        failures += 1
                        print(f"FAIL {label}: memkv exited with status {server.returncode}")
                    if failures == before:
                        print(f"PASS {label}")
    print(f"{checks} checks, {failures} failed")
    return 1 if failures or checks == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
