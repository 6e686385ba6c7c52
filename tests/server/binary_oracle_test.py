"""Sends the same memcached binary-protocol byte sequences to memkv (in every front-end mode x I/O
engine) and to a real memcached 1.6.18 (started by this test) and compares the answers byte for
byte, after masking what legitimately differs:
  - CAS values: each server numbers items its own way, so each server's CAS values are renamed
    C1, C2, ... in order of first appearance within a scenario (equal and different CAS values
    must still line up); "{cas}" in a request becomes the last nonzero CAS that server answered;
  - the VERSION body ("1.6.18" against memkv's "1.6.18-memkv-0.1"), replaced by "<version>".

Each scenario runs on a fresh connection with its own keys ("%" in a key becomes the scenario's
prefix). Every step is followed by a NOOP with a marker opaque; the step's answer is everything
up to that NOOP's answer (so quiet-mode silence is compared too), or up to the close for the
steps after which memcached closes. One scenario is sent one byte at a time.

SASL PLAIN (memkv --auth-file against memcached -S with a Cyrus sasldb holding the same user)
runs when saslpasswd2 (Debian's sasl2-bin) is installed; otherwise it says so and is skipped.

STAT is compared by shape only (one packet per statistic, then an empty one): the statistics
themselves differ between the servers.

Usage: binary_oracle_test.py --binary path/to/memkv [--mode M ...] [--io E ...]
Skips the comparison, saying so, when no memcached is on PATH.
"""

import os
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time

from memkv_server import MemkvServer, available_modes, memcached_oracle, test_arguments

MARKER = 0xFEEDF00D
HEADER = struct.Struct(">BBHBBHIIQ")

GET, SET, ADD, REPLACE, DELETE, INCR, DECR, QUIT, FLUSH, GETQ, NOOP, VERSION, GETK, GETKQ = range(14)
APPEND, PREPEND, STAT, SETQ, ADDQ, REPLACEQ, DELETEQ, INCRQ, DECRQ, QUITQ, FLUSHQ = range(14, 25)
APPENDQ, PREPENDQ = 0x19, 0x1A
TOUCH, GAT, GATQ, GATK, GATKQ = 0x1C, 0x1D, 0x1E, 0x23, 0x24
SASL_LIST, SASL_AUTH, SASL_STEP = 0x20, 0x21, 0x22


# pkt(cas="{cas}") stores this value in the CAS field; resolve() swaps it for the last CAS the
# server answered in the scenario.
CAS_PLACEHOLDER = 0xCA5CA5CA5CA5CA5C


def pkt(op, key=b"", extras=b"", value=b"", opaque=0, cas=0, keylen=None, bodylen=None,
        magic=0x80):
    """One request packet; keylen / bodylen override the true lengths to make bad ones."""
    if cas == "{cas}":
        cas = CAS_PLACEHOLDER
    body = len(key) + len(extras) + len(value)
    return HEADER.pack(magic, op, len(key) if keylen is None else keylen, len(extras), 0, 0,
                       body if bodylen is None else bodylen, opaque, cas) + extras + key + value


def set_extras(flags=0, exptime=0):
    return struct.pack(">II", flags, exptime)


def incr_extras(delta, initial=0, exptime=0xFFFFFFFF):
    return struct.pack(">QQI", delta, initial, exptime)


def exp(seconds):
    return struct.pack(">I", seconds)


BIG = b"x" * 2000000
K250 = b"k" * 250

