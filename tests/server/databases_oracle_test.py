"""Numbered databases (SELECT, MOVE, SWAPDB, FLUSHDB, DBSIZE, COPY ... DB, INFO keyspace) against a
real redis-server 7.0.15, byte for byte, on every front-end mode and I/O engine.

Each scenario is a list of (connection, request) steps run on both servers after FLUSHALL, each
connection fresh (so in database 0); every reply must be the same bytes. Several connections show
that SELECT is per connection and that SWAPDB is seen at once by connections that have either
database selected. Normalised, and why:
- KEYS: compared as sorted lists (each server answers in its own hash-table order).
- SCAN: a whole iteration on both, compared as sets (cursors are each server's own positions).
- INFO keyspace: avg_ttl is Redis's estimate, refined by its expiry cycle (0 until it sampled);
  memkv reports the exact mean. The lines, keys= and expires= are compared byte for byte.

Then, on memkv alone: memcached's text, meta and binary `get` see database 0 only (also after
SWAPDB 0 n); redis-cli -n 3 and redis-py Redis(db=5) against both servers; --databases 4 (and
`databases 4` in a --config file) bounds SELECT and shows in CONFIG GET.

Usage: databases_oracle_test.py --binary path/to/memkv [--mode M ...] [--io uring|epoll ...]
Skips the comparison, saying so, when no redis-server is on PATH.
"""

import os
import re
import shutil
import socket
import struct
import subprocess
import sys
import tempfile

try:
    import redis
except ImportError:
    sys.path.append("/usr/lib/python3/dist-packages")
    import redis

from memkv_server import (Checker, MemkvServer, available_modes, free_port, read_until,
                          redis_oracle, resp_request, test_arguments, wait_for_port)

TIMEOUT = 10.0


def S(*args):
    """A step on connection 0."""
    return (0, list(args))


def C(conn, *args):
    """A step on connection `conn`."""
    return (conn, list(args))


