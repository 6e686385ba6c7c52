#!/usr/bin/env python3
"""The string and keyspace command coverage table of docs/compatibility.md, made from live servers.

Redis 7's side and memkv's side are read, not written down: the commands of Redis's `string`,
`bitmap` and `generic` groups (and the keyspace commands of its `server` and `connection` groups)
come from a redis-server's COMMAND DOCS, and whether memkv has each comes from memkv's own
COMMAND DOCS. Only two columns are typed in here, because no server here can be asked: Dragonfly's,
copied from its compatibility page (dragonflydb/documentation, docs/command-reference/
compatibility.md, as of 2026-06-22), and memcached 1.6's nearest command, from its protocol.txt.

    python3 tools/command_coverage.py --binary build/server/memkv            # print the table
    python3 tools/command_coverage.py --binary build/server/memkv --write docs/compatibility.md

tests/tools/command_coverage_test.py checks that the table in docs/compatibility.md is the one this
prints, so a command added to memkv without the doc fails the suite.
"""

import argparse
import os
import socket
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests",
                                "support"))
from memkv_server import MemkvServer, redis_oracle, resp_request  # noqa: E402

BEGIN = "<!-- command_coverage.py: begin -->"
END = "<!-- command_coverage.py: end -->"

# Redis groups whose commands the table lists whole, and the commands of other groups that act on
# the keyspace as a whole.
GROUPS = ("string", "bitmap", "generic")
KEYSPACE_EXTRAS = {"select", "swapdb", "dbsize", "flushdb", "flushall", "time"}

# Dragonfly's compatibility page: F fully, P partially, - unsupported. A command the page does not
# list is shown as "?".
DRAGONFLY = {
    "append": "F", "decr": "F", "decrby": "F", "get": "F", "getdel": "F", "getex": "F",
    "getrange": "F", "getset": "F", "incr": "F", "incrby": "F", "incrbyfloat": "F", "lcs": "-",
    "mget": "F", "mset": "F", "msetnx": "F", "psetex": "F", "set": "F", "setex": "F",
    "setnx": "F", "setrange": "F", "strlen": "F", "substr": "F",
    "bitcount": "F", "bitfield": "F", "bitfield_ro": "F", "bitop": "F", "bitpos": "F",
    "getbit": "F", "setbit": "F",
    "copy": "P", "del": "F", "dump": "F", "exists": "F", "expire": "F", "expireat": "F",
    "expiretime": "F", "keys": "F", "migrate": "-", "move": "F", "object|encoding": "-",
    "object|freq": "-", "object|idletime": "-", "object|refcount": "-", "persist": "F",
    "pexpire": "F", "pexpireat": "F", "pexpiretime": "F", "pttl": "F", "randomkey": "F",
    "rename": "F", "renamenx": "F", "restore": "F", "scan": "F", "sort": "P", "sort_ro": "P",
    "touch": "F", "ttl": "F", "type": "F", "unlink": "F", "wait": "-",
    "select": "F", "swapdb": "-", "dbsize": "F", "flushdb": "F", "flushall": "F", "time": "F",
}
DRAGONFLY_WORDS = {"F": "yes", "P": "partly", "-": "no", "?": "?"}

# memcached 1.6's nearest command (text protocol, then meta), or nothing.
MEMCACHED = {
    "get": "`get`, `mg k v`", "mget": "`get k1 k2 ...`", "set": "`set`, `ms`",
    "setnx": "`add`, `ms k S ME`", "setex": "`set k f exptime`", "psetex": "",
    "getex": "`gat`, `mg k v T`", "incr": "`incr`, `ma`", "incrby": "`incr`, `ma D`",
    "decr": "`decr`, `ma MD`", "decrby": "`decr`, `ma MD D`", "append": "`append`, `ms MA`",
    "strlen": "`mg k s`", "del": "`delete`, `md`", "unlink": "`delete`, `md`",
    "exists": "`mg k`", "expire": "`touch`, `mg k T`", "expireat": "`touch` (unix time)",
    "ttl": "`mg k t`", "persist": "`touch k 0`", "keys": "`lru_crawler metadump`",
    "scan": "`lru_crawler metadump`", "dbsize": "`stats` curr_items",
    "flushall": "`flush_all`", "flushdb": "`flush_all`", "touch": "`mg k` (bumps)",
}