SCENARIOS = [
    ("get family", [
        pkt(GET, b"%a", opaque=1), pkt(GETK, b"%a", opaque=2), pkt(GETQ, b"%a"), pkt(GETKQ, b"%a"),
        pkt(SET, b"%a", set_extras(5, 0), b"hello", opaque=3),
        pkt(GET, b"%a", opaque=4), pkt(GETK, b"%a", opaque=5), pkt(GETQ, b"%a", opaque=6),
        pkt(GETKQ, b"%a", opaque=7),
        pkt(SET, b"%e", set_extras(0, 0), b""), pkt(GET, b"%e"),
    ]),
    ("stores", [
        pkt(SET, b"%a", set_extras(1, 0), b"one"), pkt(ADD, b"%a", set_extras(2, 0), b"two"),
        pkt(ADD, b"%b", set_extras(3, 0), b"bee", opaque=9), pkt(REPLACE, b"%c", set_extras(), b"x"),
        pkt(REPLACE, b"%b", set_extras(4, 0), b"BEE"), pkt(GET, b"%b"),
        pkt(SETQ, b"%d", set_extras(), b"quiet"), pkt(ADDQ, b"%d", set_extras(), b"no"),
        pkt(REPLACEQ, b"%none", set_extras(), b"no"), pkt(REPLACEQ, b"%d", set_extras(), b"yes"),
        pkt(ADDQ, b"%f", set_extras(), b"new"), pkt(GET, b"%d"), pkt(GET, b"%f"),
        pkt(APPEND, b"%a", value=b"+end"), pkt(PREPEND, b"%a", value=b"start+"),
        pkt(APPEND, b"%none", value=b"x"), pkt(PREPEND, b"%none", value=b"x"),
        pkt(APPENDQ, b"%a", value=b"!"), pkt(PREPENDQ, b"%a", value=b"!"),
        pkt(APPENDQ, b"%none", value=b"x"), pkt(GET, b"%a"),
    ]),
    ("cas", [
        pkt(SET, b"%a", set_extras(), b"v1"), pkt(GET, b"%a"),
        pkt(SET, b"%a", set_extras(), b"v2", cas=12345), pkt(SET, b"%a", set_extras(), b"v3", cas="{cas}"),
        pkt(GET, b"%a"), pkt(SET, b"%none", set_extras(), b"x", cas=5),
        pkt(ADD, b"%a", set_extras(), b"v4", cas="{cas}"), pkt(REPLACE, b"%a", set_extras(), b"v5", cas=1),
        pkt(APPEND, b"%a", value=b"!", cas=1), pkt(APPEND, b"%a", value=b"!", cas="{cas}"),
        pkt(APPEND, b"%none", value=b"!", cas=7),
        pkt(DELETE, b"%a", cas=1), pkt(GET, b"%a"), pkt(DELETE, b"%a", cas="{cas}"), pkt(GET, b"%a"),
        pkt(SETQ, b"%b", set_extras(), b"x", cas=99),
    ]),
    ("delete", [
        pkt(DELETE, b"%a", opaque=3), pkt(DELETEQ, b"%a", opaque=4),
        pkt(SET, b"%a", set_extras(), b"v"), pkt(DELETE, b"%a"), pkt(SET, b"%a", set_extras(), b"v"),
        pkt(DELETEQ, b"%a"), pkt(GET, b"%a"),
    ]),
    ("arithmetic", [
        pkt(INCR, b"%n", incr_extras(1)), pkt(DECR, b"%n", incr_extras(1)),
        pkt(INCR, b"%n", incr_extras(1, 10, 0), opaque=5), pkt(INCR, b"%n", incr_extras(5)),
        pkt(DECR, b"%n", incr_extras(100)), pkt(INCRQ, b"%n", incr_extras(7)),
        pkt(DECRQ, b"%m", incr_extras(1)), pkt(INCRQ, b"%m2", incr_extras(1, 3, 0)), pkt(GET, b"%n"),
        pkt(GET, b"%m2"), pkt(DECR, b"%d", incr_extras(1, 50, 100)), pkt(GET, b"%d"),
        pkt(SET, b"%s", set_extras(), b"abc"), pkt(INCR, b"%s", incr_extras(1)),
        pkt(SET, b"%w", set_extras(3, 0), b"18446744073709551615"), pkt(INCR, b"%w", incr_extras(2)),
        pkt(GET, b"%w"), pkt(INCR, b"%w", incr_extras(1), cas=1),
        pkt(INCR, b"%w", incr_extras(1), cas="{cas}"),
    ]),
    ("touch", [
        pkt(TOUCH, b"%a", exp(10)), pkt(GAT, b"%a", exp(10)), pkt(GATQ, b"%a", exp(10)),
        pkt(GATK, b"%a", exp(10)), pkt(GATKQ, b"%a", exp(10)),
        pkt(SET, b"%a", set_extras(7, 100), b"val"), pkt(TOUCH, b"%a", exp(200), opaque=1),
        pkt(GAT, b"%a", exp(0), opaque=2), pkt(GATQ, b"%a", exp(300), opaque=3),
        pkt(GATK, b"%a", exp(300)), pkt(GATKQ, b"%a", exp(300)),
        pkt(SET, b"%b", set_extras(), b"gone"), pkt(TOUCH, b"%b", exp(0xFFFFFFF0)), pkt(GET, b"%b"),
    ]),
    ("pipelining", [
        pkt(SETQ, b"%a", set_extras(), b"1") + pkt(SETQ, b"%c", set_extras(), b"3"),
        pkt(GETKQ, b"%a", opaque=1) + pkt(GETKQ, b"%b", opaque=2) + pkt(GETKQ, b"%c", opaque=3)
        + pkt(NOOP, opaque=4),
        pkt(VERSION, opaque=77), pkt(NOOP, opaque=78),
    ]),
    ("refused, connection lives", [
        pkt(0x1B, opaque=1), pkt(0x30), pkt(0xFF), pkt(0x25),
        pkt(STAT, b"bogus", opaque=3), pkt(SASL_LIST), pkt(SASL_AUTH, b"PLAIN", value=b"\0a\0b"),
        pkt(SET, b"%a", set_extras(), b"old"), pkt(SET, b"%a", set_extras(), BIG, opaque=4),
        pkt(GET, b"%a"), pkt(SET, b"%b", set_extras(), b"old"), pkt(ADD, b"%b", set_extras(), BIG),
        pkt(APPEND, b"%b", value=BIG), pkt(SETQ, b"%b", set_extras(), BIG), pkt(GET, b"%b"),
        pkt(SET, K250, set_extras(), b"long key"), pkt(GETK, K250),
        pkt(SET, b"%k", set_extras(1, 0), b"v" * (1048576 - 59 - 2 - 4)),
        pkt(SET, b"%k", set_extras(1, 0), b"v" * (1048576 - 59 - 2 - 3)),
    ]),
    ("flush", [
        pkt(SET, b"%a", set_extras(), b"v"), pkt(FLUSHQ), pkt(GET, b"%a"),
        pkt(SET, b"%a", set_extras(), b"v"), pkt(FLUSH, extras=exp(0), opaque=2), pkt(GET, b"%a"),
    ]),
]

