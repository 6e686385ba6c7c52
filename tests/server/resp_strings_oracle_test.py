"""The RESP string and keyspace commands against a real redis-server 7.0.15, byte for byte.

Each scenario is a list of requests sent, on a fresh connection after FLUSHALL, to memkv and to a
redis-server this test starts (both with `--databases 1`, so that COPY ... DB 1 is out of range on
both; databases_oracle_test.py covers several databases); every reply must
be the same bytes. Covered: INCRBYFLOAT, GETRANGE, SUBSTR, SETRANGE, SETBIT, GETBIT, BITCOUNT,
BITPOS, LCS, RENAME, RENAMENX, COPY, KEYS, SCAN, RANDOMKEY and TIME, with their error cases (wrong arity, bad numbers, bad options),
edge cases (negative offsets, ranges past the end, missing keys, zero padding) and TTLs.

Normalised, and why:
- KEYS: the keys are compared as a sorted list (both servers answer in hash-table order, which
  differs).
- SCAN: cursors are each server's own positions, so a scenario runs a whole iteration on both and
  compares the set of keys returned (each key at least once, none that does not match); error
  replies are compared byte for byte, and so is a scan of an empty keyspace ("0" and nothing).
- RANDOMKEY: with one key it is that key on both (compared as bytes); with several, memkv's
  answer must be one of them.
- TIME: the clock differs between two calls; the reply's shape (two bulks of decimal digits) and
  a difference of at most 5 seconds from redis-server's are checked.

Then, on memkv alone: a memcached `get` sees the bytes RESP wrote (SETRANGE, INCRBYFLOAT, SETBIT,
RENAME, COPY), with the item's client flags kept; memkv's own limit (`-I`, 1 MB by default) for
a SETRANGE or SETBIT past it, where redis-server (512 MB) would grow the string, and for LCS's
table; and SETRANGE,
INCRBYFLOAT, APPEND and RENAME from several connections at once, which must lose no update and
never lose or double a value.

Usage: resp_strings_oracle_test.py --binary path/to/memkv
Skips the comparison, saying so, when no redis-server is on PATH.
"""

import re
import shutil
import socket
import sys

from memkv_server import MemkvServer, read_until, redis_oracle, resp_request, test_arguments

TIMEOUT = 10.0

