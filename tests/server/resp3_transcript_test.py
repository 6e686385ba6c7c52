"""RESP3: every RESP command memkv has, sent after HELLO 3 to memkv and to a real redis-server
7.0.15 (started by this test, with Redis's default 16 databases, as memkv); every reply must be
the same bytes: nulls ("_"), maps ("%": HELLO, CONFIG GET, COMMAND DOCS, LCS IDX), sets ("~" in
COMMAND INFO), verbatim strings ("=": INFO), errors, and HELLO 2 going back to RESP2. In all
6 modes x 2 I/O engines, each scenario on a fresh connection after FLUSHALL.

Normalised, and why (each only where marked in SCENARIOS):
- "id": HELLO's and CLIENT ID's client id (each server counts its own connections).
- "time": TIME's two numbers (the clocks differ between two calls): the digits are replaced.
- "count", "list": COMMAND COUNT and COMMAND LIST (redis-server has more commands): an integer,
  and an array of bulk strings that names GET.
- "info": INFO's text is each server's own; the reply must be a verbatim string of format txt
  whose length prefix matches, and start with "# Server".

The test also checks that SCENARIOS sends every command in memkv's COMMAND LIST.

Usage: resp3_transcript_test.py --binary path/to/memkv [--mode M ...] [--io E ...]
"""

import re
import shutil
import socket
import sys

from memkv_server import MemkvServer, available_modes, redis_oracle, resp_request, test_arguments