# Each ends with memcached closing the connection.
CLOSING = [
    ("quit", [pkt(SET, b"%a", set_extras(), b"v"), pkt(QUIT, opaque=9)]),
    ("quitq", [pkt(QUITQ, opaque=9)]),
    ("get with extras", [pkt(GET, b"%a", extras=b"1234")]),
    ("key too long", [pkt(GET, b"k" * 251, opaque=3)]),
    ("key longer than body", [pkt(GET, b"%a", bodylen=1)]),
    ("noop with a body", [pkt(NOOP, value=b"x")]),
    ("set without extras", [pkt(SET, b"%a", value=b"x")]),
    ("incr short extras", [pkt(INCR, b"%a", extras=b"12345678")]),
    ("flush with a key", [pkt(FLUSH, b"%a")]),
    ("touch without extras", [pkt(TOUCH, b"%a")]),
    ("version with a key", [pkt(VERSION, b"%a")]),
    ("bad magic later", [pkt(NOOP, opaque=1), b"\x00" * 24]),
    ("response magic later", [pkt(NOOP, opaque=1), pkt(NOOP, magic=0x81)]),
]

TRICKLED = ("trickled", [
    pkt(SET, b"%t", set_extras(9, 0), b"hello", opaque=1), pkt(GETK, b"%t", opaque=2),
    pkt(GETKQ, b"%u") + pkt(GETQ, b"%t"), pkt(INCR, b"%n", incr_extras(2, 40, 0)),
    pkt(SET, b"%t", set_extras(), BIG[:300000]), pkt(0x30),
])

SASL_SCENARIOS = [
    ("sasl list and auth", [
        pkt(VERSION), pkt(SASL_LIST, opaque=1),
        pkt(SASL_AUTH, b"PLAIN", value=b"\0alice\0wrong", opaque=2),
        pkt(SASL_AUTH, b"PLAIN", value=b"\0alice\0secret", opaque=3),
        pkt(SET, b"%a", set_extras(), b"v"), pkt(GET, b"%a"),
        pkt(SASL_STEP, b"PLAIN", value=b"x"), pkt(GET, b"%a"),
    ]),
    ("sasl refused forms", [
        pkt(SASL_AUTH, b"PLAIN", value=b"alice\0secret"), pkt(SASL_AUTH, b"X" * 33, value=b"abc"),
        pkt(SASL_AUTH, b"CRAM-MD5", value=b"x"), pkt(SASL_AUTH, b"PLAIN", value=b"\0alice\0secret\0"),
        pkt(SASL_AUTH, b"PLAIN", value=b"bob\0alice\0secret"),
        pkt(SASL_AUTH, b"PLAIN", value=b"alice\0alice\0secret"), pkt(NOOP, opaque=5),
    ]),
    ("unauthenticated get", [pkt(GET, b"%a", opaque=4)]),
    ("unauthenticated bad lengths", [pkt(GET, b"%a", bodylen=1)]),
    ("auth then wrong auth", [
        pkt(SASL_AUTH, b"PLAIN", value=b"\0alice\0secret"), pkt(NOOP, opaque=1),
        pkt(SASL_AUTH, b"PLAIN", value=b"\0alice\0nope"), pkt(NOOP, opaque=2),
    ]),
]