def command_docs_names(port):
    """The command and subcommand names (`object|freq`) a server's COMMAND DOCS lists, each with
    its Redis group."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(resp_request("COMMAND", "DOCS"))
        reader = sock.makefile("rb")
        docs = read_reply(reader)
    names = {}

    def walk(entries):
        for name, body in zip(entries[::2], entries[1::2]):
            fields = dict(zip(body[::2], body[1::2]))
            names[name.decode()] = fields.get(b"group", b"").decode()
            if fields.get(b"subcommands"):
                walk(fields[b"subcommands"])

    walk(docs)
    return names


def read_reply(reader):
    line = reader.readline()
    kind, rest = line[:1], line[1:-2]
    if kind in (b"+", b"-"):
        return rest
    if kind == b":":
        return int(rest)
    if kind == b"$":
        n = int(rest)
        return None if n < 0 else reader.read(n + 2)[:-2]
    if kind == b"*":
        n = int(rest)
        return None if n < 0 else [read_reply(reader) for _ in range(n)]
    raise ValueError(f"unexpected reply line {line!r}")


def table(redis_names, memkv_names):
    rows = sorted(name for name, group in redis_names.items()
                  if (group in GROUPS or name in KEYSPACE_EXTRAS)
                  and name not in ("object", "object|help"))
    order = {g: i for i, g in enumerate(GROUPS)}
    rows.sort(key=lambda n: (order.get(redis_names[n], len(GROUPS)), n))
    lines = ["| Group | Command | Redis 7.0 | memkv | Dragonfly | memcached 1.6 |",
             "|---|---|---|---|---|---|"]
    counts = {"memkv": 0, "dragonfly": 0, "memcached": 0}
    for name in rows:
        has = name in memkv_names
        dragonfly = DRAGONFLY.get(name, "?")
        memcached = MEMCACHED.get(name, "")
        counts["memkv"] += has
        counts["dragonfly"] += dragonfly == "F"
        counts["memcached"] += bool(memcached)
        lines.append(f"| {redis_names[name]} | {name.replace('|', ' ').upper()} | yes | "
                     f"{'yes' if has else 'no'} | {DRAGONFLY_WORDS[dragonfly]} | "
                     f"{memcached or '—'} |")
    lines.append(f"| | **{len(rows)} commands** | {len(rows)} | {counts['memkv']} | "
                 f"{counts['dragonfly']} fully | {counts['memcached']} with a near equivalent |")
    return "\n".join(lines) + "\n"


def build(binary, redis_server="redis-server"):
    """The table, from a redis-server and a memkv started for it (their logs go to stderr)."""
    with redis_oracle(redis_server, ["--logfile", "/dev/null"]) as redis:
        redis_names = command_docs_names(redis.port)
    with MemkvServer(binary) as memkv:
        memkv_names = command_docs_names(memkv.port)
    return table(redis_names, memkv_names)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", required=True, help="the memkv binary")
    parser.add_argument("--redis-server", default="redis-server")
    parser.add_argument("--write", help="replace the table between the markers in this file")
    args = parser.parse_args()
    text = build(args.binary, args.redis_server)
    if not args.write:
        sys.stdout.write(text)
        return 0
    with open(args.write) as f:
        doc = f.read()
    head, rest = doc.split(BEGIN + "\n", 1)
    _, tail = rest.split(END, 1)
    with open(args.write, "w") as f:
        f.write(head + BEGIN + "\n" + text + END + tail)
    return 0


if __name__ == "__main__":
    sys.exit(main())
