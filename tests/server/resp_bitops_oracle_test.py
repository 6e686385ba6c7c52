"""BITOP, BITFIELD, BITFIELD_RO, TOUCH and WAIT against a real redis-server 7.0.15, byte for byte.

Fixed scenarios cover the argument errors and edge cases (missing sources, zero padding, NOT,
an empty result deleting the destination, `#N` offsets, every OVERFLOW mode at the edges of i64
and u63, a FAIL still growing the string, BITFIELD_RO refusing writes); then a seeded random
sequence of BITFIELD and BITOP requests (types i1..i64 / u1..u63 at random offsets, values at and
past each type's limits, all three OVERFLOW modes) runs on both servers, and every reply and
the final value of every key must be the same bytes. Each scenario starts on a fresh connection
after FLUSHALL; both servers have 16 databases.

Then, on memkv alone: a BITFIELD write keeps the item's TTL and memcached client flags, and a
BITFIELD past memkv's item size limit (-I) is refused without creating the key.

Usage: resp_bitops_oracle_test.py --binary path/to/memkv [--seed N]
"""

import random
import shutil
import socket
import sys

from memkv_server import MemkvServer, read_until, redis_oracle, test_arguments
from resp_strings_oracle_test import Checker, fresh

SCENARIOS = [
    ("bitop", [
        ["BITOP"], ["BITOP", "and"], ["BITOP", "and", "d"], ["BITOP", "foo", "d", "a"],
        ["BITOP", "not", "d", "a", "b"], ["BITOP", "AND", "d", "nokey"], ["EXISTS", "d"],
        ["SET", "d", "x"], ["BITOP", "and", "d", "nokey"], ["EXISTS", "d"],
        ["SET", "a", "ab"], ["SET", "b", "abcd"], ["SET", "c", b"\xff\x00\x0f"],
        ["BITOP", "and", "r", "a", "b"], ["GET", "r"], ["BITOP", "or", "r", "a", "b", "c"],
        ["GET", "r"], ["BITOP", "xor", "r", "a", "b", "c", "nokey"], ["GET", "r"],
        ["BITOP", "not", "r", "c"], ["GET", "r"], ["BITOP", "Not", "r", "nokey"], ["EXISTS", "r"],
        ["SET", "t", "v"], ["EXPIRE", "t", "100"], ["BITOP", "or", "t", "a"], ["TTL", "t"],
        ["GET", "t"], ["BITOP", "and", "a", "a"], ["GET", "a"], ["BITOP", "and", "a", "a", "b"],
        ["GET", "a"], ["BITOP", b"or\x00x", "r", "a"],
    ]),
    ("bitfield errors", [
        ["BITFIELD"], ["BITFIELD", "k"], ["BITFIELD", "k", "get"], ["BITFIELD", "k", "get", "i8"],
        ["BITFIELD", "k", "get", "I8", "0"], ["BITFIELD", "k", "get", "U8", "0"],
        ["BITFIELD", "k", "get", "u64", "0"], ["BITFIELD", "k", "get", "i65", "0"],
        ["BITFIELD", "k", "get", "i0", "0"], ["BITFIELD", "k", "get", "i08", "0"],
        ["BITFIELD", "k", "get", "u8", "-1"], ["BITFIELD", "k", "get", "u8", "#1"],
        ["BITFIELD", "k", "get", "u8", "#-1"], ["BITFIELD", "k", "get", "u8", "#"],
        ["BITFIELD", "k", "get", "u8", "##1"], ["BITFIELD", "k", "get", "u8", "4294967296"],
        ["BITFIELD", "k", "get", "u8", "4294967295"], ["BITFIELD", "k", "get", "u8", "#536870912"],
        ["BITFIELD", "k", "get", "u8", "#536870911"], ["BITFIELD", "k", "get", "u1", "#4294967296"],
        ["BITFIELD", "k", "get", "i64", "#9223372036854775807"],
        ["BITFIELD", "k", "overflow", "foo"], ["BITFIELD", "k", "overflow"],
        ["BITFIELD", "k", "foo"], ["BITFIELD", "k", "set", "u8", "0"],
        ["BITFIELD", "k", "set", "u8", "0", "x"], ["BITFIELD", "k", "incrby", "u8", "0", "1.5"],
        ["BITFIELD", "k", "set", "u8", "0", "1", "get", "i65", "0"], ["EXISTS", "k"],
        ["BITFIELD", "k", "get", "u8", "0", "set", "u8", "0"], ["EXISTS", "k"],
        ["BITFIELD_RO"], ["BITFIELD_RO", "k"], ["BITFIELD_RO", "k", "set", "u8", "0", "1"],
        ["BITFIELD_RO", "k", "set", "u8", "0", "x"], ["BITFIELD_RO", "k", "incrby", "u8", "0", "1"],
        ["BITFIELD_RO", "k", "get", "u8", "0", "foo"], ["BITFIELD_RO", "k", "get", "u8", "0"],
        ["BITFIELD_RO", "k", "overflow", "wrap", "get", "u8", "0"], ["EXISTS", "k"],
        ["bitfield", "k", "GET", "u8", "0", "Overflow", "SAT", "InCrBy", "i4", "0", "100"],
    ]),
    ("bitfield ops", [
        ["BITFIELD", "k", "get", "u8", "0", "get", "i8", "8"],
        ["BITFIELD", "k3", "set", "u8", "0", "255", "get", "u8", "0", "incrby", "u8", "0", "10",
         "overflow", "sat", "incrby", "u8", "0", "-300", "overflow", "fail", "incrby", "u8", "0",
         "-1"],
        ["GET", "k3"], ["STRLEN", "k3"],
        ["BITFIELD", "k4", "overflow", "fail", "set", "i8", "100", "200"], ["STRLEN", "k4"],
        ["GET", "k4"],
        ["BITFIELD", "k5", "set", "u8", "0", "-1", "overflow", "sat", "set", "u8", "8", "-1",
         "overflow", "wrap", "set", "i8", "16", "200", "get", "u8", "0", "get", "u8", "8",
         "get", "i8", "16"],
        ["BITFIELD", "k6", "set", "i64", "0", "-1", "incrby", "i64", "0", "-9223372036854775807",
         "incrby", "i64", "0", "-2", "overflow", "sat", "incrby", "i64", "0",
         "9223372036854775807", "incrby", "i64", "0", "1", "overflow", "fail", "incrby", "i64",
         "0", "1", "get", "i64", "0"],
        ["BITFIELD", "k7", "set", "u63", "0", "-1", "get", "u63", "0", "overflow", "sat",
         "incrby", "u63", "0", "9223372036854775807", "get", "u63", "1", "get", "u1", "0"],
        ["BITFIELD", "k8", "set", "i1", "3", "1", "get", "i1", "3", "get", "u1", "3",
         "incrby", "i1", "3", "1", "get", "u8", "0"],
        ["SET", "s", "hello"], ["EXPIRE", "s", "100"],
        ["BITFIELD", "s", "get", "u16", "#1", "set", "u8", "#0", "72", "incrby", "i12", "7", "3"],
        ["GET", "s"], ["TTL", "s"], ["BITFIELD", "s", "set", "u8", "#0", "72"],
        ["BITFIELD_RO", "s", "get", "u8", "0", "get", "i13", "#3", "get", "u8", "1000"],
        ["BITFIELD", "s", "overflow", "fail", "incrby", "u4", "100", "99"], ["STRLEN", "s"],
    ]),
    ("touch and wait", [
        ["TOUCH"], ["TOUCH", "a"], ["SET", "a", "1"], ["SET", "b", "2"],
        ["TOUCH", "a", "nokey", "a", "b"], ["WAIT"], ["WAIT", "0"], ["WAIT", "x", "0"],
        ["WAIT", "0", "x"], ["WAIT", "0", "-1"], ["WAIT", "0", "0"], ["WAIT", "-1", "0"],
        ["WAIT", "0", "1.5"], ["WAIT", "99999999999999999999", "0"], ["WAIT", "0", "100", "x"],
    ]),
]