def parse_packets(data):
    """Splits a response stream into (header fields, body) packets; a torn tail stays raw."""
    packets, pos = [], 0
    while pos + 24 <= len(data):
        fields = HEADER.unpack_from(data, pos)
        end = pos + 24 + fields[6]
        if end > len(data):
            break
        packets.append((fields, data[pos + 24:end]))
        pos = end
    return packets, data[pos:]


class Conn:
    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.closed = False

    def step(self, request, trickle=False):
        """Sends `request` and a marker NOOP; returns the answer up to the marker's answer
        (excluded), or up to the close (then ends with b"<closed>")."""
        data = request + pkt(NOOP, opaque=MARKER)
        if trickle:
            for i in range(len(data)):
                self.sock.sendall(data[i:i + 1])
                if i < 2000:
                    time.sleep(0.0005)
        else:
            try:
                self.sock.sendall(data)
            except (BrokenPipeError, ConnectionResetError):
                pass  # closed while the rest was on its way: the answer so far is read below
        buffer = b""
        deadline = time.monotonic() + 10
        while True:
            packets, _ = parse_packets(buffer)
            if packets and packets[-1][0][1] == NOOP and packets[-1][0][7] == MARKER:
                # An answered marker ends the step; a refused one (AUTH_ERROR) is part of it.
                return buffer[:-24] if packets[-1][0][5] == 0 else buffer
            if time.monotonic() > deadline:
                raise AssertionError(f"no answer to {request[:60]!r}; got {buffer[:200]!r}")
            try:
                chunk = self.sock.recv(1 << 20)
            except ConnectionResetError:
                chunk = b""
            except TimeoutError:
                raise AssertionError(f"no answer to {request[:60]!r}; got {buffer[:200]!r}")
            if not chunk:
                self.closed = True
                return buffer + b"<closed>"
            buffer += chunk

    def close(self):
        self.sock.close()


def normalize(answer, names):
    """CAS values renamed in order of appearance, VERSION bodies masked; returns readable text."""
    closed = answer.endswith(b"<closed>")
    if closed:
        answer = answer[:-len(b"<closed>")]
    packets, rest = parse_packets(answer)
    out = []
    for fields, body in packets:
        magic, opcode, keylen, extlen, dtype, status, bodylen, opaque, cas = fields
        if cas:
            names.setdefault(cas, f"C{len(names) + 1}")
        cas_name = names.get(cas, "0")
        if opcode == VERSION and status == 0:
            body, bodylen = b"<version>", -1
        out.append(f"{magic:#x} op={opcode:#x} key={keylen} ext={extlen} dt={dtype} "
                   f"status={status:#x} body={bodylen} opaque={opaque:#x} cas={cas_name} "
                   f"{body[:120]!r}")
    if rest:
        out.append(f"raw {rest[:120]!r}")
    if closed:
        out.append("<closed>")
    return out


def last_cas_of(answer, current):
    packets, _ = parse_packets(answer.removesuffix(b"<closed>"))
    for fields, _ in packets:
        if fields[8]:
            current = fields[8]
    return current


def run_scenario(port, name, steps, trickle=False):
    """The normalized answers to each step of one scenario on a fresh connection."""
    prefix = ("bin_" + name.replace(" ", "_").replace(",", "") + "_").encode()
    conn = Conn(port)
    names, last_cas, transcript = {}, 0, []
    try:
        for step in steps:
            request = resolve(step, prefix, last_cas)
            answer = conn.step(request, trickle)
            last_cas = last_cas_of(answer, last_cas)
            transcript.append(normalize(answer, names))
            if conn.closed:
                break
    finally:
        conn.close()
    return transcript


def resolve(step, prefix, last_cas):
    """Fills the scenario's key prefix ("%") and the "{cas}" placeholder into `step`."""
    if isinstance(step, tuple):
        return b"".join(resolve(s, prefix, last_cas) for s in step)
    packets = []
    pos = 0
    while pos + 24 <= len(step):
        magic, op, keylen, extlen, dtype, vb, bodylen, opaque, cas = HEADER.unpack_from(step, pos)
        end = pos + 24 + bodylen
        if end > len(step) or bodylen < keylen + extlen:
            packets.append(step[pos:])  # deliberately malformed: sent as it is
            pos = len(step)
            break
        extras = step[pos + 24:pos + 24 + extlen]
        key = step[pos + 24 + extlen:pos + 24 + extlen + keylen]
        value = step[pos + 24 + extlen + keylen:end]
        key = key.replace(b"%", prefix)
        if cas == CAS_PLACEHOLDER:
            cas = last_cas
        packets.append(HEADER.pack(magic, op, len(key), extlen, dtype, vb,
                                   len(key) + extlen + len(value), opaque, cas)
                       + extras + key + value)
        pos = end
    packets.append(step[pos:])
    return b"".join(packets)


