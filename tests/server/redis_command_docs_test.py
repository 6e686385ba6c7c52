"""COMMAND INFO and COMMAND DOCS of memkv are redis-server 7's, byte for byte.

memkv answers COMMAND INFO / COMMAND DOCS (redis-cli 7 reads COMMAND DOCS at start for its help
and hints) from server/exec/resp/resp_command_docs.cc, which this script generates from a real redis-server:
the same entries, with container commands (CLIENT, CONFIG, COMMAND, OBJECT, MEMORY) cut down to the subcommands
memkv has. As a test it checks that memkv's answers still equal redis-server's after that cut.
The same again after HELLO 3 (RESP3: flags and categories are sets, key specs and docs maps),
from resp_command_docs_resp3.cc, which --write-cc writes next to the first.

    python3 redis_command_docs_test.py --binary build/server/memkv      # the test
    python3 redis_command_docs_test.py --write-cc server/exec/resp/resp_command_docs.cc   # regenerate
"""

import argparse
import os
import shutil
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from memkv_server import MemkvServer, free_port, wait_for_port  # noqa: E402

# memkv's RESP commands, in the order of server/exec/resp/resp_executor.cc's table, and the subcommands
# it has of each container command.
COMMANDS = ("get set setnx setex psetex getset getdel getex mget mset msetnx incr decr incrby "
            "decrby append strlen getrange substr setrange incrbyfloat setbit getbit bitcount "
            "bitpos bitop bitfield bitfield_ro lcs del unlink exists expire pexpire expireat "
            "pexpireat ttl pttl expiretime "
            "pexpiretime persist type touch dbsize flushall flushdb rename renamenx copy keys scan "
            "randomkey select move swapdb ping echo quit hello auth client config info object memory time wait command").split()
SUBCOMMANDS = {
    "client": ["client|id", "client|setname", "client|getname"],
    "config": ["config|get", "config|resetstat"],
    "command": ["command|count", "command|docs", "command|getkeys", "command|info", "command|list"],
    "object": ["object|encoding", "object|freq", "object|help", "object|idletime",
               "object|refcount"],
    "memory": ["memory|doctor", "memory|help", "memory|malloc-stats", "memory|purge",
               "memory|stats", "memory|usage"],
}


# --- A RESP2/RESP3 reader/writer that keeps every element's type, so re-encoding is byte-exact.
# A map ("%") is kept as the flat list key, value, key, value, ... as RESP2 sends it. ---

def read_reply(sock_file):
    line = sock_file.readline()
    kind, rest = line[:1], line[1:-2]
    if kind in (b"+", b"-", b"_"):
        return (kind, rest)
    if kind == b":":
        return (kind, int(rest))
    if kind == b"$":
        n = int(rest)
        if n < 0:
            return (kind, None)
        data = sock_file.read(n + 2)[:-2]
        return (kind, data)
    if kind in (b"*", b"~", b"%"):
        n = int(rest)
        if n < 0:
            return (kind, None)
        n *= 2 if kind == b"%" else 1
        return (kind, [read_reply(sock_file) for _ in range(n)])
    raise ValueError(f"bad reply line {line!r}")


def encode(reply):
    kind, value = reply
    if kind in (b"+", b"-", b"_"):
        return kind + value + b"\r\n"
    if kind == b":":
        return b":%d\r\n" % value
    if kind == b"$":
        return b"$-1\r\n" if value is None else b"$%d\r\n%s\r\n" % (len(value), value)
    if value is None:
        return b"*-1\r\n"
    count = len(value) // 2 if kind == b"%" else len(value)
    return kind + b"%d\r\n" % count + b"".join(encode(e) for e in value)


class Client:
    def __init__(self, port, resp3=False):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.file = self.sock.makefile("rb")
        if resp3:
            hello = self.call("HELLO", "3")
            assert hello[0] == b"%", hello

    def call(self, *args):
        out = b"*%d\r\n" % len(args)
        for a in args:
            a = a.encode() if isinstance(a, str) else a
            out += b"$%d\r\n%s\r\n" % (len(a), a)
        self.sock.sendall(out)
        return read_reply(self.file)

    def close(self):
        self.file.close()
        self.sock.close()


# --- Cutting container commands down to memkv's subcommands. ---

def filter_info(name, info):
    """info: the 10-element COMMAND INFO array; element 9 lists the subcommands."""
    if name not in SUBCOMMANDS:
        return info
    kind, fields = info
    subs = [s for s in fields[9][1] if s[1][0][1].decode() in SUBCOMMANDS[name]]
    subs.sort(key=lambda s: SUBCOMMANDS[name].index(s[1][0][1].decode()))
    return (kind, fields[:9] + [(fields[9][0], subs)])


