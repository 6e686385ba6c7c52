"""Sends the same meta-command sequences to memkv and to a real memcached (started by this test)
and compares the replies byte for byte, after masking what legitimately differs: CAS values
(each server numbers items its own way; the test maps each server's CAS values to C1, C2, ... in
order of appearance, so equal and different CAS values must still line up) and times that may
straddle a second boundary (t, l, la=, exp= may differ by one).

Each scenario runs on a fresh connection with its own keys ("%" in a request becomes the
scenario's key prefix); "{cas}" becomes the last CAS that server returned in the scenario.
Every step is followed by "mn", whose MN marks the end of the step's replies, so that quiet-mode
silence is compared too. One scenario is sent one byte at a time.

Left out: "k" on an item stored with a base64 key but fetched by its plain bytes (memcached keeps
a per-item "binary key" bit and prints such keys base64-encoded; memkv's engine has no such bit
and prints keys the way the request spelled them); and the E flag (explicit new CAS), which
memcached 1.6.18 refuses and memkv implements as memcached 1.6.27 does (see
meta_executor_test.cc).

Usage: meta_oracle_test.py --binary path/to/memkv
Skips the comparison, saying so, when no memcached is on PATH.
"""

import os
import re
import shutil
import socket
import sys
import time

from memkv_server import MemkvServer, memcached_oracle, test_arguments

BIG = b"x" * 2000000