# (name, steps). Replies compared byte for byte (after the normalisations above).
SCENARIOS = [
    ("select", [
        S("SELECT", "16"), S("SELECT", "-1"), S("SELECT", "abc"), S("SELECT", "1.5"),
        S("SELECT", "99999999999"), S("SELECT", ""), S("SELECT"), S("SELECT", "0", "1"),
        S("SELECT", b"1\x00"), S("SELECT", " 1"), S("SELECT", "+1"), S("SELECT", "15"),
        S("SET", "k", "fifteen"), S("SELECT", "3"), S("GET", "k"), S("SELECT", "15"),
        S("GET", "k"), S("SELECT", "0"), S("GET", "k"), S("DBSIZE"),
    ]),
    ("keyspace commands in database 3", [
        S("SELECT", "3"), S("SET", "a", "1"), S("GET", "a"), S("INCR", "a"), S("INCRBY", "a", "5"),
        S("APPEND", "a", "x"), S("STRLEN", "a"), S("GETRANGE", "a", "0", "0"), S("SETNX", "a", "2"),
        S("MSET", "b", "2", "c", "3"), S("MGET", "a", "b", "c", "z"), S("MSETNX", "c", "9", "d", "4"),
        S("EXISTS", "a", "b", "z"), S("EXPIRE", "b", "100"), S("TTL", "b"), S("PERSIST", "b"),
        S("TTL", "b"), S("TYPE", "a"), S("GETSET", "c", "33"), S("GETDEL", "c"), S("EXISTS", "c"),
        S("SET", "e", "v", "EX", "100"), S("GETEX", "e", "PERSIST"), S("TTL", "e"),
        S("RENAME", "e", "f"), S("RENAMENX", "f", "a"), S("COPY", "f", "g"), S("GET", "g"),
        S("SETRANGE", "g", "3", "xyz"), S("GET", "g"), S("SETBIT", "h", "7", "1"),
        S("GETBIT", "h", "7"), S("BITCOUNT", "h"), S("INCRBYFLOAT", "fl", "1.5"),
        S("SET", "lcs1", "ohmytext"), S("SET", "lcs2", "mynewtext"), S("LCS", "lcs1", "lcs2"),
        S("DBSIZE"), S("KEYS", "*"), S("KEYS", "lcs*"), S("DEL", "a", "h", "zz"), S("DBSIZE"),
        S("SELECT", "0"), S("DBSIZE"), S("GET", "b"), S("KEYS", "*"), S("EXISTS", "b"),
        S("SET", "b", "zero"), S("SELECT", "3"), S("GET", "b"),
    ]),
    ("move", [
        S("SET", "k", "v"), S("MOVE", "k", "1"), S("EXISTS", "k"), S("MOVE", "k", "1"),
        S("SELECT", "1"), S("GET", "k"), S("MOVE", "k", "1"), S("MOVE", "k", "16"),
        S("MOVE", "k", "-1"), S("MOVE", "k", "x"), S("MOVE", "k", "99999999999"), S("MOVE", "k"),
        S("MOVE", "k", "0", "1"), S("MOVE", "missing", "0"), S("SELECT", "0"), S("SET", "k", "0"),
        S("SELECT", "1"), S("MOVE", "k", "0"), S("GET", "k"), S("SELECT", "0"), S("GET", "k"),
        S("SETEX", "t", "100", "ttl"), S("MOVE", "t", "7"), S("SELECT", "7"), S("TTL", "t"),
        S("GET", "t"), S("SET", b"bin\x00key", b"\x00\xff"), S("MOVE", b"bin\x00key", "2"),
        S("SELECT", "2"), S("GET", b"bin\x00key"), S("MOVE", "k", "16"),
    ]),
    ("swapdb", [
        S("SWAPDB", "0", "16"), S("SWAPDB", "a", "1"), S("SWAPDB", "1", "b"), S("SWAPDB", "-1", "0"),
        S("SWAPDB", "a", "b"), S("SWAPDB", "99999999999", "0"), S("SWAPDB", "0", "99999999999"),
        S("SWAPDB", "0"), S("SWAPDB", "0", "1", "2"), S("SWAPDB", "0", "0"), S("SWAPDB", "1.0", "0"),
        S("MSET", "a", "0", "only0", "x"), S("SELECT", "1"), S("MSET", "a", "1", "only1", "y", "z", "z"),
        S("SWAPDB", "0", "1"), S("GET", "a"), S("DBSIZE"), S("KEYS", "*"), S("SELECT", "0"),
        S("GET", "a"), S("DBSIZE"), S("KEYS", "*"), S("SWAPDB", "1", "0"), S("GET", "a"),
        S("SWAPDB", "0", "5"), S("DBSIZE"), S("SELECT", "5"), S("DBSIZE"), S("GET", "only0"),
        S("SWAPDB", "15", "14"), S("INFO", "keyspace"),
    ]),
    ("swapdb seen by other connections", [
        C(1, "SELECT", "1"), C(2, "SELECT", "2"), C(1, "SET", "k", "one"), C(2, "SET", "k", "two"),
        C(0, "SWAPDB", "1", "2"), C(1, "GET", "k"), C(2, "GET", "k"), C(1, "SET", "n", "after"),
        C(2, "EXISTS", "n"), C(0, "SELECT", "2"), C(0, "GET", "n"), C(0, "SWAPDB", "2", "0"),
        C(0, "GET", "n"), C(0, "SELECT", "0"), C(0, "GET", "n"), C(2, "GET", "k"),
        C(1, "DBSIZE"), C(2, "DBSIZE"), C(0, "DBSIZE"), C(1, "FLUSHDB"), C(0, "DBSIZE"),
        C(2, "SELECT", "1"), C(2, "DBSIZE"), C(0, "INFO", "keyspace"),
    ]),
    ("flushdb and flushall", [
        S("SET", "a", "0"), S("SELECT", "4"), S("SET", "a", "4"), S("SET", "b", "4"),
        S("SELECT", "9"), S("SET", "a", "9"), S("SELECT", "4"), S("FLUSHDB", "x"),
        S("FLUSHDB", "sync", "x"), S("FLUSHDB"), S("DBSIZE"), S("GET", "a"), S("SELECT", "0"),
        S("GET", "a"), S("SELECT", "9"), S("GET", "a"), S("FLUSHDB", "ASYNC"), S("DBSIZE"),
        S("SELECT", "0"), S("FLUSHDB", "sync"), S("DBSIZE"), S("SELECT", "4"), S("SET", "x", "1"),
        S("SELECT", "8"), S("SET", "x", "1"), S("FLUSHALL"), S("DBSIZE"), S("SELECT", "4"),
        S("DBSIZE"), S("INFO", "keyspace"),
    ]),
    ("copy across databases", [
        S("SET", "a", "v"), S("COPY", "a", "b", "DB", "2"), S("COPY", "a", "a", "DB", "2"),
        S("COPY", "a", "a", "DB", "0"), S("COPY", "a", "a"), S("COPY", "a", "a", "DB", "16"),
        S("COPY", "a", "a", "DB", "-1"), S("COPY", "a", "a", "DB", "x"), S("COPY", "a", "a", "DB"),
        S("COPY", "a", "a", "DB", "2", "DB", "0"), S("SET", "a", "w"), S("COPY", "a", "a", "DB", "2"),
        S("COPY", "a", "a", "DB", "2", "REPLACE"), S("SETEX", "t", "100", "x"),
        S("COPY", "t", "t", "DB", "3"), S("SELECT", "2"), S("GET", "a"), S("GET", "b"),
        S("COPY", "b", "b", "DB", "0"), S("COPY", "b", "c", "db", "0"), S("SELECT", "0"),
        S("GET", "c"), S("SELECT", "3"), S("TTL", "t"), S("DBSIZE"),
    ]),
    ("info keyspace", [
        S("INFO", "keyspace"), S("SET", "a", "1"), S("SELECT", "2"), S("SET", "a", "1"),
        S("SET", "b", "2", "EX", "1000"), S("SELECT", "15"), S("SET", "z", "1", "PX", "500000"),
        S("INFO", "keyspace"), S("DEL", "z"), S("INFO", "keyspace"), S("SELECT", "0"),
        S("DEL", "a"), S("INFO", "keyspace"),
    ]),
    ("scan and randomkey in a database", [
        S("SELECT", "6"), S("RANDOMKEY"), S("SCAN", "0"), S("SET", "only", "1"), S("RANDOMKEY"),
        S("SELECT", "0"), S("RANDOMKEY"), S("SET", "zero", "0"), S("RANDOMKEY"), S("SELECT", "6"),
        S("RANDOMKEY"),
    ]),
]

