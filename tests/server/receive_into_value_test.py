"""Large memcached set values received straight into the block they are stored in (memcached's
conn_nread; docs/architectures.md, "The value path"), in every front-end mode x I/O engine,
compared byte for byte with a real memcached 1.6.18 started by this test.

memkv runs with --receive-into-value 4k, so every value here from 48 KiB up takes that path, in the text, meta and binary protocols
(values of a few bytes take the buffered path, in the same scenarios). Each scenario runs on a
fresh connection; every step is sent the way it says (whole, or in many small writes with pauses,
so the value arrives over many receives), followed by a meta no-op ("mn"), and the step's answer
is everything up to the no-op's "MN". Covered: set/add/replace/append/prepend/cas, noreply, a
wrong CRLF after the value ("bad data chunk"), a value over -I (answered at once, the value
swallowed), meta ms with flags and a wrong CRLF, binary SET/ADD/REPLACE/APPEND/SETQ; the values read back are
compared byte for byte.
Then, per combination: clients that disconnect in the middle of a value (the value counts in
client_memory meanwhile; the server lives on, its other clients are served, and an ASan build
reports no leak at exit), RESP SETs of large values split
across writes (compared with a real redis-server 7.0), and the connection count back to one.

Usage: receive_into_value_test.py --binary path/to/memkv [--mode M ...] [--io E ...]
Skips the memcached comparison, saying so, when no memcached is on PATH.
"""

import random
import re
import shutil
import socket
import struct
import sys
import time

from memkv_server import (Checker, MemkvServer, available_modes, memcached_oracle, read_until,
                          redis_oracle, resp_request, test_arguments)

MARKER = b"mn\r\n"
MARKER_REPLY = b"MN\r\n"


