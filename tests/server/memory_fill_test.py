"""A small -m is used well: under a flood of distinct keys, at least 80% of the limit holds live
items (`stats bytes`: keys, values and per-item headers) at every point after the limit filled,
for small values, 66 KB values, values of random sizes up to -I, and -I-sized ones where 8 fit.

Before the engine sized shards and segments from -m and -I, -m 3 with 66 KB values held between
2 and 22 items (4% to 47%): a large value's record is ~50 bytes, so all of them sat in one
segment, and making room for one value cleaned that segment and evicted them all
(docs/memory.md, "Small limits").

One front-end mode and I/O engine only: how many shards and segments the engine has, and what it
evicts, depend on -m and -I alone; the mode only carries the sets to it. Takes about 5 seconds.
"""

import random
import socket
import sys

from memkv_server import Checker, MemkvServer, read_until, test_arguments

MIB = 1 << 20
FLOOR = 0.80


def stats_bytes(sock):
    sock.sendall(b"stats\r\n")
    for line in read_until(sock, b"END\r\n").decode().splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[1] == "bytes":
            return int(parts[2])
    raise RuntimeError("no STAT bytes")


def flood(port, limit_bytes, sizes, rng):
    """Sets distinct keys with value sizes from sizes(rng) until 4 limits were written; returns
    the fraction of the limit that `stats bytes` showed at its lowest after 1.5 limits."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=60)
    written = 0
    key = 0
    lowest = None
    while written < 4 * limit_bytes:
        batch = []
        batch_bytes = 0
        # About 1/16 of the limit per batch, so that samples fall between evictions.
        while batch_bytes < limit_bytes // 16:
            size = sizes(rng)
            batch.append(b"set fill:%011d 0 0 %d noreply\r\n%s\r\n" % (key, size, b"v" * size))
            batch_bytes += size
            key += 1
        sock.sendall(b"".join(batch))
        written += batch_bytes
        if written >= 1.5 * limit_bytes:
            fraction = stats_bytes(sock) / limit_bytes
            lowest = fraction if lowest is None else min(lowest, fraction)
    sock.close()
    return lowest


def main():
    args = test_arguments()
    check = Checker()
    largest = MIB - 16 - 64  # -I 1m (the default) less the 16-byte key and a margin
    # (-m, -I, what, value sizes, the floor). Values of random size up to -I cannot promise 80%
    # where -I is a third of the limit: making room for an item of up to -I may leave a hole of
    # up to -I, so the floor there is 1 - -I/-m (memcached fell to 0.63 at -m 3).
    cases = [
        (3, "1m", "100 B", lambda rng: 100, FLOOR),
        (3, "1m", "66 KB", lambda rng: 66 * 1024, FLOOR),
        (1, "512k", "100 B", lambda rng: 100, FLOOR),  # -m 1: the least --help allows
        (1, "512k", "66 KB", lambda rng: 66 * 1024, FLOOR),
        (3, "1m", "random 100 B to -I", lambda rng: rng.randint(100, largest), 1 - 1 / 3),
        (8, "1m", "random 100 B to -I", lambda rng: rng.randint(100, largest), FLOOR),
        (8, "1m", "-I-sized", lambda rng: largest, FLOOR),
    ]
    for limit_mb, max_item, name, sizes, floor in cases:
        with MemkvServer(args.binary, ["-m", str(limit_mb), "-I", max_item, "-t", "1"]) as server:
            lowest = flood(server.port, limit_mb * MIB, sizes, random.Random(17))
        print(f"-m {limit_mb} -I {max_item}, {name}: lowest live fraction {lowest:.3f}")
        check.expect(lowest is not None and lowest >= floor,
                     f"-m {limit_mb} -I {max_item}, {name}: live items fell to {lowest:.3f} of "
                     f"the limit (want >= {floor:.3f})")
    return check.exit_status()


if __name__ == "__main__":
    sys.exit(main())
