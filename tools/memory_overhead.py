#!/usr/bin/env python3
"""Memory overhead per item: memkv beside memcached (and Redis, if installed).

Starts each server on a free 127.0.0.1 port with a 2 GB limit and one worker thread, reads its
resident memory (VmRSS in /proc/<pid>/status), loads N items (default 1,000,000) with 20-byte keys
and 100-byte values over one socket with pipelined `set ... noreply` (Redis: SET), makes one
round trip to be sure everything was processed, reads VmRSS again and prints

    server, items, rss growth, bytes/item, overhead/item (= bytes/item - key - value bytes)

With --overwrite N it checks instead that the memory limit holds under a long overwrite workload:
memkv and memcached with -m 64 take N pipelined sets of random 10-2000 byte values over 2,000,000
keys, and every million sets it prints the whole-process RSS and the live bytes from `stats`.

Every process it starts is stopped by its own PID.

Usage:
    tools/memory_overhead.py [path/to/memkv] [--items N] [--no-redis] [--no-memcached]
    tools/memory_overhead.py [path/to/memkv] --overwrite 5000000

Without a path it looks for build/server/memkv, then build-*/server/memkv, under the repository.
"""

import argparse
import glob
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import time

KEY_BYTES = 20
VALUE_BYTES = 100
BATCH = 2000  # commands per send: large enough to pipeline, small enough to keep buffers small
OVERWRITE_KEYS = 2_000_000
MIB = 1 << 20


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_bytes(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError(f"no VmRSS for pid {pid}")


def connect(port, process, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with status {process.returncode}")
        try:
            return socket.create_connection(("127.0.0.1", port), timeout=60)
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on port {port} after {timeout}s")


def read_until(sock, terminator):
    data = b""
    while not data.endswith(terminator):
        chunk = sock.recv(65536)
        if not chunk:
            raise RuntimeError(f"connection closed; got {data[-200:]!r}")
        data += chunk
    return data


def key(i):
    return b"key:%016d" % i  # 20 bytes


class Memcache:
    """memcached text protocol: memkv and memcached."""

    def __init__(self, sock):
        self.sock = sock

    def ping(self):
        self.sock.sendall(b"version\r\n")
        read_until(self.sock, b"\r\n")

    def load(self, count):
        value = b"v" * VALUE_BYTES
        for start in range(0, count, BATCH):
            batch = b"".join(
                b"set %s 0 0 %d noreply\r\n%s\r\n" % (key(i), VALUE_BYTES, value)
                for i in range(start, min(start + BATCH, count)))
            self.sock.sendall(batch)
        # Requests on one connection are answered in order: this reply comes after every set.
        self.sock.sendall(b"get %s\r\n" % key(count - 1))
        reply = read_until(self.sock, b"END\r\n")
        if not reply.startswith(b"VALUE "):
            raise RuntimeError(f"last item missing: {reply[:200]!r}")

    def overwrite(self, count, report):
        rng = random.Random(1)
        filler = b"v" * 2000
        for start in range(0, count, BATCH):
            batch = []
            for _ in range(min(BATCH, count - start)):
                size = rng.randrange(10, 2001)
                batch.append(b"set %s 0 0 %d noreply\r\n%s\r\n" %
                             (key(rng.randrange(OVERWRITE_KEYS)), size, filler[:size]))
            self.sock.sendall(b"".join(batch))
            done = start + len(batch)
            if done % 1_000_000 == 0 or done == count:
                self.sock.sendall(b"get absent\r\n")
                read_until(self.sock, b"END\r\n")
                report(done)

    def stat(self, name):
        self.sock.sendall(b"stats\r\n")
        for line in read_until(self.sock, b"END\r\n").split(b"\r\n"):
            if line.startswith(b"STAT %s " % name):
                return int(line.split()[2])
        return -1

    def items(self):
        return self.stat(b"curr_items")


class Redis:
    """RESP: redis-server."""

    def __init__(self, sock):
        self.sock = sock

    def ping(self):
        self.sock.sendall(b"*1\r\n$4\r\nPING\r\n")
        read_until(self.sock, b"\r\n")

    def load(self, count):
        value = b"v" * VALUE_BYTES
        for start in range(0, count, BATCH):
            end = min(start + BATCH, count)
            batch = b"".join(
                b"*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n" % (KEY_BYTES, key(i),
                                                                  VALUE_BYTES, value)
                for i in range(start, end))
            self.sock.sendall(batch)
            # Redis has no noreply: drain the +OK replies of this batch.
            read_until_count(self.sock, b"+OK\r\n", end - start)

    def items(self):
        self.sock.sendall(b"*1\r\n$6\r\nDBSIZE\r\n")
        return int(read_until(self.sock, b"\r\n")[1:-2])


def read_until_count(sock, reply, count):
    expected = len(reply) * count
    received = 0
    while received < expected:
        chunk = sock.recv(min(65536, expected - received))
        if not chunk:
            raise RuntimeError("connection closed while reading replies")
        received += len(chunk)


def measure(name, argv, port, client_class, count):
    process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        sock = connect(port, process)
        client = client_class(sock)
        client.ping()
        before = rss_bytes(process.pid)
        started = time.monotonic()
        client.load(count)
        seconds = time.monotonic() - started
        after = rss_bytes(process.pid)
        items = client.items()
        sock.close()
        return name, items, after - before, seconds
    finally:
        # Only the process started here, by its PID.
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def overwrite(name, argv, port, count):
    process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        sock = connect(port, process)
        client = Memcache(sock)

        def report(done):
            print(f"{name:<10} {done:>9} {rss_bytes(process.pid) / MIB:>8.1f} "
                  f"{client.stat(b'bytes') / MIB:>8.1f} {client.items():>8}", flush=True)

        client.overwrite(count, report)
        sock.close()
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def find_memkv(repo):
    for pattern in ("build/server/memkv", "build-*/server/memkv"):
        for path in sorted(glob.glob(os.path.join(repo, pattern))):
            if os.access(path, os.X_OK):
                return path
    return None


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("memkv", nargs="?", help="memkv binary (default: build/server/memkv)")
    parser.add_argument("--items", type=int, default=1_000_000)
    parser.add_argument("--no-memcached", action="store_true")
    parser.add_argument("--no-redis", action="store_true")
    parser.add_argument("--overwrite", type=int, metavar="N",
                        help="instead: N random-size sets over 2M keys with -m 64")
    args = parser.parse_args()
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    limit_mb = "64" if args.overwrite else "2048"

    runs = []
    memkv = args.memkv or find_memkv(repo)
    if memkv:
        port = free_port()
        runs.append(("memkv", [memkv, "-p", str(port), "-l", "127.0.0.1", "-m", limit_mb, "-t", "1"],
                     port, Memcache))
    else:
        print("memkv binary not found: skipping it (pass its path)", file=sys.stderr)
    if not args.no_memcached and shutil.which("memcached"):
        port = free_port()
        argv = ["memcached", "-p", str(port), "-l", "127.0.0.1", "-U", "0", "-m", limit_mb, "-t", "1"]
        if os.geteuid() == 0:
            argv += ["-u", "root"]  # memcached refuses to run as root without it
        runs.append(("memcached", argv, port, Memcache))
    if args.overwrite:
        print(f"{'server':<10} {'sets':>9} {'rss MiB':>8} {'live MiB':>8} {'items':>8}")
        for name, argv, port, _ in runs:
            overwrite(name, argv, port, args.overwrite)
        return
    if not args.no_redis and shutil.which("redis-server"):
        port = free_port()
        runs.append(("redis", ["redis-server", "--port", str(port), "--bind", "127.0.0.1",
                               "--save", "", "--appendonly", "no", "--maxmemory", "2gb"],
                     port, Redis))

    print(f"{'server':<10} {'items':>9} {'rss growth':>12} {'bytes/item':>11} "
          f"{'overhead/item':>14} {'load s':>7}")
    for name, argv, port, client_class in runs:
        try:
            name, items, growth, seconds = measure(name, argv, port, client_class, args.items)
        except (OSError, RuntimeError) as error:
            print(f"{name:<10} failed: {error}")
            continue
        per_item = growth / args.items
        print(f"{name:<10} {items:>9} {growth:>12} {per_item:>11.1f} "
              f"{per_item - KEY_BYTES - VALUE_BYTES:>14.1f} {seconds:>7.1f}")


if __name__ == "__main__":
    main()