# (name, requests). Every request's reply is compared byte for byte.
SCENARIOS = [
    ("incrbyfloat", [
        ["INCRBYFLOAT", "f", "10.5"], ["INCRBYFLOAT", "f", "0.1"], ["GET", "f"],
        ["INCRBYFLOAT", "f", "-5"], ["INCRBYFLOAT", "f", "5.0e3"], ["INCRBYFLOAT", "f", "-5005.6"],
        ["GET", "f"], ["INCRBYFLOAT", "f", "-0"], ["INCRBYFLOAT", "n", "3"],
        ["INCRBYFLOAT", "n", "1.5"], ["INCRBYFLOAT", "n", "0x10"], ["INCRBYFLOAT", "n", "1e308"],
        ["INCRBYFLOAT", "n", "1e4000"], ["INCRBYFLOAT", "p", "1.23456789012345678"],
        ["INCRBYFLOAT", "q", "0.1"], ["INCRBYFLOAT", "q", "0.2"],
        ["INCRBYFLOAT", "q", "-0.30000000000000004"],
        ["INCRBYFLOAT", "f", "abc"], ["INCRBYFLOAT", "f", ""], ["INCRBYFLOAT", "f", " 1"],
        ["INCRBYFLOAT", "f", "1 "], ["INCRBYFLOAT", "f", "nan"], ["INCRBYFLOAT", "f", "inf"],
        ["INCRBYFLOAT", "f", "-inf"], ["INCRBYFLOAT", "f", "1e-5000"],
        ["INCRBYFLOAT", "f", b"1\x002"], ["SET", "s", "hello"], ["INCRBYFLOAT", "s", "1"],
        ["SET", "inf", "inf"], ["INCRBYFLOAT", "inf", "1"], ["SET", "e", "1e2"],
        ["INCRBYFLOAT", "e", "1"], ["SET", "t", "7"], ["EXPIRE", "t", "100"],
        ["INCRBYFLOAT", "t", "0.5"], ["TTL", "t"], ["INCRBYFLOAT", "f"],
        ["INCRBYFLOAT", "f", "1", "2"], ["incrbyfloat", "f", "+.5"],
    ]),
    ("getrange", [
        ["GETRANGE", "missing", "0", "-1"], ["SET", "s", "This is a string"],
        ["GETRANGE", "s", "0", "3"], ["GETRANGE", "s", "-3", "-1"], ["GETRANGE", "s", "0", "-1"],
        ["GETRANGE", "s", "10", "100"], ["GETRANGE", "s", "5", "3"], ["GETRANGE", "s", "-1", "-5"],
        ["GETRANGE", "s", "-100", "-50"], ["GETRANGE", "s", "-100", "2"],
        ["GETRANGE", "s", "100", "200"], ["GETRANGE", "s", "0", "0"],
        ["GETRANGE", "s", "-9223372036854775808", "9223372036854775807"],
        ["GETRANGE", "s", "a", "1"], ["GETRANGE", "s", "0", "1.5"],
        ["GETRANGE", "s", "0", "9223372036854775808"], ["GETRANGE", "missing", "x", "1"],
        ["GETRANGE", "s", "0"], ["GETRANGE", "s", "0", "1", "2"], ["SET", "e", ""],
        ["GETRANGE", "e", "0", "-1"], ["GETRANGE", "e", "-1", "0"],
        ["SUBSTR", "s", "0", "3"], ["SUBSTR", "s", "-6", "-1"], ["SUBSTR", "missing", "0", "1"],
        ["SUBSTR", "s", "0"], ["SUBSTR", "s", "x", "0"], ["SET", "n", "12345"],
        ["GETRANGE", "n", "1", "2"], ["SET", "b", b"a\x00b\r\nc"], ["GETRANGE", "b", "1", "4"],
    ]),
    ("setrange", [
        ["SETRANGE", "k", "5", "hello"], ["GET", "k"], ["STRLEN", "k"],
        ["SETRANGE", "k", "0", "HE"], ["GET", "k"], ["SETRANGE", "k", "8", "LLOWORLD"],
        ["GET", "k"], ["SETRANGE", "k", "3", ""], ["SETRANGE", "k", "100000000000", ""],
        ["SETRANGE", "missing", "3", ""], ["EXISTS", "missing"],
        ["SETRANGE", "missing", "100000000000", ""],
        ["SETRANGE", "k", "-1", "x"], ["SETRANGE", "k", "-1", ""], ["SETRANGE", "k", "x", "y"],
        ["SETRANGE", "k", "1.0", "y"], ["SETRANGE", "k", "536870911", "xx"],
        ["SETRANGE", "k", "536870912", "x"], ["SETRANGE", "k", "9223372036854775807", "x"],
        ["SETRANGE", "new", "536870912", "x"], ["EXISTS", "new"],
        ["SETRANGE", "k", "1"], ["SETRANGE", "k", "1", "2", "3"], ["SET", "t", "abc"],
        ["PEXPIRE", "t", "100000"], ["SETRANGE", "t", "1", "ZZZ"], ["GET", "t"], ["PTTL", "t"],
        ["SETRANGE", "bin", "2", b"\x00\r\n"], ["GET", "bin"],
        ["SET", "n", "100"], ["SETRANGE", "n", "1", "5"], ["INCR", "n"],
    ]),
    ("rename", [
        ["RENAME", "a", "b"], ["RENAMENX", "a", "b"], ["SET", "a", "1"],
        ["RENAME", "a", "a"], ["RENAMENX", "a", "a"], ["RENAME", "a", "b"], ["EXISTS", "a"],
        ["GET", "b"], ["SET", "c", "3"], ["RENAMENX", "b", "c"], ["GET", "b"], ["GET", "c"],
        ["RENAME", "b", "c"], ["GET", "c"], ["EXISTS", "b"], ["RENAMENX", "c", "d"], ["GET", "d"],
        ["SETEX", "d", "100", "v"], ["RENAME", "d", "e"], ["TTL", "e"], ["TTL", "d"],
        ["SET", "f", "x"], ["RENAME", "e", "f"], ["TTL", "f"], ["SET", "g", "y"],
        ["RENAME", "missing", "missing"], ["RENAME", "a"], ["RENAME", "a", "b", "c"],
        ["RENAMENX", "a"], ["rename", "f", b"\x00"], ["GET", b"\x00"],
    ]),
    ("copy", [
        ["COPY", "a", "b"], ["SET", "a", "1"], ["COPY", "a", "b"], ["GET", "b"], ["GET", "a"],
        ["SET", "a", "2"], ["COPY", "a", "b"], ["GET", "b"], ["COPY", "a", "b", "REPLACE"],
        ["GET", "b"], ["COPY", "a", "a"], ["COPY", "missing", "missing"],
        ["COPY", "a", "c", "DB", "0"], ["GET", "c"], ["COPY", "a", "c", "DB", "1"],
        ["COPY", "a", "c", "DB", "-1"], ["COPY", "a", "c", "DB", "x"],
        ["COPY", "a", "c", "DB", "99999999999"], ["COPY", "a", "c", "DB"],
        ["COPY", "a", "c", "REPLACE", "DB", "0"], ["COPY", "a", "c", "replace", "replace"],
        ["COPY", "a", "c", "FOO"], ["COPY", "a", "a", "FOO"], ["COPY", "a", "a", "DB", "5"],
        ["COPY", "a"], ["SETEX", "t", "100", "v"], ["COPY", "t", "u"], ["TTL", "u"],
        ["COPY", "missing", "u", "REPLACE"], ["GET", "u"],
    ]),
    ("keys", [
        ["KEYS", "*"], ["MSET", "one", "1", "two", "2", "three", "3", "four", "4", "Five", "5"],
        ["SET", "a*b", "x"], ["SET", "a?b", "x"], ["KEYS"], ["KEYS", "a", "b"],
        ["SET", "gone", "x"], ["PEXPIREAT", "gone", "1"],
    ]),
    ("scan errors", [
        ["SCAN", "0"], ["SCAN", "x"], ["SCAN", "-1"], ["SCAN", "1x"], ["SCAN", " 1"],
        ["SCAN", "18446744073709551616"], ["SCAN", "0", "COUNT"], ["SCAN", "0", "COUNT", "0"],
        ["SCAN", "0", "COUNT", "-1"], ["SCAN", "0", "COUNT", "x"], ["SCAN", "0", "MATCH"],
        ["SCAN", "0", "TYPE"], ["SCAN", "0", "FOO", "bar"], ["SCAN"], ["SCAN", "0", "COUNT", "5"],
        ["SCAN", "0", "MATCH", "*", "COUNT", "100", "TYPE", "string"],
    ]),
    ("setbit getbit", [
        ["SETBIT", "b", "7", "1"], ["GET", "b"], ["SETBIT", "b", "7", "1"], ["SETBIT", "b", "7", "0"],
        ["GET", "b"], ["SETBIT", "b", "100", "0"], ["STRLEN", "b"], ["GET", "b"],
        ["GETBIT", "b", "0"], ["GETBIT", "b", "100"], ["GETBIT", "b", "999999"],
        ["GETBIT", "missing", "5"], ["SETBIT", "z", "0", "0"], ["GET", "z"],
        ["SET", "s", "A"], ["GETBIT", "s", "1"], ["GETBIT", "s", "7"], ["GETBIT", "s", "2"],
        ["SETBIT", "s", "2", "1"], ["GET", "s"], ["SETBIT", "s", "-1", "1"],
        ["SETBIT", "s", "x", "1"], ["SETBIT", "s", "4294967296", "x"],
        ["SETBIT", "s", "4294967295", "2"], ["SETBIT", "s", "0", "-1"], ["SETBIT", "s", "0", "x"],
        ["SETBIT", "s", "0", "01"], ["SETBIT", "s", "0", "true"], ["GETBIT", "s", "-1"],
        ["GETBIT", "s", "4294967296"], ["GETBIT", "s", "1.5"], ["GETBIT", "s", b"1\x00x"],
        ["SETBIT", "s"], ["SETBIT", "s", "1"], ["GETBIT", "s"], ["GETBIT", "s", "1", "2"],
        ["SETEX", "t", "100", "a"], ["SETBIT", "t", "31", "1"], ["TTL", "t"], ["GET", "t"],
    ]),
    ("bitcount", [
        ["BITCOUNT", "missing"], ["BITCOUNT", "missing", "x", "y"], ["BITCOUNT", "missing", "0"],
        ["SET", "s", "foobar"], ["BITCOUNT", "s"], ["BITCOUNT", "s", "0", "0"],
        ["BITCOUNT", "s", "1", "1"], ["BITCOUNT", "s", "1", "1", "BYTE"],
        ["BITCOUNT", "s", "5", "30", "BIT"], ["BITCOUNT", "s", "5", "30", "bit"],
        ["BITCOUNT", "s", "-1", "-1"], ["BITCOUNT", "s", "-3", "-1", "BIT"],
        ["BITCOUNT", "s", "-1", "-3"], ["BITCOUNT", "s", "2", "1"], ["BITCOUNT", "s", "0", "100"],
        ["BITCOUNT", "s", "-100", "-50"], ["BITCOUNT", "s", "-100", "100", "BIT"],
        ["BITCOUNT", "s", "3", "3", "BIT"], ["BITCOUNT", "s", "1", "6", "BIT"],
        ["BITCOUNT", "s", "0"], ["BITCOUNT", "s", "0", "1", "WORD"],
        ["BITCOUNT", "s", "0", "1", "BIT", "x"], ["BITCOUNT", "s", "a", "1"],
        ["BITCOUNT", "s", "0", "b"], ["BITCOUNT"], ["SET", "e", ""], ["BITCOUNT", "e"],
        ["BITCOUNT", "e", "0", "-1"], ["BITCOUNT", "e", "0", "-1", "BIT"],
        ["SET", "f", b"\xff\xf0\x00"], ["BITCOUNT", "f", "4", "12", "BIT"],
        ["BITCOUNT", "f", "-9", "-1", "BIT"],
    ]),
    ("bitpos", [
        ["BITPOS", "missing", "1"], ["BITPOS", "missing", "0"], ["BITPOS", "missing", "0", "5"],
        ["BITPOS", "missing", "2"], ["BITPOS", "missing", "x"],
        ["SET", "s", b"\xff\xf0\x00"], ["BITPOS", "s", "0"], ["BITPOS", "s", "1"],
        ["BITPOS", "s", "1", "2"], ["BITPOS", "s", "0", "0", "0"], ["BITPOS", "s", "1", "2", "-1"],
        ["BITPOS", "s", "1", "7", "15", "BIT"], ["BITPOS", "s", "0", "7", "15", "BIT"],
        ["BITPOS", "s", "0", "0", "11", "BIT"], ["BITPOS", "s", "1", "12", "-1", "BIT"],
        ["BITPOS", "s", "0", "3", "3", "BIT"], ["BITPOS", "s", "1", "3", "3", "BIT"],
        ["BITPOS", "s", "0", "2", "1"], ["BITPOS", "s", "0", "-1"], ["BITPOS", "s", "1", "-100"],
        ["BITPOS", "s", "0", "1", "100"], ["BITPOS", "s", "1", "0", "-1", "byte"],
        ["BITPOS", "s", "1", "0", "-1", "WORD"], ["BITPOS", "s", "1", "x"],
        ["BITPOS", "s", "1", "0", "y"], ["BITPOS", "s", "1", "0", "1", "BIT", "x"],
        ["BITPOS", "s"], ["BITPOS", "s", "-1"], ["SET", "ones", b"\xff\xff"],
        ["BITPOS", "ones", "0"], ["BITPOS", "ones", "0", "0"], ["BITPOS", "ones", "0", "0", "-1"],
        ["BITPOS", "ones", "0", "1", "14", "BIT"], ["SET", "e", ""], ["BITPOS", "e", "0"],
        ["BITPOS", "e", "1"], ["SET", "zeros", b"\x00\x00"], ["BITPOS", "zeros", "1"],
        ["BITPOS", "zeros", "0", "9"], ["BITPOS", "zeros", "1", "0", "15", "BIT"],
        ["BITPOS", "zeros", "0", "-1", "-1", "BIT"],
    ]),
    ("lcs", [
        ["LCS", "a", "b"], ["LCS", "a", "b", "LEN"], ["LCS", "a", "b", "IDX"],
        ["MSET", "key1", "ohmytext", "key2", "mynewtext"], ["LCS", "key1", "key2"],
        ["LCS", "key1", "key2", "LEN"], ["LCS", "key1", "key2", "IDX"],
        ["LCS", "key1", "key2", "IDX", "MINMATCHLEN", "4"],
        ["LCS", "key1", "key2", "IDX", "MINMATCHLEN", "4", "WITHMATCHLEN"],
        ["LCS", "key1", "key2", "idx", "withmatchlen", "minmatchlen", "-5"],
        ["LCS", "key1", "key2", "WITHMATCHLEN"], ["LCS", "key1", "key2", "MINMATCHLEN", "2"],
        ["LCS", "key1", "key2", "LEN", "IDX"], ["LCS", "key1", "key2", "IDX", "LEN"],
        ["LCS", "key1", "key2", "MINMATCHLEN"], ["LCS", "key1", "key2", "MINMATCHLEN", "x"],
        ["LCS", "key1", "key2", "FOO"], ["LCS", "key1"], ["LCS", "key1", "missing"],
        ["LCS", "key1", "key1", "IDX", "WITHMATCHLEN"], ["MSET", "x", "aXbXcXd", "y", "abcdXXXX"],
        ["LCS", "x", "y"], ["LCS", "y", "x"], ["LCS", "x", "y", "IDX", "WITHMATCHLEN"],
        ["LCS", "y", "x", "IDX"], ["SET", "z", b"a\x00b\r\n"], ["LCS", "z", "x"],
        ["LCS", "z", "z", "IDX"],
    ]),
    ("randomkey and time arity", [
        ["RANDOMKEY"], ["SET", "only", "1"], ["RANDOMKEY"], ["RANDOMKEY", "x"], ["TIME", "x"],
        ["DEL", "only"], ["RANDOMKEY"],
    ]),
]

