"""pymemcache, a third-party Python client, drives every classic command against memkv:
set/get/get_many/gets/cas/incr/decr/delete/touch/add/replace/append/prepend/flush_all, with and
without noreply. Runs on acceptor x epoll (the defaults), acceptor x uring and single x epoll.

Usage: pymemcache_test.py --binary path/to/memkv
"""

import sys
import traceback

try:
    from pymemcache.client.base import Client
except ImportError:
    # Debian's python3-pymemcache installs for the system interpreter; a python3 from elsewhere
    # on PATH (pyenv, venv) does not see it by default.
    sys.path.append("/usr/lib/python3/dist-packages")
    from pymemcache.client.base import Client

from memkv_server import MemkvServer, test_arguments

COMBINATIONS = [("acceptor", "epoll"), ("acceptor", "uring"), ("single", "epoll")]


def check(condition, what):
    if not condition:
        raise AssertionError(what)


def exercise(port):
    client = Client(("127.0.0.1", port), default_noreply=False, connect_timeout=10, timeout=10)
    check(client.set("a", b"x"), "set")
    check(client.get("a") == b"x", "get")
    check(client.get("missing") is None, "get miss")
    client.set_many({"k1": b"one", "k2": b"two"})
    check(client.get_many(["k1", "k2", "nope"]) == {"k1": b"one", "k2": b"two"}, "get_many")

    value, cas = client.gets("k1")
    check(value == b"one" and cas is not None, "gets")
    check(client.cas("k1", b"uno", cas) is True, "cas with the current token")
    check(client.cas("k1", b"eins", cas) is False, "cas with a stale token")
    check(client.cas("never", b"x", 1) is None, "cas on a missing key")
    check(client.get("k1") == b"uno", "value after cas")

    check(client.set("n", b"10"), "set counter")
    check(client.incr("n", 5) == 15, "incr")
    check(client.decr("n", 20) == 0, "decr stops at 0")
    check(client.incr("nothing", 1) is None, "incr miss")
    check(client.set("big", b"18446744073709551615"), "set max")
    check(client.incr("big", 1) == 0, "incr wraps")

    check(client.add("a", b"y") is False, "add on a present key")
    check(client.add("fresh", b"y") is True, "add on a missing key")
    check(client.replace("fresh", b"z") is True, "replace")
    check(client.replace("absent", b"z") is False, "replace miss")
    check(client.append("fresh", b"-end") is True, "append")
    check(client.prepend("fresh", b"start-") is True, "prepend")
    check(client.get("fresh") == b"start-z-end", "after append/prepend")

    check(client.touch("fresh", 100) is True, "touch")
    check(client.touch("absent", 100) is False, "touch miss")
    check(client.delete("fresh") is True, "delete")
    check(client.delete("fresh") is False, "delete miss")

    quiet = Client(("127.0.0.1", port), default_noreply=True, connect_timeout=10, timeout=10)
    quiet.set("q", b"quiet")
    quiet.delete("a")
    # Read back on the same connection: requests of one connection run in order, while another
    # connection (possibly on another worker) could overtake them.
    check(quiet.get("q") == b"quiet" and quiet.get("a") is None, "noreply commands ran")

    value = bytes(range(256)) * 4000  # ~1 MB minus a little, every byte value
    check(client.set("bin", value), "set binary")
    check(client.get("bin") == value, "get binary")

    check(client.flush_all() is True, "flush_all")
    check(client.get_many(["k1", "k2", "q", "bin"]) == {}, "empty after flush_all")
    check(client.version().startswith(b"1.6"), "version")
    client.close()
    quiet.close()


def main():
    args = test_arguments()
    passed = failed = 0
    for mode, io in COMBINATIONS:
        name = f"{mode} x {io}"
        try:
            with MemkvServer(args.binary, ["--mode", mode, "--io", io, "-t", "2"]) as server:
                exercise(server.port)
            check(server.returncode == 0, f"memkv exited with status {server.returncode}")
            passed += 1
            print(f"PASS {name}")
        except Exception:  # report every combination, then fail
            failed += 1
            print(f"FAIL {name}")
            traceback.print_exc()
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