def value(size, seed):
    """`size` bytes without CR or LF (so the marker can never be read inside one)."""
    rng = random.Random(seed)
    return bytes(rng.choice(b"abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(size))


BIG = value(300_000, 1)
BIG2 = value(200_003, 2)
MID = value(48 * 1024, 3)


def trickle(data, pieces=40):
    """`data` cut into `pieces` writes."""
    step = max(1, len(data) // pieces)
    return [data[i:i + step] for i in range(0, len(data), step)]


def storage(command, key, data, extra=b"", tail=b"\r\n"):
    return b"%s %s 5 0 %d%s\r\n%s%s" % (command, key, len(data), extra, data, tail)


# (name, steps): a step is (chunks, pause between them in seconds). "{cas}" in a chunk becomes the
# CAS the connection's last gets answered.
SCENARIOS = [
    ("set trickled, read back", [
        (trickle(storage(b"set", b"a", BIG)), 0.002),
        ([b"get a\r\n"], 0),
        (trickle(storage(b"set", b"a", BIG2), 80), 0.001),
        ([b"get a\r\n"], 0),
    ]),
    ("header alone, then the value", [
        ([b"set b 0 0 %d\r\n" % len(BIG), BIG[:1], BIG[1:100_000], BIG[100_000:] + b"\r\n"], 0.02),
        ([b"get b\r\n"], 0),
    ]),
    ("bad data chunk", [
        ([storage(b"set", b"c", MID)], 0),
        (trickle(storage(b"set", b"c", BIG, tail=b"XY")), 0.001),
        ([b"get c\r\n"], 0),
        ([storage(b"set", b"c2", BIG, tail=b"\rX")], 0),
        ([storage(b"set", b"c3", BIG, extra=b" noreply", tail=b"ZZ")], 0),
        ([b"get c c2 c3\r\n"], 0),
    ]),
    ("modes", [
        ([storage(b"add", b"d", BIG)], 0),
        ([storage(b"add", b"d", MID)], 0),
        ([storage(b"replace", b"d", MID)], 0),
        ([storage(b"replace", b"dmissing", MID)], 0),
        ([storage(b"append", b"d", BIG2)], 0),
        ([storage(b"prepend", b"d", MID)], 0),
        ([b"get d\r\n"], 0),
        ([storage(b"set", b"d2", BIG, extra=b" noreply")], 0),
        ([b"get d2\r\n"], 0),
    ]),
    ("cas", [
        ([storage(b"cas", b"e", BIG, extra=b" 12345")], 0),
        ([storage(b"set", b"e", MID)], 0),
        ([b"gets e\r\n"], 0),
        (trickle(storage(b"cas", b"e", BIG, extra=b" {cas}")), 0.001),
        ([storage(b"cas", b"e", BIG2, extra=b" {cas}")], 0),
        ([b"get e\r\n"], 0),
    ]),
    ("too large", [
        ([storage(b"set", b"f", MID)], 0),
        (trickle(storage(b"set", b"f", value(1_100_000, 4))), 0.001),
        ([b"get f\r\n"], 0),
    ]),
    # The whole value and its CR in one read, the LF later: the CR must be kept for the trailer
    # (it was consumed with the value once, and the request then never answered).
    ("value whole with its CR, then the LF", [
        ([storage(b"set", b"h", MID, tail=b"\r"), b"\n"], 0.05),
        ([b"get h\r\n"], 0),
        ([b"ms h2 %d\r\n%s\r" % (len(MID), MID), b"\n"], 0.05),
        ([b"mg h2 v\r\n"], 0),
    ]),
    ("meta ms", [
        (trickle(b"ms g %d T0 F7 c\r\n%s\r\n" % (len(BIG), BIG)), 0.002),
        ([b"mg g v f s\r\n"], 0),
        ([b"ms g %d MA\r\n%s\r\n" % (len(MID), MID)], 0),
        ([b"mg g s\r\n"], 0),
        ([b"ms g2 %d\r\n%sXY" % (len(BIG), BIG)], 0),
        ([b"mg g2 v\r\n"], 0),
        ([b"ms g3 %d q\r\n%s\r\n" % (len(BIG2), BIG2)], 0),
        ([b"mg g3 v\r\n"], 0),
    ]),
]


def transcript(port, steps):
    answers = []
    with socket.create_connection(("127.0.0.1", port), timeout=20) as sock:
        cas = b"0"
        for chunks, pause in steps:
            for i, chunk in enumerate(chunks):
                if i and pause:
                    time.sleep(pause)
                sock.sendall(chunk.replace(b"{cas}", cas))
            sock.sendall(MARKER)
            answer = read_until(sock, MARKER_REPLY)
            found = re.match(rb"VALUE \S+ \d+ \d+ (\d+)\r\n", answer)
            if found:
                cas = found.group(1)
            # CAS numbers differ between the servers.
            answer = re.sub(rb"^(VALUE \S+ \d+ \d+) \d+", rb"\1 <cas>", answer)
            answers.append(re.sub(rb"^(HD|VA \d+)(.*) c\d+", rb"\1\2 c<cas>", answer))
    return answers


HEADER = struct.Struct(">BBHBBHIIQ")
SET, ADD, REPLACE, GET, NOOP, APPEND, SETQ = 0x01, 0x02, 0x03, 0x00, 0x0A, 0x0E, 0x11


def binary(op, key=b"", extras=b"", data=b"", cas=0):
    body = extras + key + data
    return HEADER.pack(0x80, op, len(key), len(extras), 0, 0, len(body), 0, cas) + body


def binary_store(op, key, data, flags=5):
    return binary(op, key, struct.pack(">II", flags, 0), data)


# Binary-protocol steps: the value ends its request, with no CRLF after it.
BINARY_STEPS = [
    (trickle(binary_store(SET, b"bin", BIG)), 0.002),
    ([binary(GET, b"bin")], 0),
    ([binary_store(ADD, b"bin", BIG2)], 0),
    ([binary_store(REPLACE, b"bin", BIG2)], 0),
    ([binary(APPEND, b"bin", data=MID)], 0),
    ([binary(GET, b"bin")], 0),
    (trickle(binary_store(SETQ, b"binq", BIG), 10), 0.002),
    ([binary(GET, b"binq")], 0),
]


def binary_transcript(port):
    """The answers to BINARY_STEPS, each up to the NOOP sent after it; CAS fields zeroed."""
    answers = []
    with socket.create_connection(("127.0.0.1", port), timeout=20) as sock:
        pending = b""
        for chunks, pause in BINARY_STEPS:
            for i, chunk in enumerate(chunks):
                if i and pause:
                    time.sleep(pause)
                sock.sendall(chunk)
            sock.sendall(binary(NOOP))
            answer = []
            while True:
                while len(pending) < HEADER.size or \
                        len(pending) < HEADER.size + HEADER.unpack_from(pending)[6]:
                    chunk = sock.recv(65536)
                    if not chunk:
                        return answers + [b"closed"]
                    pending += chunk
                fields = list(HEADER.unpack_from(pending))
                size = HEADER.size + fields[6]
                fields[8] = 0  # CAS numbers differ between the servers
                answer.append(HEADER.pack(*fields) + pending[HEADER.size:size])
                pending = pending[size:]
                if fields[1] == NOOP:
                    break
            answers.append(b"".join(answer))
    return answers


def transcripts(port):
    answers = {name: transcript(port, steps) for name, steps in SCENARIOS}
    answers["binary"] = binary_transcript(port)
    return answers


def compare(label, expected, actual, check):
    ok = True
    for name, want in expected.items():
        got = actual[name]
        for i, (w, g) in enumerate(zip(want, got)):
            ok &= check.expect(w == g, f"{label} {name} step {i}: expected {w[:120]!r} "
                                       f"({len(w)} bytes), got {g[:120]!r} ({len(g)} bytes)")
    return ok


def stat(port, name, sock=None):
    """One `stats` line's number, asked on `sock` or on a connection of its own."""
    if sock is None:
        with socket.create_connection(("127.0.0.1", port), timeout=10) as own:
            return stat(port, name, own)
    sock.sendall(b"stats\r\n")
    stats = read_until(sock, b"END\r\n")
    found = re.search(rb"STAT %s (\d+)" % name.encode(), stats)
    return int(found.group(1)) if found else None


def disconnects_mid_value(port, check, label):
    """Clients that leave in the middle of a value: the server serves the others, and afterwards."""
    survivor = socket.create_connection(("127.0.0.1", port), timeout=10)
    for cut in (1, 60_000, len(BIG) - 1):
        leaver = socket.create_connection(("127.0.0.1", port), timeout=10)
        leaver.sendall(b"set gone 0 0 %d\r\n" % len(BIG) + BIG[:cut])
        time.sleep(0.02)
        if cut == 60_000:
            # The value being received counts against the clients' memory from its header on.
            used = stat(port, "client_memory")
            check.expect(used is not None and used >= len(BIG),
                         f"{label}: client_memory {used} while a {len(BIG)}-byte value arrives")
        leaver.close()
        survivor.sendall(storage(b"set", b"alive", BIG2) + b"get alive\r\n")
        answer = read_until(survivor, b"END\r\n")
        check.expect(answer == b"STORED\r\nVALUE alive 5 %d\r\n%s\r\nEND\r\n" % (len(BIG2), BIG2),
                     f"{label}: a client that left after {cut} value bytes disturbed another")
    survivor.sendall(b"get gone\r\n")
    check.expect(read_until(survivor, b"END\r\n") == b"END\r\n",
                 f"{label}: a value cut by its client's close was stored")
    survivor.close()
    # The connections' state is gone too: only the stats connection is left (asked on one
    # connection, so that no earlier stats connection still closing is counted).
    with socket.create_connection(("127.0.0.1", port), timeout=10) as probe:
        for _ in range(1000):
            if stat(port, "curr_connections", probe) == 1:
                break
            time.sleep(0.01)
        left = stat(port, "curr_connections", probe)
    check.expect(left == 1, f"{label}: {left - 1} connections left after their clients did")


# RESP steps (compared with redis-server): SET key value split across writes goes straight into
# the value's block; Redis skips the two bytes after a bulk's data whatever they are.
RESP_STEPS = [
    (trickle(resp_request("SET", "r", BIG), 50), 0.001),
    ([resp_request("GET", "r")], 0),
    ([resp_request("SET", "r2", BIG2)[:-2] + b"XY", resp_request("GET", "r2")], 0.01),
    ([b"*3\r\n$3\r\nsEt\r\n$2\r\nr3\r\n$%d\r\n" % len(MID), MID[:10], MID[10:] + b"\r\n"], 0.01),
    ([resp_request("STRLEN", "r3")], 0),
    ([resp_request("SET", "r4", BIG, "EX", "100")[:1000], resp_request("SET", "r4", BIG, "EX", "100")[1000:]],
     0.01),
    ([resp_request("TTL", "r4")], 0),
]


def resp_transcript(port):
    """The answers to RESP_STEPS, each up to the PING's +PONG sent after it."""
    answers = []
    with socket.create_connection(("127.0.0.1", port), timeout=20) as sock:
        for chunks, pause in RESP_STEPS:
            for i, chunk in enumerate(chunks):
                if i and pause:
                    time.sleep(pause)
                sock.sendall(chunk)
            sock.sendall(resp_request("PING"))
            answers.append(read_until(sock, b"+PONG\r\n"))
    return answers


def resp_split_set(port, check, label, expected):
    """RESP SETs of large values split across writes, against redis-server's answers."""
    before = stat(port, "values_received_direct")
    got = resp_transcript(port)
    if expected is not None:
        for i, (w, g) in enumerate(zip(expected, got)):
            check.expect(w == g, f"{label} RESP step {i}: expected {w[:80]!r} ({len(w)} bytes), "
                                 f"got {g[:80]!r} ({len(g)} bytes)")
    after = stat(port, "values_received_direct")
    check.expect(after - before >= 2, f"{label}: {after - before} RESP values received direct")


def main():
    args = test_arguments()
    check = Checker()
    expected = None
    if shutil.which("memcached") is None:
        print("SKIP memcached comparison: memcached not on PATH")
    else:
        with memcached_oracle() as oracle:
            expected = transcripts(oracle.port)
    resp_expected = None
    if shutil.which("redis-server") is None:
        print("SKIP redis-server comparison: redis-server not on PATH")
    else:
        with redis_oracle() as oracle:
            resp_expected = resp_transcript(oracle.port)
    started = time.monotonic()
    for mode in available_modes(args.binary, args.modes):
        for io in args.ios:
            label = f"{mode} x {io}"
            with MemkvServer(args.binary, ["--mode", mode, "--io", io, "-t", "2",
                                           "--receive-into-value", "4k"]) as server:
                actual = transcripts(server.port)
                if expected is not None and compare(label, expected, actual, check):
                    print(f"PASS {label}: {len(expected)} scenarios byte for byte")
                # The large values took the direct path, and (not over TLS) most of their bytes
                # were written by the kernel straight into their blocks.
                received, direct = (stat(server.port, "values_received_direct"),
                                    stat(server.port, "bytes_read_direct"))
                check.expect(received is not None and received >= 10,
                             f"{label}: {received} values received into their blocks")
                check.expect(direct is not None and direct > 1_000_000,
                             f"{label}: {direct} bytes read straight into value blocks")
                disconnects_mid_value(server.port, check, label)
                resp_split_set(server.port, check, label, resp_expected)
            check.expect(server.returncode == 0, f"{label}: exit status {server.returncode}")
    # With the path off, the same scenarios give the same answers through the input buffer.
    with MemkvServer(args.binary, ["-t", "2", "--receive-into-value", "0"]) as server:
        actual = transcripts(server.port)
        if expected is not None and compare("buffered", expected, actual, check):
            print(f"PASS buffered path: {len(expected)} scenarios byte for byte")
        check.expect(stat(server.port, "values_received_direct") == 0,
                     "--receive-into-value 0 still received values into their blocks")
    print(f"{time.monotonic() - started:.1f} s")
    return check.exit_status()


if __name__ == "__main__":
    sys.exit(main())
