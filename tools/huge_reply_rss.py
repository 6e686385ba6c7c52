#!/usr/bin/env python3
"""Peak resident memory of memkv while one request asks for a 20 GB reply: a 1 MB item named
20,000 times in one memcached `get` line (80 KB) and in one RESP `MGET`, from a client that
reads nothing for a while, then reads a part slowly, then leaves. Every mode and I/O engine at
-m 64; the bound is -m + 64 MiB (issue 12 item 3). The CI test with a smaller reply is
IntegrationTest.HugeMultiKeyReplyIsBuiltAsTheClientReads; this is the full-size figure.

Usage: tools/huge_reply_rss.py [--build-dir build] [--modes ...] [--io epoll uring]
Prints one line per run (peak RSS from VmHWM, RSS after the client left) and exits 1 if a peak
is over the bound; the servers' logs go to stderr. Not a test: about 4 s per run.
"""
import argparse
import os
import socket
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "support"))
from memkv_server import IO_ENGINES, MODES, MemkvServer, resp_request  # noqa: E402

ITEM = 1_000_000
NAMES = 20_000
MEMORY_MIB = 64
BOUND_MIB = MEMORY_MIB + 64


def status_kib(pid, field):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"no {field} for {pid}")


def huge_request(dialect):
    if dialect == "text":
        return b"get " + b" ".join([b"big"] * NAMES) + b"\r\n"
    return resp_request("MGET", *["big"] * NAMES)


def run(args, mode, io, dialect):
    binary = os.path.join(args.build_dir, "server", "memkv")
    flags = ["-t", "2", "-m", str(MEMORY_MIB), "--mode", mode, "--io", io]
    with MemkvServer(binary, flags) as server:
        setter = socket.create_connection(("127.0.0.1", server.port))
        setter.sendall(b"set big 0 0 %d\r\n" % ITEM + b"b" * ITEM + b"\r\n")
        assert setter.recv(64) == b"STORED\r\n"
        greedy = socket.create_connection(("127.0.0.1", server.port))
        greedy.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 64 << 10)
        greedy.sendall(huge_request(dialect))
        time.sleep(1.5)  # reads nothing
        got, deadline = 0, time.monotonic() + 1.5
        while time.monotonic() < deadline:  # then reads slowly: 64 KiB every 10 ms
            got += len(greedy.recv(64 << 10))
            time.sleep(0.01)
        greedy.close()
        setter.sendall(b"version\r\n")  # the server still answers the other client
        assert setter.recv(64).startswith(b"VERSION ")
        time.sleep(0.5)
        pid = server.process.pid
        return status_kib(pid, "VmHWM"), status_kib(pid, "VmRSS"), got


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--build-dir", default="build")
    parser.add_argument("--modes", nargs="+", default=MODES)
    parser.add_argument("--io", nargs="+", default=IO_ENGINES)
    args = parser.parse_args()
    over = 0
    for mode in args.modes:
        for io in args.io:
            for dialect in ("text", "resp"):
                peak, after, got = run(args, mode, io, dialect)
                over += peak > BOUND_MIB * 1024
                print(f"{mode:9} {io:5} {dialect:4}  peak {peak / 1024:6.1f} MiB  after "
                      f"{after / 1024:6.1f} MiB  (bound {BOUND_MIB} MiB; the client read "
                      f"{got / 2**20:.0f} MiB of {NAMES * ITEM / 1e9:.0f} GB)", flush=True)
    sys.exit(1 if over else 0)


if __name__ == "__main__":
    main()