# Whole SCAN iterations compared as key sets: (options, keys to store first).
SCAN_KEYS = [b"user:%d" % i for i in range(300)] + [b"item:%d" % i for i in range(50)] + \
    [b"USER:x", b"a\x00b", b"\xff\xfe"]
SCANS = [
    [], ["COUNT", "1"], ["COUNT", "1000"], ["MATCH", "user:*"], ["MATCH", "user:1?"],
    ["MATCH", "USER:*"], ["MATCH", "*:[0-4]", "COUNT", "7"], ["TYPE", "string"], ["TYPE", "list"],
    ["TYPE", "STRING", "MATCH", "item:*"], ["MATCH", "nothing*"],
]


class Connection:
    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
        self.buffer = b""

    def _line(self):
        while b"\r\n" not in self.buffer:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("closed")
            self.buffer += chunk
        line, self.buffer = self.buffer.split(b"\r\n", 1)
        return line + b"\r\n"

    def _exact(self, n):
        while len(self.buffer) < n:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("closed")
            self.buffer += chunk
        data, self.buffer = self.buffer[:n], self.buffer[n:]
        return data

    def reply(self):
        """The exact bytes of one reply."""
        line = self._line()
        if line[:1] == b"$" and int(line[1:-2]) >= 0:
            return line + self._exact(int(line[1:-2]) + 2)
        if line[:1] == b"*" and int(line[1:-2]) >= 0:
            return line + b"".join(self.reply() for _ in range(int(line[1:-2])))
        return line

    def call(self, *args):
        self.sock.sendall(resp_request(*args))
        return self.reply()

    def close(self):
        self.sock.close()


