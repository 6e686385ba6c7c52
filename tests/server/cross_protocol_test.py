"""Cross-protocol requests and hostile patterns, memkv against the real servers (issue 14 items 4
and 5), byte for byte.

A web page can make a browser send an HTTP request to any host and port; a server that answers
each line it does not understand and reads on would then run the commands in the request's body.
Redis closes a connection on a request named POST or Host: (any form, any case); memcached closes
on a command line ending in an HTTP version. memkv's RESP port must do what redis-server does and
its memcached port what memcached does: the same bytes before the close (none, or the error
replies to what came first), the close itself, and nothing after it run (a key set beforehand
survives the FLUSHALL / flush_all in the request's body).

Then CONFIG GET with patterns that make a naive backtracking matcher take exponential time or
recurse once per '*' on a long text: the reply must be redis-server's. (CONFIG GET matches only
short configuration names, where even a naive matcher is quick; the bound itself is checked on
long texts by tests/server/exec/resp/glob_match_test.cc; KEYS and SCAN MATCH, which match the
same patterns against a 3000-byte key name here, must answer at once too, KEYS as redis-server.)

Each payload is sent on a fresh connection after a request whose reply has been read, so that
both servers see it in one read. Runs in two front-end modes (the guard closes through the
executing and the dispatch connection); skips the comparison with a server not installed.
"""

import shutil
import socket
import sys

from memkv_server import (Checker, MemkvServer, free_port, memcached_oracle, read_until,
                          read_until_close, redis_oracle, resp_request, test_arguments)

GUARD_KEY = b"guard"
TIMEOUT = 10.0

# (name, payload, what memkv sends before closing). None: the same bytes as redis-server (here
# nothing: the guard line comes first). Where requests come before it in the same read, Redis
# frees the client before writing their replies and memkv writes them (docs/security.md): the
# guard's promise, that nothing after the line runs, is the same; those cases check memkv's bytes.
RESP_PAYLOADS = [
    ("inline POST with a body", b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\n"
     b"Content-Type: text/plain\r\nContent-Length: 10\r\n\r\nFLUSHALL\r\n", None),
    ("a Host: line first", b"Host: example.com\r\nFLUSHALL\r\n", None),
    ("lower-case post", b"post /x HTTP/1.0\r\n\r\nFLUSHALL\r\n", None),
    ("multibulk POST", b"*2\r\n$4\r\nPOST\r\n$1\r\n/\r\n*1\r\n$8\r\nFLUSHALL\r\n", None),
    ("GET request line, then Host:", b"GET / HTTP/1.1\r\nHost: x\r\n\r\nFLUSHALL\r\n",
     b"-ERR wrong number of arguments for 'get' command\r\n"),
    ("commands before the POST", b"PING\r\nECHO hi\r\nPOST / HTTP/1.1\r\nFLUSHALL\r\n",
     b"+PONG\r\n$2\r\nhi\r\n"),
]

MEMCACHED_PAYLOADS = [
    ("POST request line", b"POST / HTTP/1.1\r\nHost: x\r\n\r\nflush_all\r\n"),
    ("GET request line", b"GET /index.html HTTP/1.0\r\n\r\nflush_all\r\n"),
]

# Multibulk CONFIG GET patterns: none matches a configuration name, on either server.
HOSTILE_PATTERNS = [
    ("stars and a's", b"*a" * 30 + b"*b"),
    ("stars and ?'s", b"*?" * 61),
    ("30000 nested stars", b"*a" * 30000),
]



def exchange(port, setup, setup_reply_end, payload):
    with socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT) as sock:
        sock.sendall(setup)
        read_until(sock, setup_reply_end)
        sock.sendall(payload)
        return read_until_close(sock)


def call(port, request, reply_end):
    with socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT) as sock:
        sock.sendall(request)
        return read_until(sock, reply_end)