def transcripts(port, scenarios, trickled=None):
    result = {}
    for name, steps in scenarios:
        result[name] = run_scenario(port, name, steps)
    if trickled is not None:
        result[trickled[0]] = run_scenario(port, trickled[0], trickled[1], trickle=True)
    return result


def compare(label, expected, actual):
    failures = 0
    for name, want in expected.items():
        got = actual.get(name)
        if got == want:
            continue
        failures += 1
        print(f"FAIL {label}: scenario {name!r}")
        for i, (w, g) in enumerate(zip(want, got or [])):
            if w != g:
                print(f"  step {i}:\n    memcached: {w}\n    memkv:     {g}")
                break
        if got is not None and len(got) != len(want):
            print(f"  memcached answered {len(want)} steps, memkv {len(got)}")
    return failures


def check_stat_shape(port):
    """STAT: one packet per statistic, an empty one to end; "settings" too."""
    conn = Conn(port)
    try:
        for key in (b"", b"settings"):
            answer = conn.step(pkt(STAT, key, opaque=42))
            packets, rest = parse_packets(answer)
            names = [body[:fields[2]] for fields, body in packets]
            assert not rest and packets, f"STAT {key!r}: {answer[:100]!r}"
            assert all(f[1] == STAT and f[5] == 0 and f[7] == 42 for f, _ in packets), answer[:200]
            assert packets[-1][0][6] == 0 and names[-1] == b"", "STAT must end with an empty packet"
            want = b"cmd_get" if key == b"" else b"maxbytes"
            assert want in names, f"STAT {key!r} lacks {want!r}: {names[:10]}"
    finally:
        conn.close()


def sasl_oracle(tmp):
    """memcached -S with a sasldb holding alice/secret, or None (saying why) without sasl2-bin."""
    saslpasswd2 = shutil.which("saslpasswd2") or (
        "/usr/sbin/saslpasswd2" if os.access("/usr/sbin/saslpasswd2", os.X_OK) else None)
    if saslpasswd2 is None:
        print("SKIP SASL comparison: saslpasswd2 (sasl2-bin) not installed")
        return None
    db = os.path.join(tmp, "sasldb2")
    subprocess.run([saslpasswd2, "-p", "-c", "-f", db, "-a", "memcached", "alice"],
                   input=b"secret", check=True)
    with open(os.path.join(tmp, "memcached.conf"), "w") as f:
        f.write(f"mech_list: plain\nsasldb_path: {db}\n")
    os.environ["SASL_CONF_PATH"] = tmp
    return memcached_oracle(extra_args=["-S"])


def main():
    args = test_arguments()
    if shutil.which("memcached") is None:
        print("SKIP: memcached not on PATH")
        return 0
    scenarios = SCENARIOS + CLOSING
    with memcached_oracle() as oracle:
        expected = transcripts(oracle.port, scenarios, TRICKLED)
    failures = 0
    combinations = [(m, io) for m in available_modes(args.binary, args.modes) for io in args.ios]
    for mode, io in combinations:
        with MemkvServer(args.binary, ["--mode", mode, "--io", io, "-t", "2"]) as server:
            actual = transcripts(server.port, scenarios, TRICKLED)
            check_stat_shape(server.port)
        label = f"{mode} x {io}"
        failed = compare(label, expected, actual)
        failures += failed
        if not failed:
            print(f"PASS {label}: {len(expected)} scenarios byte for byte")
    with tempfile.TemporaryDirectory() as tmp:
        oracle = sasl_oracle(tmp)
        if oracle is not None:
            with oracle:
                expected = transcripts(oracle.port, SASL_SCENARIOS)
            users = os.path.join(tmp, "users")
            with open(users, "w") as f:
                f.write("alice:secret\n")
            for mode, io in combinations:
                with MemkvServer(args.binary, ["--mode", mode, "--io", io, "-t", "2",
                                               "--auth-file", users]) as server:
                    actual = transcripts(server.port, SASL_SCENARIOS)
                label = f"SASL {mode} x {io}"
                failed = compare(label, expected, actual)
                failures += failed
                if not failed:
                    print(f"PASS {label}: {len(expected)} scenarios byte for byte")
    print(f"{failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