TYPES = [f"i{n}" for n in range(1, 65)] + [f"u{n}" for n in range(1, 64)]


def random_value(rng, kind):
    bits = int(kind[1:])
    edges = [0, 1, -1, (1 << (bits - 1)) - 1, -(1 << (bits - 1)), (1 << bits) - 1, 1 << bits,
             (1 << 63) - 1, -(1 << 63)]
    value = rng.choice(edges) + rng.choice([0, 0, 1, -1, rng.randint(-1000, 1000)])
    return str(max(-(1 << 63), min((1 << 63) - 1, value)))


def random_bitfield(rng, key):
    request = ["BITFIELD", key]
    for _ in range(rng.randint(1, 6)):
        choice = rng.random()
        if choice < 0.15:
            request += ["OVERFLOW", rng.choice(["WRAP", "SAT", "FAIL"])]
            continue
        kind = rng.choice(TYPES)
        offset = f"#{rng.randint(0, 6)}" if rng.random() < 0.2 else str(rng.randint(0, 90))
        if choice < 0.4:
            request += ["GET", kind, offset]
        elif choice < 0.7:
            request += ["SET", kind, offset, random_value(rng, kind)]
        else:
            request += ["INCRBY", kind, offset, random_value(rng, kind)]
    return request


def random_requests(rng, count):
    keys = [f"f{i}" for i in range(4)]
    requests = []
    for _ in range(count):
        if rng.random() < 0.8:
            requests.append(random_bitfield(rng, rng.choice(keys)))
        else:
            op = rng.choice(["AND", "OR", "XOR", "NOT"])
            sources = rng.sample(keys + ["missing"], 1 if op == "NOT" else rng.randint(1, 4))
            requests.append(["BITOP", op, rng.choice(keys)] + sources)
    requests += [["GET", key] for key in keys]
    return requests