def parse(reply):
    """A reply's value: bytes, int, None, or a list (for normalising KEYS, SCAN, TIME)."""
    def one(data, i):
        end = data.index(b"\r\n", i)
        kind, rest = data[i:i + 1], data[i + 1:end]
        if kind == b"$":
            n = int(rest)
            if n < 0:
                return None, end + 2
            return data[end + 2:end + 2 + n], end + 4 + n
        if kind == b"*":
            items, j = [], end + 2
            for _ in range(int(rest)):
                item, j = one(data, j)
                items.append(item)
            return items, j
        if kind == b":":
            return int(rest), end + 2
        return data[i:end], end + 2
    return one(reply, 0)[0]


class Checker:
    def __init__(self):
        self.failures = 0
        self.checks = 0

    def expect(self, ok, what):
        self.checks += 1
        if not ok:
            self.failures += 1
            print(f"FAIL {what}")


def fresh(port):
    conn = Connection(port)
    assert conn.call("FLUSHALL") == b"+OK\r\n"
    return conn


def run_scenarios(check, memkv_port, redis_port):
    for name, requests in SCENARIOS:
        memkv, redis = fresh(memkv_port), fresh(redis_port)
        for request in requests:
            got, want = memkv.call(*request), redis.call(*request)
            check.expect(got == want, f"{name}: {request!r}: memkv {got!r}, redis-server {want!r}")
        if name == "keys":
            for pattern in ["*", "*o*", "t??", "[ot]*", "a\\*b", "a?b", "F*", "f*", "nothing"]:
                got = sorted(parse(memkv.call("KEYS", pattern)))
                want = sorted(parse(redis.call("KEYS", pattern)))
                check.expect(got == want, f"KEYS {pattern}: memkv {got!r}, redis-server {want!r}")
        memkv.close()
        redis.close()


