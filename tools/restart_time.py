#!/usr/bin/env python3
"""How long a warm restart takes: memkv --restart-file beside memcached -e, on the same machine.

For each server it starts it with a restart file on /dev/shm (tmpfs, where memcached's -e help
says the file belongs; another folder with --dir) and -m 1100 (MB), loads N items (default
1,000,000 values of 1,000 bytes with 16-byte keys: about 1 GiB of item bytes) with pipelined
`set ... noreply`, stops it the graceful way (SIGUSR1, memcached's; memkv takes it too), starts it
again with the same file and settings, and prints

    server, items, load s, stop s (signal to exit), start s (exec to listening), items after,
    sample

Between the stop and the start both servers get a 2 s pause: memcached 1.6.18 refuses a file
stopped less than about a second before. `start s` is until the port accepts, which for both servers is after the items are back. The
sample check reads 1,000 keys spread over the load and compares their values. Every process it
starts is stopped by its own PID, and the files are removed afterwards.

Usage: tools/restart_time.py [path/to/memkv] [--items N] [--value-bytes B] [--no-memcached]
Without a path it looks for build/server/memkv, then build-*/server/memkv, under the repository.
"""

import argparse
import glob
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_listening(port, process, timeout=300):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"exited with {process.returncode} before listening")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.005)
    raise RuntimeError("not listening")


def read_until(sock, suffix):
    data = b""
    while not data.endswith(suffix):
        chunk = sock.recv(1 << 20)
        if not chunk:
            break
        data += chunk
    return data


def value(i, size):
    return (b"%015d|" % i * (size // 16 + 1))[:size]


def load(port, items, size):
    with socket.create_connection(("127.0.0.1", port)) as sock:
        for start in range(0, items, 5000):
            sock.sendall(b"".join(b"set key%012d 0 0 %d noreply\r\n%s\r\n" % (i, size, value(i, size))
                                  for i in range(start, min(items, start + 5000))))
        sock.sendall(b"mn\r\n")
        read_until(sock, b"MN\r\n")


def curr_items(port):
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.sendall(b"stats\r\n")
        return int(re.search(rb"STAT curr_items (\d+)", read_until(sock, b"END\r\n")).group(1))


def sample(port, items, size):
    """Of 1,000 keys spread over the load: how many are there, and how many of those read back
    a value other than the one stored."""
    hits = wrong = 0
    with socket.create_connection(("127.0.0.1", port)) as sock:
        for i in range(0, items, max(1, items // 1000)):
            sock.sendall(b"get key%012d\r\n" % i)
            reply = read_until(sock, b"END\r\n")
            if reply != b"END\r\n":
                hits += 1
                wrong += reply != b"VALUE key%012d 0 %d\r\n%s\r\nEND\r\n" % (i, size, value(i, size))
    return hits, wrong


def measure(name, command, port, items, size):
    server = subprocess.Popen(command, stdin=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_listening(port, server)
        began = time.monotonic()
        load(port, items, size)
        loaded = time.monotonic() - began
        stored = curr_items(port)
        began = time.monotonic()
        server.send_signal(signal.SIGUSR1)
        server.wait(timeout=300)
        stopped = time.monotonic() - began
        # memcached 1.6.18 refuses to reopen a file stopped less than about a second ago
        # ("restart incompatible due to setting for [stop_time]"); both servers get the pause.
        time.sleep(2)
        began = time.monotonic()
        server = subprocess.Popen(command, stdin=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_listening(port, server)
        started = time.monotonic() - began
        after = curr_items(port)
        hits, wrong = sample(port, items, size)
        print(f"{name:10} {stored:>9} {loaded:8.2f} {stopped:8.2f} {started:8.2f} {after:>11} "
              f"{hits} there, {wrong} wrong", flush=True)
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("memkv", nargs="?")
    parser.add_argument("--items", type=int, default=1_000_000)
    parser.add_argument("--value-bytes", type=int, default=1000)
    parser.add_argument("--memory-mb", type=int, default=1100)
    parser.add_argument("--dir", default="/dev/shm" if os.path.isdir("/dev/shm") else None)
    parser.add_argument("--no-memcached", action="store_true")
    args = parser.parse_args()
    memkv = args.memkv or next(iter(glob.glob(os.path.join(ROOT, "build", "server", "memkv")) +
                                    glob.glob(os.path.join(ROOT, "build-*", "server", "memkv"))),
                               None)
    if memkv is None:
        sys.exit("no memkv binary: build it or give its path")
    print(f"{'server':10} {'items':>9} {'load s':>8} {'stop s':>8} {'start s':>8} {'items after':>11} sample")
    with tempfile.TemporaryDirectory(prefix="memkv-restart-time-", dir=args.dir) as workdir:
        port = free_port()
        memkv_file = os.path.join(workdir, "memkv")
        measure("memkv", [memkv, "-p", str(port), "-l", "127.0.0.1", "-m", str(args.memory_mb),
                          "-e", memkv_file], port, args.items, args.value_bytes)
        os.unlink(memkv_file)
        if not args.no_memcached:
            port = free_port()
            command = ["memcached", "-p", str(port), "-l", "127.0.0.1", "-U", "0",
                       "-m", str(args.memory_mb), "-e", os.path.join(workdir, "memcached")]
            if os.geteuid() == 0:
                command += ["-u", "root"]
            measure("memcached", command, port, args.items, args.value_bytes)


if __name__ == "__main__":
    main()
