#!/usr/bin/env python3
"""How much of a small memory limit holds live items under a write flood: memkv beside memcached.

For each -m and value size it starts the server on a free 127.0.0.1 port (`-m M -I I -t 1`),
sends distinct keys (enough values to fill the limit --fills times over, default 4) with
pipelined `set ... noreply` in batches and prints, over the samples taken during the flood,

    server, -m, -I, value bytes, items held, values held / -m, item bytes held / -m

The samples: after 1.5 limits were written, `stats` after every batch (1/16 of the limit), so
the minimum shows the cache at its emptiest during the flood, not just at its end. "item bytes"
is `stats bytes` (key, value and the server's per-item header), "values" items x value size.

Every process it starts is stopped by its own PID.

Usage:
    tools/memory_fill.py [path/to/memkv] [--limits 3,8,64] [--values 100,67584,I]
                         [--max-item 1m] [--no-memcached] [--repeat N]

A value size of `I` means the largest value -I allows with the 16-byte keys used (-I - 16 - 64:
memcached's item header counts against -I too).
"""

import argparse
import glob
import os
import shutil
import subprocess
import sys
import time

# The server and socket helpers memory_overhead.py (same folder) already has.
from memory_overhead import connect, free_port, read_until  # noqa: E402

KEY_FORMAT = b"fill:%011d"  # 16 bytes
MIB = 1 << 20


def parse_size(text):
    text = text.strip().lower()
    scale = {"k": 1 << 10, "m": 1 << 20}.get(text[-1:], 1)
    return int(text.rstrip("km")) * scale


def stats(sock):
    sock.sendall(b"stats\r\n")
    out = {}
    for line in read_until(sock, b"END\r\n").decode().splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[0] == "STAT":
            out[parts[1]] = parts[2]
    return out


def flood(port, process, limit_bytes, value_bytes, sets):
    """Sets `sets` distinct keys; once 1.5 limits were written, reads `stats` after every batch.
    Returns the samples: (items, value bytes held, item bytes held as `stats bytes` counts)."""
    sock = connect(port, process)
    value = b"v" * value_bytes
    # At most 1/16 of the limit per batch, so that the samples see the cache between evictions.
    batch = max(1, min(2000, (limit_bytes // 16) // (value_bytes + 64)))
    sent = 0
    samples = []
    while sent < sets:
        n = min(batch, sets - sent)
        payload = b"".join(
            b"set %s 0 0 %d noreply\r\n%s\r\n" % (KEY_FORMAT % (sent + i), value_bytes, value)
            for i in range(n))
        sock.sendall(payload)
        sent += n
        if sent * value_bytes >= 1.5 * limit_bytes:
            figures = stats(sock)  # a round trip: everything sent before is processed
            items = int(figures["curr_items"])
            samples.append((items, items * value_bytes, int(figures["bytes"])))
    sock.close()
    return samples


def run_one(argv, port, limit_bytes, value_bytes, sets):
    process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        return flood(port, process, limit_bytes, value_bytes, sets)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def find_memkv():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    for pattern in ("build/server/memkv", "build-*/server/memkv"):
        found = sorted(glob.glob(os.path.join(root, pattern)))
        if found:
            return found[0]
    return None


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("memkv", nargs="?", default=find_memkv())
    parser.add_argument("--limits", default="3,8,64", help="-m values, MB")
    parser.add_argument("--values", default="100,67584,I", help="value sizes; I = the largest")
    parser.add_argument("--max-item", default="1m", help="-I")
    parser.add_argument("--fills", type=float, default=4.0, help="limit multiples to write")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--no-memcached", action="store_true")
    args = parser.parse_args()
    if args.memkv is None:
        sys.exit("no memkv binary: build it or pass its path")
    max_item = parse_size(args.max_item)
    servers = [("memkv", args.memkv)]
    if not args.no_memcached and shutil.which("memcached"):
        servers.append(("memcached", shutil.which("memcached")))

    print(f"{'server':10} {'-m':>4} {'-I':>6} {'value':>8} {'items':>11} "
          f"{'values/-m':>15} {'item bytes/-m':>15}")
    print(f"{'':10} {'':>4} {'':>6} {'':>8} {'min-median':>11} "
          f"{'min   median':>15} {'min   median':>15}")
    for limit in (int(m) for m in args.limits.split(",")):
        limit_bytes = limit * MIB
        for v in args.values.split(","):
            value_bytes = max_item - 16 - 64 if v.strip() == "I" else parse_size(v)
            sets = int(args.fills * limit_bytes / (value_bytes + 16)) + 10
            for name, binary in servers:
                for _ in range(args.repeat):
                    port = free_port()
                    argv = [binary, "-l", "127.0.0.1", "-p", str(port), "-m", str(limit),
                            "-I", args.max_item, "-t", "1"]
                    if name == "memcached":
                        argv += ["-U", "0"] + (["-u", "root"] if os.geteuid() == 0 else [])
                    samples = run_one(argv, port, limit_bytes, value_bytes, sets)
                    items = sorted(s[0] for s in samples)
                    held = sorted(s[1] / limit_bytes for s in samples)
                    item_bytes = sorted(s[2] / limit_bytes for s in samples)
                    mid = len(samples) // 2
                    print(f"{name:10} {limit:>4} {args.max_item:>6} {value_bytes:>8} "
                          f"{items[0]:>5}-{items[mid]:<5} {held[0]:>7.3f} {held[mid]:>7.3f} "
                          f"{item_bytes[0]:>7.3f} {item_bytes[mid]:>7.3f}", flush=True)


if __name__ == "__main__":
    main()