def full_scan(conn, options):
    keys, cursor, calls = [], b"0", 0
    while True:
        reply = parse(conn.call("SCAN", cursor, *options))
        cursor, batch = reply
        keys += batch
        calls += 1
        if cursor == b"0" or calls > 100000:
            return keys


def run_scans(check, memkv_port, redis_port):
    memkv, redis = fresh(memkv_port), fresh(redis_port)
    for conn in (memkv, redis):
        for key in SCAN_KEYS:
            assert conn.call("SET", key, "v") == b"+OK\r\n"
    for options in SCANS:
        got = full_scan(memkv, options)
        want = full_scan(redis, options)
        check.expect(set(got) == set(want),
                     f"SCAN {options}: memkv {sorted(set(got))[:5]!r}... ({len(set(got))}), "
                     f"redis-server {sorted(set(want))[:5]!r}... ({len(set(want))})")
    # RANDOMKEY among several keys: one of them.
    stored = set(SCAN_KEYS)
    for _ in range(20):
        key = parse(memkv.call("RANDOMKEY"))
        check.expect(key in stored, f"RANDOMKEY answered {key!r}, not a stored key")
    memkv.close()
    redis.close()


def run_time(check, memkv_port, redis_port):
    memkv, redis = Connection(memkv_port), Connection(redis_port)
    got, want = memkv.call("TIME"), redis.call("TIME")
    shape = re.compile(rb"\*2\r\n\$\d+\r\n[1-9]\d*\r\n\$\d+\r\n(0|[1-9]\d{0,5})\r\n\Z")
    check.expect(shape.match(got) is not None, f"TIME shape: {got!r}")
    check.expect(shape.match(want) is not None, f"redis-server TIME shape: {want!r}")
    if shape.match(got) and shape.match(want):
        check.expect(abs(int(parse(got)[0]) - int(parse(want)[0])) <= 5,
                     f"TIME seconds: memkv {got!r}, redis-server {want!r}")
    memkv.close()
    redis.close()