def check_resp(checker, label, port, oracle_port):
    set_guard = resp_request(b"SET", GUARD_KEY, b"1")
    get_guard = resp_request(b"GET", GUARD_KEY)
    for name, payload, expected in RESP_PAYLOADS:
        got = exchange(port, set_guard, b"\r\n", payload)
        checker.expect(got is not None, f"{label} {name}: the connection was not closed")
        checker.expect(call(port, get_guard, b"\r\n") == b"$1\r\n1\r\n",
                       f"{label} {name}: the request's body ran")
        if expected is not None:
            checker.expect(got == expected, f"{label} {name}: memkv {got!r}")
        elif oracle_port is not None:
            want = exchange(oracle_port, set_guard, b"\r\n", payload)
            checker.expect(got == want, f"{label} {name}: memkv {got!r}, redis-server {want!r}")
    for name, pattern in HOSTILE_PATTERNS:
        request = resp_request(b"CONFIG", b"GET", pattern)
        try:
            got = call(port, request, b"\r\n")
        except socket.timeout:
            got = None
        checker.expect(got == b"*0\r\n", f"{label} CONFIG GET {name}: {got!r}")
        if oracle_port is not None:
            want = call(oracle_port, request, b"\r\n")
            checker.expect(got == want, f"{label} CONFIG GET {name}: redis-server {want!r}")
    # KEYS and SCAN MATCH run the same matcher over key names, which a client chooses: a key of
    # 3000 a's against the same patterns must be answered at once (within TIMEOUT), KEYS with
    # redis-server's bytes (only the `*?` pattern matches it), SCAN with the same key or none.
    long_key = b"a" * 3000
    for server_port in [port] + ([oracle_port] if oracle_port is not None else []):
        call(server_port, resp_request(b"SET", long_key, b"1"), b"\r\n")
    for name, pattern in HOSTILE_PATTERNS:
        keys = resp_request(b"KEYS", pattern)
        scan = resp_request(b"SCAN", b"0", b"MATCH", pattern, b"COUNT", b"1000")
        try:
            got_keys = call(port, keys, b"\r\n")
            got_scan = call(port, scan, b"\r\n")
        except socket.timeout:
            got_keys = got_scan = None
        checker.expect(got_keys is not None, f"{label} KEYS / SCAN {name}: no answer in time")
        if got_keys is None:
            continue
        matched = long_key in got_keys
        checker.expect(got_scan.endswith(b"*0\r\n") != matched,
                       f"{label} SCAN {name}: {got_scan[:60]!r} (KEYS matched: {matched})")
        if oracle_port is not None:
            want = call(oracle_port, keys, b"\r\n")
            checker.expect(got_keys == want,
                           f"{label} KEYS {name}: memkv {got_keys[:40]!r}, redis {want[:40]!r}")


def check_memcached(checker, label, port, oracle_port):
    set_text = b"set " + GUARD_KEY + b" 0 0 1\r\n1\r\n"
    get_guard = b"get " + GUARD_KEY + b"\r\n"
    cases = [(name, set_text, payload, True) for name, payload in MEMCACHED_PAYLOADS] + [
        # memkv only (memcached has no RESP): a connection of the shared port that speaks RESP
        # (its first request decides) follows Redis's rule.
        ("multibulk POST on the shared port", resp_request(b"SET", GUARD_KEY, b"1"),
         resp_request(b"POST", b"/") + resp_request(b"FLUSHALL"), False),
    ]
    for name, setup, payload, has_oracle in cases:
        got = exchange(port, setup, b"\r\n", payload)
        checker.expect(got == b"", f"{label} {name}: {got!r} (a silent close expected)")
        checker.expect(call(port, get_guard, b"END\r\n") == b"VALUE guard 0 1\r\n1\r\nEND\r\n",
                       f"{label} {name}: the request's body ran")
        if oracle_port is not None and has_oracle:
            want = exchange(oracle_port, setup, b"\r\n", payload)
            checker.expect(got == want, f"{label} {name}: memkv {got!r}, memcached {want!r}")


def main():
    args = test_arguments()
    checker = Checker()
    redis = shutil.which("redis-server")
    memcached = shutil.which("memcached")
    if redis is None:
        print("SKIP the comparison with redis-server: not installed")
    if memcached is None:
        print("SKIP the comparison with memcached: not installed")
    with redis_oracle(redis) if redis else _Nothing() as r, \
            memcached_oracle(memcached) if memcached else _Nothing() as m:
        for mode in ["acceptor", "dispatch"]:
            resp_port = free_port()
            with MemkvServer(args.binary, ["--mode", mode, "--resp-port", str(resp_port)]) as s:
                check_resp(checker, mode, resp_port, r.port)
                check_memcached(checker, mode, s.port, m.port)
            checker.expect(s.returncode == 0, f"{mode}: exit status {s.returncode}")
    return checker.exit_status()


class _Nothing:
    port = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        pass


if __name__ == "__main__":
    sys.exit(main())