# Whole SCAN iterations in database 4, with keys in databases 0 and 4: (options, expected set).
SCAN_KEYS = [b"k:%d" % i for i in range(120)] + [b"a\x00b", b"\xff"]
SCAN_OPTIONS = [[], ["COUNT", "3"], ["MATCH", "k:1*"], ["TYPE", "string"]]


class Connection:
    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
        self.buffer = b""

    def close(self):
        self.sock.close()

    def _fill(self):
        chunk = self.sock.recv(65536)
        if not chunk:
            raise ConnectionError("closed")
        self.buffer += chunk

    def _line(self, pos):
        while True:
            end = self.buffer.find(b"\r\n", pos)
            if end >= 0:
                return end
            self._fill()

    def _element(self, pos):
        """End of the RESP element starting at pos."""
        end = self._line(pos)
        kind = self.buffer[pos:pos + 1]
        if kind in (b"+", b"-", b":"):
            return end + 2
        n = int(self.buffer[pos + 1:end])
        if kind == b"$":
            if n < 0:
                return end + 2
            while len(self.buffer) < end + 2 + n + 2:
                self._fill()
            return end + 2 + n + 2
        if kind == b"*":
            pos = end + 2
            for _ in range(max(n, 0)):
                pos = self._element(pos)
            return pos
        raise ValueError(f"bad reply {self.buffer[pos:end]!r}")

    def call(self, *args):
        """The raw bytes of the reply to one request."""
        self.sock.sendall(resp_request(*args))
        end = self._element(0)
        reply, self.buffer = self.buffer[:end], self.buffer[end:]
        return reply


def parse(raw):
    """A raw reply as Python values (bulks as bytes, errors as ("-", text))."""
    def element(pos):
        end = raw.index(b"\r\n", pos)
        kind, body = raw[pos:pos + 1], raw[pos + 1:end]
        if kind == b"+":
            return body, end + 2
        if kind == b"-":
            return ("-", body), end + 2
        if kind == b":":
            return int(body), end + 2
        n = int(body)
        if kind == b"$":
            return (None, end + 2) if n < 0 else (raw[end + 2:end + 2 + n], end + 4 + n)
        items, pos = [], end + 2
        for _ in range(n):
            item, pos = element(pos)
            items.append(item)
        return items, pos
    return element(0)[0]


def normalise(args, raw):
    name = args[0].upper() if isinstance(args[0], str) else args[0]
    if name == "KEYS" and raw.startswith(b"*"):
        return ("keys", sorted(parse(raw)))
    if name == "INFO" and raw.startswith(b"$"):
        return ("info", re.sub(rb"avg_ttl=\d+", b"avg_ttl=*", parse(raw)))
    return raw