def memcached_get(port, key):
    with socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT) as sock:
        sock.sendall(b"get %s\r\n" % key)
        return read_until(sock, b"END\r\n")


def run_shared_keyspace(check, memkv_port):
    conn = fresh(memkv_port)
    with socket.create_connection(("127.0.0.1", memkv_port), timeout=TIMEOUT) as sock:
        sock.sendall(b"set flagged 77 0 5\r\nhello\r\n")
        check.expect(read_until(sock, b"\r\n") == b"STORED\r\n", "memcached set")
    steps = [
        (["SETRANGE", "flagged", "7", "xy"], b"VALUE flagged 77 9\r\nhello\x00\x00xy\r\nEND\r\n"),
        (["INCRBYFLOAT", "f", "10.5"], None), (["INCRBYFLOAT", "f", "0.1"], None),
        (["RENAME", "flagged", "moved"], b"VALUE moved 77 9\r\nhello\x00\x00xy\r\nEND\r\n"),
        (["COPY", "moved", "copied"], b"VALUE copied 77 9\r\nhello\x00\x00xy\r\nEND\r\n"),
    ]
    for request, expected in steps:
        conn.call(*request)
        if expected is not None:
            key = b"flagged" if request[0] == "SETRANGE" else request[2].encode()
            got = memcached_get(memkv_port, key)
            check.expect(got == expected, f"memcached get after {request}: {got!r}")
    got = memcached_get(memkv_port, b"f")
    check.expect(got == b"VALUE f 0 4\r\n10.6\r\nEND\r\n", f"memcached get of INCRBYFLOAT: {got!r}")
    check.expect(memcached_get(memkv_port, b"flagged") == b"END\r\n", "RENAME left the source")
    with socket.create_connection(("127.0.0.1", memkv_port), timeout=TIMEOUT) as sock:
        sock.sendall(b"set bits 9 0 1\r\nA\r\n")
        check.expect(read_until(sock, b"\r\n") == b"STORED\r\n", "memcached set bits")
    check.expect(conn.call("SETBIT", "bits", "6", "1") == b":0\r\n", "SETBIT bits 6 1")
    got = memcached_get(memkv_port, b"bits")
    check.expect(got == b"VALUE bits 9 1\r\nC\r\nEND\r\n", f"memcached get after SETBIT: {got!r}")
    got = conn.call("SETBIT", "bigbits", str(8 * 2 * 1024 * 1024), "1")
    check.expect(got == b"-ERR string exceeds maximum allowed size (item size limit)\r\n",
                 f"SETBIT past -I: {got!r}")
    # LCS's transient table is bounded by max(-I, 1 MiB), the longest argument memkv keeps,
    # not by Redis's 512 MB proto-max-bulk-len.
    conn.call("SET", "lcs-a", "a" * 600)
    conn.call("SET", "lcs-b", "b" * 600)
    got = conn.call("LCS", "lcs-a", "lcs-b")
    check.expect(got == b"-ERR Insufficient memory, transient memory for LCS exceeds "
                 b"proto-max-bulk-len\r\n", f"LCS past the table bound: {got!r}")
    conn.call("SET", "lcs-c", "xa" * 200)  # (401 x 401) x 4 bytes: under the bound
    got = conn.call("LCS", "lcs-a", "lcs-c", "LEN")
    check.expect(got == b":200\r\n", f"LCS under the table bound: {got!r}")
    # memkv's item limit (-I 1m here) refuses what redis-server's 512 MB would allow.
    got = conn.call("SETRANGE", "big", str(2 * 1024 * 1024), "x")
    check.expect(got == b"-ERR string exceeds maximum allowed size (item size limit)\r\n",
                 f"SETRANGE past -I: {got!r}")
    check.expect(conn.call("EXISTS", "big") == b":0\r\n", "SETRANGE past -I stored nothing")
    got = conn.call("SETRANGE", "big", str(1024 * 1024 - 10), "x")
    check.expect(got == b":1048567\r\n", f"SETRANGE just under -I: {got!r}")
    got = conn.call("STRLEN", "big")
    check.expect(got == b":1048567\r\n", f"STRLEN after SETRANGE: {got!r}")
    conn.close()