def compare(check, name, requests, memkv_port, redis_port):
    memkv, redis = fresh(memkv_port), fresh(redis_port)
    for request in requests:
        got, want = memkv.call(*request), redis.call(*request)
        check.expect(got == want, f"{name}: {request!r}: memkv {got!r}, redis-server {want!r}")
    memkv.close()
    redis.close()


def run_memkv_only(check, port):
    conn = fresh(port)
    with socket.create_connection(("127.0.0.1", port), timeout=10) as mc:
        mc.sendall(b"set flagged 42 100 5\r\nhello\r\n")
        check.expect(read_until(mc, b"\r\n") == b"STORED\r\n", "memcached set")
        check.expect(conn.call("BITFIELD", "flagged", "set", "u8", "0", "72") == b"*1\r\n:104\r\n",
                     "BITFIELD on a memcached item")
        mc.sendall(b"mg flagged v f t\r\n")
        reply = read_until(mc, b"\r\nHello\r\n")
        check.expect(reply.startswith(b"VA 5 f42 t") and reply.endswith(b"\r\nHello\r\n"),
                     f"BITFIELD keeps flags and TTL: {reply!r}")
    # -I 1m: a field past one megabyte is refused and creates nothing.
    reply = conn.call("BITFIELD", "big", "set", "u8", str(8 << 20), "1")
    check.expect(reply.startswith(b"-ERR string exceeds maximum allowed size"),
                 f"BITFIELD past -I: {reply!r}")
    check.expect(conn.call("EXISTS", "big") == b":0\r\n", "refused BITFIELD created no key")
    conn.close()


def main():
    args = test_arguments()
    seed = random.randrange(1 << 32)
    for i, arg in enumerate(args.rest):
        if arg == "--seed":
            seed = int(args.rest[i + 1])
    print(f"seed {seed}")
    check = Checker()
    with MemkvServer(args.binary, ["-I", "1m"]) as memkv:
        redis_server = shutil.which("redis-server")
        if redis_server is None:
            print("SKIP redis comparison: redis-server not installed")
        else:
            with redis_oracle(redis_server) as redis:
                for name, requests in SCENARIOS:
                    compare(check, name, requests, memkv.port, redis.port)
                rng = random.Random(seed)
                for round_number in range(8):
                    compare(check, f"random round {round_number} (seed {seed})",
                            random_requests(rng, 200), memkv.port, redis.port)
        run_memkv_only(check, memkv.port)
    print(f"{check.checks - check.failures} passed, {check.failures} failed")
    return 1 if check.failures else 0


if __name__ == "__main__":
    sys.exit(main())