def run_steps(port, steps):
    conns = {}
    replies = []
    Connection(port).call("FLUSHALL")
    for conn, args in steps:
        if conn not in conns:
            conns[conn] = Connection(port)
        replies.append(normalise(args, conns[conn].call(*args)))
    for c in conns.values():
        c.close()
    return replies


def scan_all(conn, options):
    keys, cursor = set(), b"0"
    for _ in range(100000):
        reply = parse(conn.call("SCAN", cursor, *options))
        cursor = reply[0]
        keys.update(reply[1])
        if cursor == b"0":
            return keys
    raise AssertionError("SCAN did not end")


def run_scans(port):
    conn = Connection(port)
    conn.call("FLUSHALL")
    for key in SCAN_KEYS:
        conn.call("SET", key, "zero")  # database 0: never in database 4's scans
    conn.call("SET", "only-in-0", "x")
    conn.call("SELECT", "4")
    for key in SCAN_KEYS:
        conn.call("SET", key, "four")
    results = [sorted(scan_all(conn, options)) for options in SCAN_OPTIONS]
    conn.close()
    return results


def compare(check, name, memkv_port, redis_port):
    for scenario, steps in SCENARIOS:
        ours, theirs = run_steps(memkv_port, steps), run_steps(redis_port, steps)
        for (conn, args), mine, want in zip(steps, ours, theirs):
            check.expect(mine == want, f"{name}: {scenario}: conn {conn} {args!r}: memkv {mine!r}, "
                         f"redis-server {want!r}")
    check.expect(run_scans(memkv_port) == run_scans(redis_port),
                 f"{name}: whole SCAN iterations in database 4 differ")


def binary_get(port, key):
    """memcached binary GET: (status, value)."""
    with socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT) as sock:
        sock.sendall(struct.pack(">BBHBBHIIQ", 0x80, 0x00, len(key), 0, 0, 0, len(key), 0, 0) + key)
        header = b""
        while len(header) < 24:
            header += sock.recv(24 - len(header))
        status = struct.unpack(">H", header[6:8])[0]
        body_len = struct.unpack(">I", header[8:12])[0]
        extras_len = header[4]
        body = b""
        while len(body) < body_len:
            body += sock.recv(body_len - len(body))
        return status, body[extras_len:]


def text(port, request, ends=(b"END\r\n", b"EN\r\n", b"HD\r\n", b"STORED\r\n", b"OK\r\n")):
    """A memcached text or meta request's reply, read until it ends with one of `ends`."""
    with socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT) as sock:
        sock.sendall(request)
        return read_until(sock, ends)  # endswith takes the tuple


def check_memcached_sees_database_zero(check, name, port):
    conn = Connection(port)  # RESP on the shared port
    conn.call("FLUSHALL")
    conn.call("SELECT", "3")
    conn.call("SET", "mk", "three")
    check.expect(text(port, b"get mk\r\n") == b"END\r\n", f"{name}: text get sees database 3")
    check.expect(text(port, b"mg mk v\r\n") == b"EN\r\n", f"{name}: meta mg sees database 3")
    check.expect(binary_get(port, b"mk")[0] == 1, f"{name}: binary get sees database 3")
    check.expect(text(port, b"set mk 0 0 4\r\nzero\r\n") == b"STORED\r\n", f"{name}: text set")
    check.expect(conn.call("GET", "mk") == b"$5\r\nthree\r\n",
                 f"{name}: a memcached set reached database 3")
    check.expect(text(port, b"get mk\r\n") == b"VALUE mk 0 4\r\nzero\r\nEND\r\n",
                 f"{name}: text get of database 0")
    check.expect(binary_get(port, b"mk") == (0, b"zero"), f"{name}: binary get of database 0")
    # SWAPDB moves what memcached sees: it uses database 0 by number, as a RESP client would.
    conn.call("SWAPDB", "0", "3")
    check.expect(text(port, b"get mk\r\n") == b"VALUE mk 0 5\r\nthree\r\nEND\r\n",
                 f"{name}: after SWAPDB 0 3 memcached sees the former database 3")
    check.expect(text(port, b"mg mk v\r\n", (b"EN\r\n", b"three\r\n")) == b"VA 5\r\nthree\r\n",
                 f"{name}: meta mg after SWAPDB")
    check.expect(conn.call("GET", "mk") == b"$4\r\nzero\r\n", f"{name}: RESP in 3 after SWAPDB")
    # flush_all empties every database, as FLUSHALL does.
    text(port, b"flush_all\r\n")
    check.expect(conn.call("DBSIZE") == b":0\r\n", f"{name}: flush_all left database 3")
    conn.close()