SCENARIOS = [
    ("noop and misses", [
        b"mn\r\n", b"mg %a\r\n", b"mg %a v s t O1 k c\r\n", b"mg %a v q\r\n",
        b"mn foo bar\r\n",
    ]),
    ("set and get every flag", [
        b"ms %b 3 T100 F5 c k O123 s\r\nabc\r\n",
        b"mg %b s t c f l h O9 k v\r\n",
        b"mg %b h l\r\n", b"mg %b k v\r\n", b"mg %b\r\n", b"mg %b q v\r\n",
    ]),
    ("touch order", [
        b"ms %a 2 T100\r\nhi\r\n", b"mg %a t T50\r\n", b"mg %a t\r\n", b"mg %a T0 t\r\n",
        b"mg %a T30 v t\r\n", b"mg %a T-1 v\r\n", b"mg %a v\r\n",
    ]),
    ("no bump", [
        b"ms %a 2\r\nhi\r\n", b"mg %a u h\r\n", b"mg %a h\r\n", b"mg %a h\r\n",
    ]),
    ("quiet mode", [
        b"mg %a q\r\n", b"ms %a 2 q\r\nhi\r\n", b"ms %a 2 q ME\r\nxx\r\n",
        b"md %a q\r\nmd %a q\r\n", b"ms %n 1 q\r\n5\r\n", b"ma %n q\r\n", b"ma %n q v\r\n",
        b"ma %zz q\r\n", b"ma %zz q N0\r\n", b"ma %zz2 q N0 v\r\n", b"mg %n v\r\n",
        b"mg %a q k\r\nmg %n q k v\r\nmg %b q k\r\nmn\r\n",
    ]),
    ("set modes and cas", [
        b"ms %x 2 MR c k O5\r\nhi\r\n", b"ms %x 2 c MR\r\nhi\r\n", b"ms %x 2 C0\r\nhi\r\n",
        b"ms %x 2 MA C5\r\nhi\r\n", b"ms %x 2 MA\r\nhi\r\n", b"ms %x 2 MP\r\nhi\r\n",
        b"ms %x 2 c T100\r\nhi\r\n", b"ms %x 2 C1 c\r\nhi\r\n", b"ms %x 2 C0\r\nhi\r\n",
        b"ms %x 2 ME\r\nno\r\n", b"ms %x 2 ME C1\r\nno\r\n", b"mg %x c\r\n",
        b"ms %x 2 MA C{cas} c\r\nyo\r\n", b"ms %x 1 MA C1\r\n!\r\n",
        b"ms %x 2 MP F9\r\n<<\r\n", b"mg %x v f t\r\n", b"ms %x 3 MR F3\r\nnew\r\n",
        b"mg %x v f t c\r\n", b"ms %x 1 MR C{cas}\r\nr\r\n", b"mg %x v\r\n",
        b"ms %y 1 ME T10\r\n1\r\n", b"mg %y v t\r\n", b"ms %y 0\r\n\r\n", b"mg %y v s\r\n",
    ]),
    ("invalidation", [
        b"ms %y 2 T100\r\nhi\r\n", b"md %y I T30\r\n", b"mg %y c t v\r\n", b"mg %y c t v\r\n",
        b"ms %y 2 C1 I c\r\nzz\r\n", b"mg %y v c t\r\n", b"ms %y 2 C99999999999 I\r\nno\r\n", b"ms %y 2 C0 I\r\nno\r\n",
        b"ms %y 2 I\r\nzz\r\n", b"mg %y v t\r\n",
        b"ms %z 2\r\nhi\r\n", b"md %z I\r\n", b"mg %z\r\n", b"mg %z\r\n", b"md %z I q\r\n",
        b"mg %z v\r\n", b"mg %z c\r\n", b"ms %z 2 C{cas} I\r\nok\r\n", b"mg %z v\r\n",
    ]),
    ("vivify", [
        b"mg %n1 v t N30 c\r\n", b"mg %n1 v t N30 c\r\n", b"ms %n1 3 T60\r\nnew\r\n",
        b"mg %n1 v t\r\n", b"mg %r2 N0 q\r\nmg %r2 N0 q\r\n", b"mg %r3 N30 t s f k\r\n",
        b"mg %r4 N30 T10 t\r\n",
    ]),
    ("recache", [
        b"ms %r 2 T10\r\nhi\r\n", b"mg %r R30 t\r\n", b"mg %r R30 t\r\n",
        b"ms %r3 2 T10\r\nhi\r\n", b"mg %r3 T100 R30 t\r\n", b"mg %r3 t T5 R30\r\n",
        b"ms %r4 2\r\nhi\r\n", b"mg %r4 R30\r\n", b"ms %r5 2 T100\r\nhi\r\n", b"mg %r5 R30\r\n",
    ]),
    ("delete", [
        b"md %a O1 k\r\n", b"ms %a 2 c\r\nhi\r\n", b"md %a C1 k\r\n", b"md %a C0\r\n",
        b"md %a C{cas} O7\r\n", b"mg %a\r\n",
    ]),
    ("arithmetic", [
        b"ma %c1 N0 J5 t T100 v\r\n", b"ma %c1 t v c\r\n", b"ma %c1 T0 t\r\n",
        b"ma %c1 t N5 MD D100 v\r\n", b"ms %c2 2\r\nab\r\n", b"ma %c2\r\n", b"ma %c3 C5\r\n",
        b"ms %c4 2\r\n10\r\n", b"ma %c4 C1 O1 k\r\n", b"ma %c4 MD v\r\n", b"mg %c4 v\r\n",
        b"ma %c4 M+ D18446744073709551615 v\r\n", b"ma %c5 N0 J7 T100 t\r\n",
        b"ma %c6 T100 N30 t\r\n", b"ma %c7 M- N0 J7\r\n", b"mg %c7 v\r\n",
        b"ms %c8 1 c\r\n1\r\n", b"ma %c8 C0 v\r\n", b"ma %c8 C1\r\n", b"mg %c8 c\r\n",
        b"ma %c8 C{cas} v c\r\n", b"ma %c9 MI\r\n",
        b"ms %c10 20\r\n18446744073709551615\r\n", b"ma %c10 v\r\n", b"mg %c10 v\r\n",
    ]),
    ("debug", [
        b"ms %b 3 T100 F5 c\r\nabc\r\n", b"me %b\r\n", b"mg %b\r\n", b"me %b\r\n",
        b"me %nope\r\n", b"ms %big 200\r\n" + b"x" * 200 + b"\r\n", b"me %big\r\n",
        b"ms %big2 5000 F1\r\n" + b"y" * 5000 + b"\r\n", b"me %big2\r\n", b"me %big2 b\r\n",
        b"me\r\n", b"me " + b"k" * 251 + b"\r\n",
    ]),
    ("base64 keys", [
        b"mg bWV0YTE= b k\r\n", b"ms bWV0YTE= 2 b k c\r\nhi\r\n", b"mg bWV0YTE= b k v\r\n",
        b"mg meta1 v\r\n", b"me bWV0YTE= b\r\n", b"md bWV0YTE= b q k\r\n", b"mg meta1\r\n",
        b"mg bW!V0YTE= b k\r\n",
    ]),
    ("errors", [
        b"mg\r\n", b"ms\r\n", b"md\r\n", b"ma\r\n", b"mg \r\n",
        b"mg %a zz\r\n", b"mg %a v v\r\n", b"mg %a Tx\r\n", b"mg %a T\r\n", b"mg %a Nx\r\n",
        b"mg %a Rx\r\n", b"mg %a Fx\r\n", b"mg %a Cx\r\n", b"mg %a C-1\r\n", b"mg %a MEE\r\n",
        b"mg %a Jx\r\n", b"mg %a Dx\r\n", b"mg %a Jx Dx\r\n", b"mg %a Dx Jx\r\n",
        b"mg %a Jx Fx\r\n", b"mg %a Tx zz\r\n", b"mg %a \xff\r\n",
        b"mg a b\r\n", b"mg YWJ b\r\n", b"md a b\r\n", b"me a b\r\n",
        b"mg %a O12345678901234567890123456789012\r\n",
        b"mg %a O1234567890123456789012345678901\r\n",
        b"mg %a 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17\r\n",
        b"mg %a c f h k l q s t u v O P L I MS C1 F1\r\n",
        b"md %a zz\r\n", b"md %a k k\r\n", b"md %a Tx\r\n",
        b"md %a c f h k l q s t u v O P L I MS C1 F1\r\n",
        b"ma %a zz\r\n", b"ma %a Mx\r\n", b"ma %a ME\r\n", b"ma %a MII\r\n", b"ma %a Dx\r\n",
        b"ma %a O12345678901234567890123456789012\r\n",
        b"mg " + b"k" * 250 + b" k\r\n", b"mg " + b"k" * 251 + b" v\r\n",
        b"ms " + b"k" * 251 + b" 2\r\nhi\r\n",
        b"ms %a\r\n", b"ms %a x\r\nhi\r\n", b"ms %a -1\r\n", b"ms %a 2147483646\r\n",
        b"ms %a 2 zz\r\nhi\r\n", b"ms %a 2 q q\r\nhi\r\n", b"ms %a 2 Fx\r\nhi\r\n",
        b"ms %a 2 Tx\r\nhi\r\n", b"ms %a 2 MX\r\nhi\r\n", b"ms %a 2 Ma\r\nhi\r\n",
        b"ms %a 2 MEE\r\nhi\r\n", b"ms %a 2 O12345678901234567890123456789012\r\nhi\r\n",
        b"ms %a 2 MX O12345678901234567890123456789012\r\nhi\r\n",
        b"ms %a 2\r\nhix\r\n", b"ms %a 2 q\r\nhixx\r\n", b"ms %a 2\nhi\nxx\n",
        b"ms %a 2000000 T0\r\n" + BIG + b"\r\n",
        b"ms %a 2000000 T0 zz\r\n" + BIG + b"\r\n",
        b"ms %a 2 c f h k l q s t u v O P L I MS C1\r\nhi\r\n",
    ]),
    ("item size limit", [
        # 48-byte header + 8 CAS + key + NUL + CRLF: a 6-byte key leaves 1048511 bytes at -I 1m,
        # 4 fewer with client flags. Each refused store uses a key of its own (see above).
        b"ms bigke1 1048511 T0\r\n" + b"v" * 1048511 + b"\r\n", b"mg bigke1 s\r\n",
        b"ms bigke2 1048512 T0\r\n" + b"w" * 1048512 + b"\r\n", b"mg bigke2 s\r\n",
        b"ms bigke3 1048508 F1\r\n" + b"v" * 1048508 + b"\r\n", b"mg bigke3 s f\r\n",
        b"ms bigke4 1048507 F1\r\n" + b"v" * 1048507 + b"\r\n", b"mg bigke4 s f\r\n",
        b"ms bigke4 1048507 F1 q\r\n" + b"v" * 1048507 + b"\r\n", b"mg bigke4 q\r\n",
    ]),
    ("too large deletes the old item", [
        # memcached sizes the item before it looks at the mode: every ms form drops the old one.
        b"ms %a 2\r\nhi\r\n", b"ms %a 2000000\r\n" + BIG + b"\r\n", b"mg %a v\r\n",
        b"ms %b 2 c\r\nhi\r\n", b"ms %b 2000000 ME q O1 k\r\n" + BIG + b"\r\n", b"mg %b v\r\n",
        b"ms %c 2\r\nhi\r\n", b"ms %c 2000000 MR\r\n" + BIG + b"\r\n", b"mg %c v\r\n",
        b"ms %d 2\r\nhi\r\n", b"ms %d 2000000 MA\r\n" + BIG + b"\r\n", b"mg %d v\r\n",
        b"ms %e 2 c\r\nhi\r\n", b"ms %e 2000000 C{cas} I\r\n" + BIG + b"\r\n", b"mg %e v\r\n",
        b"ms %f 2\r\nhi\r\n", b"ms %f 2000000 MX\r\n" + BIG + b"\r\n", b"mg %f v\r\n",
        b"ms %g 2\r\nhi\r\n", b"ms %g 2000000\r\n" + BIG + b"xx", b"mg %g v\r\n",
    ]),
    ("leading spaces", [
        b"  mn\r\n", b"   ms %a 2 c\r\nhi\r\n", b" mg %a v\r\n", b"  md %a q\r\n",
        b"  ma %n N0 v\r\n", b"  me %a\r\n", b"\tmg %a v\r\n", b"    \r\n",
    ]),
    ("more flags", [
        b"ms %p 5 P/x L/y O1\r\nvalue\r\n", b"mg %p P/x Lz v O2 q\r\n",
        b"mg %p s v t f c k l h O3 u\r\n", b"ma %p N0\r\n", b"ma %q N90 J3 q t\r\n",
        b"ma %q N90 J3 q t\r\n", b"md %q q C1\r\n", b"md %q q O4 k\r\n", b"md %q q O5 k\r\n",
        b"ms %r 100000 c\r\n" + b"r" * 100000 + b"\r\n", b"mg %r v s\r\n",
        b"ms %s 2 T2592000\r\nhi\r\n", b"mg %s t\r\n", b"ms %s 2 T2592001\r\nhi\r\n",
        b"mg %s t\r\n", b"ms %s 2 T4000000000\r\nhi\r\n", b"mg %s v t\r\n",
    ]),
    ("edge cases", [
        b"ms %a 2 b\r\nhi\r\n", b"ma %a N0 J5 MD v\r\n",
        b"mg %v N30 s v f t c h l k O1\r\n", b"me %v\r\n", b"mg %v h\r\n",
        b"md %x I\r\n", b"md %x I q\r\n", b"mg %w R30 N30 t\r\n", b"mg %w R30 N30 t\r\n",
        b"ms %s 2 T100\r\nhi\r\n", b"md %s I\r\n", b"mg %s N30 R200 v\r\n", b"mg %s N30 v\r\n",
        b"ma %s\r\n", b"ms %n 2\r\n 5\r\n", b"ma %n v\r\n", b"ms %n2 3\r\n5 x\r\n",
        b"ma %n2 v\r\n", b"ms %n3 2\r\n-5\r\n", b"ma %n3 v\r\n",
        b"ms %n4 21\r\n184467440737095516150\r\n", b"ma %n4 v\r\n", b"ms %n5 0\r\n\r\n",
        b"ma %n5 v\r\n",
    ]),
    ("bare newlines", [
        b"ms %a 2 T100\nhi\r\n", b"mg %a v t\n", b"md %a\n", b"mn\n",
    ]),
    ("mixed with classic commands", [
        b"set %a 5 0 2\r\nhi\r\n", b"mg %a v f\r\n", b"ms %b 2 F7\r\nyo\r\n",
        b"get %b\r\n", b"mg %b c f\r\n", b"delete %a\r\n", b"mg %a\r\n",
    ]),
]