# (name, [request, or (request, normalisation)]). Each scenario starts with HELLO 3.
SCENARIOS = [
    ("nulls", [
        ["GET", "nokey"], ["SET", "k", "v"], ["GET", "k"], ["SET", "k", "w", "NX"],
        ["SET", "k", "w", "XX", "GET"], ["SET", "new", "v", "GET"], ["SET", "x", "v", "XX"],
        ["MGET", "k", "nokey", "new", "nokey2"], ["GETDEL", "k"], ["GETDEL", "k"],
        ["GETEX", "nokey"], ["GETEX", "nokey", "EX", "bad"], ["GETEX", "new", "EX", "100"],
        ["TTL", "new"], ["GETEX", "new", "PERSIST"], ["GETEX", "new", "EX", "0"],
        ["GETSET", "gs", "1"], ["GETSET", "gs", "2"], ["CLIENT", "GETNAME"],
        ["CLIENT", "SETNAME", "app"], ["CLIENT", "GETNAME"], ["FLUSHALL"],
        ["RANDOMKEY"], ["SCAN", "0"], ["SCAN", "x"], ["SET", "only", "1"], ["RANDOMKEY"],
        ["KEYS", "*"], ["KEYS", "x*"], ["COMMAND", "INFO", "get", "nosuch"],
        ["GETRANGE", "nokey", "0", "-1"], ["STRLEN", "nokey"],
    ]),
    ("strings", [
        ["SET", "k", "v", "EX", "100"], ["TTL", "k"], ["SET", "k", "v", "PX", "100000"],
        ["PTTL", "k"], ["SET", "k", "v", "EXAT", "4102444800"], ["EXPIRETIME", "k"],
        ["SET", "k", "v", "PXAT", "4102444800000"], ["PEXPIRETIME", "k"],
        ["SET", "k", "w", "KEEPTTL"], ["EXPIRETIME", "k"], ["SET", "k", "v", "EX", "0"],
        ["SET", "k", "v", "NX", "XX"], ["SETNX", "k", "x"], ["SETNX", "n1", "x"],
        ["SETEX", "se", "100", "v"], ["SETEX", "se", "0", "v"], ["PSETEX", "ps", "100000", "v"],
        ["PSETEX", "ps", "x", "v"], ["MSET", "a", "1", "b", "2"], ["MSET", "a"],
        ["MSETNX", "a", "1", "c", "3"], ["MSETNX", "c", "3", "d", "4"], ["MGET", "a", "b", "c"],
        ["INCR", "cnt"], ["DECR", "cnt"], ["INCRBY", "cnt", "10"], ["DECRBY", "cnt", "3"],
        ["INCRBY", "cnt", "x"], ["INCR", "k"], ["SET", "big", "9223372036854775807"],
        ["INCR", "big"], ["INCRBYFLOAT", "f", "10.5"], ["INCRBYFLOAT", "f", "0.1"],
        ["INCRBYFLOAT", "f", "abc"], ["INCRBYFLOAT", "f", "1e308"], ["INCRBYFLOAT", "f", "1e308"],
        ["APPEND", "ap", "hello"], ["APPEND", "ap", " world"], ["STRLEN", "ap"],
        ["GETRANGE", "ap", "0", "4"], ["GETRANGE", "ap", "-5", "-1"], ["SUBSTR", "ap", "0", "2"],
        ["SETRANGE", "ap", "6", "WORLD"], ["SETRANGE", "sr", "3", "x"], ["GET", "sr"],
        ["SETRANGE", "ap", "-1", "x"],
    ]),
    ("bits and lcs", [
        ["SETBIT", "b", "7", "1"], ["SETBIT", "b", "7", "0"], ["SETBIT", "b", "100", "1"],
        ["GETBIT", "b", "100"], ["GETBIT", "nokey", "3"], ["SETBIT", "b", "-1", "1"],
        ["BITCOUNT", "b"], ["BITCOUNT", "b", "0", "-1", "BIT"], ["BITCOUNT", "nokey"],
        ["BITPOS", "b", "1"], ["BITPOS", "b", "0", "0", "-1", "BIT"], ["BITPOS", "nokey", "1"],
        ["SET", "s1", "ohmytext"], ["SET", "s2", "mynewtext"], ["LCS", "s1", "s2"],
        ["LCS", "s1", "s2", "LEN"], ["LCS", "s1", "s2", "IDX"],
        ["LCS", "s1", "s2", "IDX", "WITHMATCHLEN"], ["LCS", "s1", "s2", "IDX", "MINMATCHLEN", "4"],
        ["LCS", "s1", "nokey", "IDX"], ["LCS", "nokey", "nokey2", "IDX", "WITHMATCHLEN"],
        ["LCS", "s1", "s2", "LEN", "IDX"], ["LCS", "s1", "s2", "FOO"],
        ["BITOP", "and", "d", "s1", "s2"], ["GET", "d"], ["BITOP", "or", "d", "nokey"],
        ["BITOP", "foo", "d", "s1"],
        ["BITFIELD", "bf", "set", "u8", "0", "255", "overflow", "fail", "incrby", "u8", "0", "1",
         "get", "i8", "0"],
        ["BITFIELD_RO", "bf", "get", "u4", "#1"], ["BITFIELD_RO", "nokey", "get", "u4", "0"],
        ["BITFIELD_RO", "bf", "set", "u8", "0", "1"], ["TOUCH", "s1", "nokey"], ["WAIT", "0", "0"],
        ["SET", "int", "12345"], ["OBJECT", "ENCODING", "int"], ["OBJECT", "ENCODING", "s1"],
        ["OBJECT", "ENCODING", "nokey"], ["OBJECT", "REFCOUNT", "s1"], ["OBJECT", "FREQ", "s1"],
        ["OBJECT", "FOO"], ["MEMORY", "USAGE", "nokey"], ["MEMORY", "USAGE", "s1", "SAMPLES", "x"],
        ["MEMORY", "DOCTOR"], ["MEMORY", "PURGE"], ["MEMORY", "FOO"],
        ["COMMAND", "GETKEYS"], ["COMMAND", "GETKEYS", "get"], ["COMMAND", "GETKEYS", "nosuch", "a"],
        ["COMMAND", "GETKEYS", "get", "a", "b"], ["COMMAND", "GETKEYS", "mset", "a", "1", "b", "2"],
        ["COMMAND", "GETKEYS", "mset", "a", "1", "b"], ["COMMAND", "GETKEYS", "Memory", "USAGE", "k"],
        ["COMMAND", "GETKEYS", "memory", "nosuch"], ["COMMAND", "GETKEYS", "lcs", "a", "b"],
        ["COMMAND", "GETKEYS", "bitop", "and", "d", "a", "b"], ["COMMAND", "GETKEYS", "ping", "x"],
        ["COMMAND", "GETKEYS", "copy", "a", "b", "db", "1"], ["COMMAND", "GETKEYS", "config", "get", "x"],
        ["COMMAND", "GETKEYS", "object", "encoding", "k"], ["COMMAND", "GETKEYS", "del", "a", "b", "c"],
    ]),
    ("keyspace", [
        ["SET", "a", "1"], ["SET", "b", "2"], ["DEL", "a", "nokey"], ["UNLINK", "b"],
        ["EXISTS", "a", "b"], ["SET", "a", "1"], ["EXPIRE", "a", "100"], ["TTL", "a"],
        ["EXPIRE", "a", "200", "NX"], ["EXPIRE", "a", "200", "GT"], ["EXPIRE", "a", "10", "FOO"],
        ["PEXPIRE", "a", "300000"], ["PTTL", "nokey"], ["EXPIREAT", "a", "4102444800"],
        ["PEXPIREAT", "a", "4102444800000"], ["PEXPIRETIME", "a"], ["EXPIRETIME", "nokey"],
        ["PERSIST", "a"], ["PERSIST", "a"], ["TTL", "a"], ["TYPE", "a"], ["TYPE", "nokey"],
        ["DBSIZE"], ["RENAME", "a", "c"], ["RENAME", "nokey", "d"], ["RENAMENX", "c", "e"],
        ["SET", "f", "x"], ["RENAMENX", "e", "f"], ["COPY", "e", "g"], ["COPY", "e", "g"],
        ["COPY", "e", "g", "REPLACE"], ["COPY", "e", "g", "DB", "1"], ["FLUSHDB"], ["DBSIZE"],
        ["FLUSHALL", "ASYNC"], ["FLUSHALL", "FOO"],
    ]),
    ("server", [
        ["PING"], ["PING", "hi"], ["PING", "a", "b"], ["ECHO", "hello"], ["SELECT", "0"],
        ["SELECT", "1"], ["SELECT", "x"], ["SELECT", "16"], ["SET", "in1", "v"], ["MOVE", "in1", "0"],
        ["MOVE", "in1", "0"], ["SELECT", "0"], ["GET", "in1"], ["SWAPDB", "0", "2"], ["GET", "in1"],
        ["SWAPDB", "0", "2"], ["SWAPDB", "0", "16"], ["MOVE", "in1", "0"], ["GET", "in1"],
        (["TIME"], "time"),
        ["CONFIG", "GET", "save"], ["CONFIG", "GET", "appendonl?"], ["CONFIG", "GET", "nosuch"],
        ["CONFIG", "GET", "databases"], ["CONFIG", "FOO"], ["CONFIG", "GET"],
        (["CLIENT", "ID"], "id"), ["CLIENT", "SETNAME", "a b"], ["CLIENT", "FOO"],
        (["INFO"], "info"), (["INFO", "server"], "info"),
        ["AUTH", "x"], ["AUTH", "default", "x"], ["AUTH", "a", "b", "c"],
        ["HELLO", "4"], ["HELLO", "x"], ["HELLO", "3", "FOO"], (["HELLO"], "id"),
        (["HELLO", "3", "AUTH", "default", "pw", "SETNAME", "n3"], "id"), ["CLIENT", "GETNAME"],
        ["GET", "nokey"], (["HELLO", "2"], "id"), ["GET", "nokey"], ["CONFIG", "GET", "save"],
        ["MGET", "nokey"], (["HELLO", "3"], "id"), ["GET", "nokey"], ["NOSUCH", "a", "b"],
        ["GET"], ["SET"], ["QUIT"],
    ]),
    ("command", [  # COMMAND INFO/DOCS of containers differ (memkv has fewer subcommands)
        (["COMMAND", "COUNT"], "count"), (["COMMAND", "LIST"], "list"),
        ["COMMAND", "INFO", "get", "set", "nosuch", "lcs"],
        ["COMMAND", "DOCS", "get", "nosuch", "lcs", "hello", "incrbyfloat"], ["COMMAND", "FOO"],
        ["COMMAND", "INFO", "bitpos", "copy"], ["COMMAND", "DOCS", "bitpos", "copy"],
    ]),
    ("pipelined mget", [  # large values: the reply is built in parts in some modes
        ["SET", "big1", "x" * 300000], ["SET", "big2", "y" * 300000],
        ["MGET", "big1", "nokey", "big2", "nokey", "big1", "big2", "nokey"],
    ]),
]