def filter_docs(name, docs):
    """docs: a flat map; the value after "subcommands" is a flat map of name -> docs."""
    if name not in SUBCOMMANDS:
        return docs
    kind, fields = docs
    out = []
    for i in range(0, len(fields), 2):
        key, value = fields[i], fields[i + 1]
        if key[1] == b"subcommands":
            pairs = [(value[1][j], value[1][j + 1]) for j in range(0, len(value[1]), 2)]
            pairs = [p for p in pairs if p[0][1].decode() in SUBCOMMANDS[name]]
            pairs.sort(key=lambda p: SUBCOMMANDS[name].index(p[0][1].decode()))
            value = (value[0], [e for p in pairs for e in p])
        out += [key, value]
    return (kind, out)


def expected_entries(client):
    """{name: (info bytes, docs bytes)} as memkv must answer them."""
    entries = {}
    for name in COMMANDS:
        info = client.call("COMMAND", "INFO", name)[1][0]
        docs = client.call("COMMAND", "DOCS", name)[1]
        assert docs[0][1].decode() == name, docs[0]
        entries[name] = (encode(filter_info(name, info)), encode(filter_docs(name, docs[1])))
    return entries


def start_redis():
    port = free_port()
    process = subprocess.Popen(
        [shutil.which("redis-server") or "redis-server", "--port", str(port), "--bind",
         "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
    wait_for_port(port, process)
    return process, port


def c_literal(data, indent):
    """A C++ string literal split into lines of at most ~96 columns, escapes kept whole."""
    pieces, line = [], ""
    for byte in data:
        ch = chr(byte)
        esc = {"\r": "\\r", "\n": "\\n", "\\": "\\\\", '"': '\\"'}.get(ch)
        if esc is None:
            esc = ch if 32 <= byte < 127 else "\\%03o" % byte  # octal: never eats the next char
        if len(line) + len(esc) > 92 - indent:
            pieces.append(line)
            line = ""
        line += esc
    pieces.append(line)
    pad = " " * indent
    return "\n".join(f'{pad}"{p}"' for p in pieces)


def write_cc(path, entries, resp3=False):
    what = ("the exact COMMAND INFO and COMMAND DOCS replies for memkv's RESP commands, container commands\n"
            "// cut down to the subcommands memkv has.")
    if resp3:
        what = ("the exact COMMAND INFO and COMMAND DOCS replies after HELLO 3 (RESP3) for memkv's RESP\n"
                "// commands, container commands cut down to the subcommands memkv has.")
    parts = [f"""// GENERATED by tests/server/redis_command_docs_test.py --write-cc from redis-server 7.0.15:
// {what} Do not edit; regenerate.
#include <array>

#include "server/exec/resp/resp_commands.h"

namespace memkv::server::resp {{
namespace {{

constexpr std::array kDocs = {{
"""]
    for name in COMMANDS:
        info, docs = entries[name]
        parts.append(f'    CommandDoc{{"{name}",\n{c_literal(info, 15)},\n{c_literal(docs, 15)}}},\n')
    parts.append(f"""}};

}}  // namespace

absl::Span<const CommandDoc> CommandDocs{"Resp3" if resp3 else ""}() {{ return kDocs; }}

}}  // namespace memkv::server::resp
""")
    with open(path, "w") as f:
        f.write("".join(parts))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary")
    parser.add_argument("--write-cc")
    args, _ = parser.parse_known_args()
    if not shutil.which("redis-server"):
        print("redis-server is not installed (tools/install_deps.sh installs it)")
        return 1
    redis_process, redis_port = start_redis()
    entries = {}  # {resp3: {name: (info, docs)}}
    try:
        for resp3 in (False, True):
            redis = Client(redis_port, resp3)
            entries[resp3] = expected_entries(redis)
            redis.close()
    finally:
        redis_process.terminate()
        redis_process.wait()
    if args.write_cc:
        resp3_path = args.write_cc[:-len(".cc")] + "_resp3.cc"
        write_cc(args.write_cc, entries[False])
        write_cc(resp3_path, entries[True], resp3=True)
        print(f"wrote {args.write_cc} and {resp3_path}")
        return 0
    failures = 0
    resp_port = free_port()
    with MemkvServer(args.binary, ["--resp-port", str(resp_port)]) as server:
        wait_for_port(resp_port, server.process)
        for resp3 in (False, True):
            memkv = Client(resp_port, resp3)
            protocol = "RESP3" if resp3 else "RESP2"
            for name in COMMANDS:
                info = encode(memkv.call("COMMAND", "INFO", name)[1][0])
                docs = encode(memkv.call("COMMAND", "DOCS", name)[1][1])
                for what, got, want in (("INFO", info, entries[resp3][name][0]),
                                        ("DOCS", docs, entries[resp3][name][1])):
                    if got != want:
                        failures += 1
                        print(f"FAIL {protocol} COMMAND {what} {name}:\n  memkv {got[:200]!r}\n"
                              f"  redis {want[:200]!r}")
            count = memkv.call("COMMAND", "COUNT")
            if count != (b":", len(COMMANDS)):
                failures += 1
                print(f"FAIL {protocol} COMMAND COUNT: {count}")
            memkv.close()
    print(f"{2 * (2 * len(COMMANDS) + 1) - failures} passed, {failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