# Sent one byte at a time, on both servers.
TRICKLED = ("trickled", [
    b"ms %t 5 T100 c\r\nhello\r\n", b"mg %t v t c k\r\n", b"mg %t q\r\nmg %u q k\r\n",
    b"ma %n N0 J1 v\r\n", b"mg %t zz\r\n",
])


class Conn:
    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def step(self, request, trickle=False):
        """Sends `request` then "mn"; returns every reply byte up to and including the last MN."""
        data = request + b"mn\r\n"
        if trickle:
            for i in range(len(data)):
                self.sock.sendall(data[i:i + 1])
                time.sleep(0.001)
        else:
            self.sock.sendall(data)
        # memcached skips spaces before a command: "  mn" is a noop too.
        want = len(re.findall(rb"(?m)^ *mn(?: [^\n]*)?\r?\n", data))
        buffer = b""
        deadline = time.monotonic() + 10
        while buffer.count(b"MN\r\n") < want or not buffer.endswith(b"MN\r\n"):
            if time.monotonic() > deadline:
                raise AssertionError(f"no MN after {request[:80]!r}; got {buffer[:300]!r}")
            chunk = self.sock.recv(1 << 20)
            if not chunk:
                raise AssertionError(f"connection closed after {request[:80]!r}")
            buffer += chunk
        return buffer

    def close(self):
        self.sock.close()