def read_reply(f):
    """One RESP2/RESP3 reply, as its raw bytes."""
    line = f.readline()
    if not line.endswith(b"\r\n"):
        raise EOFError(f"connection closed inside a reply: {line!r}")
    kind = line[:1]
    if kind in b"+-:_,#(":
        return line
    if kind in b"$=!":
        n = int(line[1:-2])
        return line if n < 0 else line + f.read(n + 2)
    if kind in b"*~%>|":
        n = int(line[1:-2])
        n *= 2 if kind in b"%|" else 1
        return line + b"".join(read_reply(f) for _ in range(max(n, 0)))
    raise ValueError(f"bad reply line {line!r}")


def normalise(reply, how):
    if how == "id":  # HELLO's "id" field, or CLIENT ID's integer
        reply = re.sub(rb"(\$2\r\nid\r\n):\d+\r\n", rb"\1:ID\r\n", reply)
        return re.sub(rb"^:\d+\r\n$", b":ID\r\n", reply)
    if how == "time":
        return re.sub(rb"\$\d+\r\n\d+\r\n", b"$N\r\nDIGITS\r\n", reply)
    if how == "count":
        return re.sub(rb"^:\d+\r\n$", b":N\r\n", reply)
    if how == "list":
        ok = re.fullmatch(rb"\*(\d+)\r\n(\$\d+\r\n[a-z|_-]+\r\n)+", reply)
        return b"*LIST" if ok and b"$3\r\nget\r\n" in reply else b"BAD LIST " + reply[:200]
    if how == "info":
        match = re.match(rb"=(\d+)\r\n(txt:# Server\r\n.*)\r\n$", reply, re.S)
        if match and int(match.group(1)) == len(match.group(2)):
            return b"=VERBATIM txt # Server\r\n"
        return b"BAD INFO " + reply[:200]
    return reply