def redis_cli(port, *args, stdin=None):
    return subprocess.run(["redis-cli", "-h", "127.0.0.1", "-p", str(port), *args], input=stdin,
                          capture_output=True, text=True, timeout=30).stdout


def client_outputs(port):
    """What redis-cli -n and redis-py Redis(db=...) see on a server."""
    out = []
    redis_cli(port, "FLUSHALL")
    out.append(redis_cli(port, "-n", "3", "SET", "cli", "three"))
    out.append(redis_cli(port, "-n", "3", "GET", "cli"))
    out.append(redis_cli(port, "GET", "cli"))
    out.append(redis_cli(port, "-n", "3", "DBSIZE"))
    out.append(redis_cli(port, "-n", "3", stdin="SET b 2\nKEYS b\nSELECT 4\nDBSIZE\n"))
    out.append(redis_cli(port, "-n", "16", "PING"))
    five = redis.Redis(host="127.0.0.1", port=port, db=5, socket_timeout=TIMEOUT)
    zero = redis.Redis(host="127.0.0.1", port=port, db=0, socket_timeout=TIMEOUT)
    out.append(five.set("py", "five"))
    out.append(five.get("py"))
    out.append(zero.get("py"))
    out.append(five.dbsize())
    out.append(five.move("py", 0))
    out.append(zero.get("py"))
    out.append(zero.swapdb(0, 5))
    out.append(five.get("py"))
    out.append(sorted(zero.info("keyspace").items()))
    five.close()
    zero.close()
    return out


def check_database_count(check, binary):
    with MemkvServer(binary, ["--databases", "4"]) as server:
        conn = Connection(server.port)
        check.expect(conn.call("SELECT", "3") == b"+OK\r\n", "--databases 4: SELECT 3")
        check.expect(conn.call("SELECT", "4") == b"-ERR DB index is out of range\r\n",
                     "--databases 4: SELECT 4")
        check.expect(conn.call("SWAPDB", "0", "4") == b"-ERR DB index is out of range\r\n",
                     "--databases 4: SWAPDB 0 4")
        check.expect(conn.call("CONFIG", "GET", "databases") ==
                     b"*2\r\n$9\r\ndatabases\r\n$1\r\n4\r\n", "--databases 4: CONFIG GET")
        conn.close()
    with tempfile.NamedTemporaryFile("w", suffix=".conf", delete=False) as f:
        f.write("# test\ndatabases 2\n")
        path = f.name
    try:
        with MemkvServer(binary, ["--config", path]) as server:
            conn = Connection(server.port)
            check.expect(conn.call("SELECT", "2") == b"-ERR DB index is out of range\r\n",
                         "config file databases 2: SELECT 2")
            check.expect(conn.call("CONFIG", "GET", "databases") ==
                         b"*2\r\n$9\r\ndatabases\r\n$1\r\n2\r\n", "config file: CONFIG GET")
            conn.close()
    finally:
        os.unlink(path)
    for bad in ("0", "65537", "x"):
        result = subprocess.run([binary, "-p", str(free_port()), "-l", "127.0.0.1",
                                 "--databases", bad], capture_output=True, text=True, timeout=30)
        check.expect(result.returncode != 0 and "--databases" in result.stderr,
                     f"--databases {bad} refused: {result.returncode} {result.stderr!r}")


def main():
    args = test_arguments()
    check = Checker()
    redis_server = shutil.which("redis-server")
    if redis_server is None:
        print("SKIP redis comparison: redis-server not installed")
    with (redis_oracle(redis_server) if redis_server else open(os.devnull)) as oracle:
        client_expected = client_outputs(oracle.port) if redis_server else None
        for mode in available_modes(args.binary, args.modes):
            for io in args.ios:
                name = f"{mode} x {io}"
                with MemkvServer(args.binary, ["--mode", mode, "--io", io]) as memkv:
                    if redis_server:
                        compare(check, name, memkv.port, oracle.port)
                        got = client_outputs(memkv.port)
                        check.expect(got == client_expected,
                                     f"{name}: redis-cli -n / redis-py db=: memkv {got!r}, "
                                     f"redis-server {client_expected!r}")
                    check_memcached_sees_database_zero(check, name, memkv.port)
                print(f"{name}: done", flush=True)
    check_database_count(check, args.binary)
    return check.exit_status()


if __name__ == "__main__":
    sys.exit(main())