CAS_PATTERN = re.compile(rb"( c|cas=)([0-9]+)")
TIME_PATTERN = re.compile(rb"^(t|l|la=|exp=)(-?[0-9]+)$")


def mask_cas(reply, names):
    """Replaces each CAS value by C<n>, numbered in order of first appearance."""
    def name(match):
        value = match.group(2)
        if value != b"0":
            names.setdefault(value, b"C%d" % (len(names) + 1))
        return match.group(1) + names.get(value, b"0")
    return CAS_PATTERN.sub(name, reply)


def same_reply(a, b):
    """Byte-for-byte equal, except that time tokens may differ by one second."""
    if a == b:
        return True
    ta, tb = re.split(rb"([ \r\n])", a), re.split(rb"([ \r\n])", b)
    if len(ta) != len(tb):
        return False
    for x, y in zip(ta, tb):
        if x == y:
            continue
        mx, my = TIME_PATTERN.match(x), TIME_PATTERN.match(y)
        if not (mx and my and mx.group(1) == my.group(1)):
            return False
        if abs(int(mx.group(2)) - int(my.group(2))) > 1:
            return False
    return True


def run_scenario(index, name, steps, ports, trickle=False):
    conns = [Conn(port) for port in ports]
    names = [{} for _ in ports]
    last_cas = [b"0" for _ in ports]
    failures = []
    prefix = b"s%d_" % index
    for step in steps:
        replies = []
        for i, conn in enumerate(conns):
            request = step.replace(b"%", prefix).replace(b"{cas}", last_cas[i])
            raw = conn.step(request, trickle)
            found = CAS_PATTERN.findall(raw)
            if found:
                last_cas[i] = found[-1][1]
            replies.append(mask_cas(raw, names[i]))
        if not same_reply(replies[0], replies[1]):
            failures.append((step, replies[0], replies[1]))
    for conn in conns:
        conn.close()
    status = "PASS" if not failures else "FAIL"
    print(f"{status} {name} ({len(steps)} steps)")
    for step, mine, theirs in failures:
        print(f"  request   {step[:120]!r}")
        print(f"  memkv     {mine[:300]!r}")
        print(f"  memcached {theirs[:300]!r}")
    return not failures


def main():
    args = test_arguments()
    memcached = shutil.which("memcached")
    if memcached is None:
        print("SKIP: memcached is not on PATH, so there is no oracle to compare memkv's meta "
              "replies with (install the Debian package memcached to run this test)")
        return 0
    ok = True
    with MemkvServer(args.binary) as memkv, memcached_oracle(memcached) as oracle:
        ports = [memkv.port, oracle.port]
        for index, (name, steps) in enumerate(SCENARIOS):
            ok &= run_scenario(index, name, steps, ports)
        ok &= run_scenario(len(SCENARIOS), TRICKLED[0], TRICKLED[1], ports, trickle=True)
    print("OK" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