def transcript(port, requests):
    """[(request, normalised reply)] of one scenario on a fresh connection: HELLO 3, FLUSHALL,
    then the requests, all sent at once (pipelined)."""
    requests = [(["HELLO", "3"], "id"), ["FLUSHALL"]] + requests
    pairs = [r if isinstance(r, tuple) else (r, None) for r in requests]
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(b"".join(resp_request(*r) for r, _ in pairs))
        f = sock.makefile("rb")
        out = []
        for request, how in pairs:
            try:
                out.append((request, normalise(read_reply(f), how)))
            except (EOFError, OSError, ValueError) as error:
                out.append((request, f"no reply: {error}".encode()))
                break
        f.close()
    return out


def command_names(port):
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(resp_request("HELLO", "3") + resp_request("COMMAND", "LIST"))
        f = sock.makefile("rb")
        read_reply(f)
        names = re.findall(rb"\$\d+\r\n([^\r]+)\r\n", read_reply(f))
        f.close()
    return {n.decode().lower() for n in names}


def main():
    args = test_arguments()
    if shutil.which("redis-server") is None:
        print("FAIL redis-server not found (tools/install_deps.sh installs it)")
        return 1
    sent = {(r[0] if isinstance(r, tuple) else r)[0].lower()
            for _, requests in SCENARIOS for r in requests}
    with redis_oracle() as redis:
        expected = {name: transcript(redis.port, requests) for name, requests in SCENARIOS}
    passed = failed = 0
    for mode in available_modes(args.binary, args.modes):
        for io in args.ios:
            with MemkvServer(args.binary, ["--mode", mode, "--io", io]) as server:
                missing = command_names(server.port) - sent
                if missing:
                    failed += 1
                    print(f"FAIL {mode} x {io}: no scenario sends {sorted(missing)}")
                for name, requests in SCENARIOS:
                    got = transcript(server.port, requests)
                    want = expected[name]
                    bad = [(r, g, w) for (r, g), (_, w) in zip(got, want) if g != w]
                    if len(got) != len(want):
                        bad.append(("reply count", len(got), len(want)))
                    if bad:
                        failed += 1
                        print(f"FAIL {mode} x {io}: {name}")
                        for r, g, w in bad[:5]:
                            print(f"  {r}\n    memkv {g[:300]!r}\n    redis {w[:300]!r}")
                    else:
                        passed += 1
            print(f"{mode} x {io} done", flush=True)
    print(f"{passed} passed, {failed} failed")
    return 1 if failed or not passed else 0


if __name__ == "__main__":
    sys.exit(main())