def run_concurrent_rewrites(check, memkv_port):
    """Read-modify-writes from several connections at once (memkv serves them on several
    threads): none may lose another's update. Bounded by request counts."""
    import threading
    clients, rounds = 4, 300
    fresh(memkv_port).close()
    errors = []

    def work(t):
        try:
            conn = Connection(memkv_port)
            for i in range(rounds):
                # Each client owns every 4th byte of "patched" and adds 1.5 to "float".
                if conn.call("SETRANGE", "patched", str(i * clients + t), chr(65 + t))[:1] != b":":
                    errors.append("SETRANGE")
                if conn.call("INCRBYFLOAT", "float", "1.5")[:1] != b"$":
                    errors.append("INCRBYFLOAT")
                if conn.call("APPEND", "appended", chr(65 + t))[:1] != b":":
                    errors.append("APPEND")
            conn.close()
        except Exception as e:  # reported below, not lost in the thread
            errors.append(repr(e))

    threads = [threading.Thread(target=work, args=(t,)) for t in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    check.expect(not errors, f"concurrent rewrites: {errors[:3]}")
    conn = Connection(memkv_port)
    expected = bytes(65 + (j % clients) for j in range(rounds * clients))
    got = parse(conn.call("GET", "patched"))
    check.expect(got == expected, f"concurrent SETRANGE lost a patch: {got[:40]!r}...")
    got = parse(conn.call("GET", "float"))
    check.expect(got == b"%d" % (clients * rounds * 1.5), f"concurrent INCRBYFLOAT: {got!r}")
    got = parse(conn.call("GET", "appended"))
    check.expect(got is not None and sorted(got) == sorted(b"ABCD" * rounds),
                 f"concurrent APPEND: {got!r}")
    # Concurrent RENAMEs between two keys holding one value: it is never lost or doubled.
    conn.call("SET", "ping", "the-value")

    def bounce(t):
        try:
            c = Connection(memkv_port)
            for _ in range(rounds):
                c.call("RENAME", "ping", "pong")
                c.call("RENAME", "pong", "ping")
            c.close()
        except Exception as e:
            errors.append(repr(e))

    threads = [threading.Thread(target=bounce, args=(t,)) for t in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    values = [parse(conn.call("GET", k)) for k in ("ping", "pong")]
    check.expect(sorted(values, key=lambda v: v is None) == [b"the-value", None],
                 f"concurrent RENAME: ping/pong hold {values!r}")
    conn.close()


def main():
    args = test_arguments()
    check = Checker()
    with MemkvServer(args.binary, ["-I", "1m", "--databases", "1"]) as memkv:
        redis_server = shutil.which("redis-server")
        if redis_server is None:
            print("SKIP redis comparison: redis-server not installed")
        else:
            with redis_oracle(redis_server, ["--databases", "1"]) as redis:
                run_scenarios(check, memkv.port, redis.port)
                run_scans(check, memkv.port, redis.port)
                run_time(check, memkv.port, redis.port)
        run_shared_keyspace(check, memkv.port)
        run_concurrent_rewrites(check, memkv.port)
    print(f"{check.checks - check.failures} passed, {check.failures} failed")
    return 1 if check.failures else 0


if __name__ == "__main__":
    sys.exit(main())
