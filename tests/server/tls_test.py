"""TLS (--tls-port and its flags) with real clients, in every front-end mode x I/O engine.

The TLS port speaks both dialects exactly like the -p port (a first byte '*' means RESP, anything
else memcached text / meta), over TLS; the TLS session lives in the event loop (memory BIOs), so
each mode's own read and write paths carry it and each needs its own run. Certificates are made
at test time by tests/support/tls_certs.py (a CA, a server certificate for localhost /
127.0.0.1, a client certificate from the CA and one from a CA the server does not trust).

In every available mode x engine, one memkv with -p and --tls-port (client certificates
required, the default), over TLS:
- memcached text set / get / gets / delete and meta ms / mg, from a raw ssl socket, byte for byte;
- the memcached binary protocol (first byte 0x80): SET, GET, a GETK miss and QUIT, byte for byte;
- a 1 MiB value set and read back intact (partial sends, many TLS records each way);
- 500 set + get pairs in one write, the 1000 replies in order (pipelining through the record
  layer: requests cut at record boundaries, replies coalesced);
- 16 TLS clients at once, each with its own pipelined batch (handshakes spread over threads);
- pymemcache (set_many / get_many) and redis-py (PING / SET / GET / MGET), real TLS clients;
- the plain -p port serving next to it, the same keyspace both ways;
- `quit` and RESP QUIT end the session with a close_notify alert before the TCP close (as
  redis-server does; RFC 8446 6.1), not a bare close a client cannot tell from a truncation;
- plaintext on the TLS port (memcached and RESP) is closed without being served, and a client
  that closes in the middle of a large reply (20 pipelined gets of a 4 MiB value) is dropped;
  the server still runs and serves other TLS clients (the 4 MiB value read back intact).

Once per front-end of two kinds (acceptor x epoll: the executing connection; dispatch x uring:
framing on the dispatcher, execution on the pool):
- redis-cli --tls and `openssl s_client -quiet`;
- a client that writes its handshake and request one byte at a time;
- --tls-auth-clients yes (default) / optional / no: a client that may not run a command (no
  certificate, or one from the untrusted CA, where refused) gets no reply and its `set` is not
  stored (checked from a trusted client), whether the handshake fails or the server closes after
  it (TLS 1.3 checks the client's certificate after the client's side of the handshake is done).
Then the refusals to start: --tls-port without --tls-cert-file, a key that does not match the
certificate, a missing key file, and the default --tls-auth-clients without --tls-ca-cert-file.

Every server is stopped with SIGTERM and must exit 0 (under the sanitizers: no report).
"""

import os
import re
import socket
import ssl
import struct
import subprocess
import sys
import tempfile
import threading
import time

import pymemcache.client.base
import redis

from memkv_server import (Checker, MemkvServer, available_modes, free_port, read_until,
                          read_until_close, resp_request, test_arguments, wait_for_port)
from tls_certs import make_certs

TIMEOUT = 10.0
MIB = 1 << 20



def client_context(certs, cert=None, key=None):
    """A client context that trusts the test CA (and checks the server's name), showing the
    client certificate `cert` / `key` if given."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.load_verify_locations(certs.ca)
    if cert:
        ctx.load_cert_chain(cert, key)
    return ctx


def trusted_context(certs):
    return client_context(certs, certs.client_cert, certs.client_key)


def tls_connect(port, ctx):
    sock = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
    try:
        return ctx.wrap_socket(sock, server_hostname="localhost")
    except BaseException:
        sock.close()
        raise


def read_exact(sock, n):
    """`n` bytes from `sock`, or fewer if the peer closes or nothing comes for TIMEOUT."""
    data = bytearray()
    try:
        while len(data) < n:
            chunk = sock.recv(min(n - len(data), 1 << 20))
            if not chunk:
                break
            data += chunk
    except socket.timeout:
        pass
    return bytes(data)


def call(sock, request, reply_end):
    sock.sendall(request)
    return read_until(sock, reply_end)


def server_args(certs, tls_port, *extra):
    return ["--tls-port", str(tls_port), "--tls-cert-file", certs.server_cert,
            "--tls-key-file", certs.server_key, "--tls-ca-cert-file", certs.ca, *extra]


def start(binary, certs, mode, io, *extra):
    """A memkv with -p and --tls-port (and -I 8m, for the 1 and 4 MiB values); its TLS port is
    `server.tls_port`."""
    tls_port = free_port()
    server = MemkvServer(binary, ["--mode", mode, "--io", io, "-t", "2", "-I", "8m",
                                  *server_args(certs, tls_port, *extra)])
    server.tls_port = tls_port
    return server


def wait_tls(server):
    wait_for_port(server.tls_port, server.process)


# --- every mode x engine -------------------------------------------------------------------------

def check_text_and_meta(checker, label, port, ctx):
    with tls_connect(port, ctx) as s:
        checker.expect(call(s, b"set tk 5 0 3\r\nabc\r\n", b"\r\n") == b"STORED\r\n",
                       f"{label}: set over TLS")
        got = call(s, b"get tk\r\n", b"END\r\n")
        checker.expect(got == b"VALUE tk 5 3\r\nabc\r\nEND\r\n", f"{label}: get over TLS {got!r}")
        got = call(s, b"gets tk\r\n", b"END\r\n")
        checker.expect(re.fullmatch(rb"VALUE tk 5 3 \d+\r\nabc\r\nEND\r\n", got) is not None,
                       f"{label}: gets over TLS {got!r}")
        got = call(s, b"delete tk\r\n", b"\r\n")
        checker.expect(got == b"DELETED\r\n", f"{label}: delete over TLS {got!r}")
        got = call(s, b"get tk\r\n", b"END\r\n")
        checker.expect(got == b"END\r\n", f"{label}: get after delete {got!r}")
        got = call(s, b"ms mk 2 T0\r\nhi\r\n", b"\r\n")
        checker.expect(got == b"HD\r\n", f"{label}: ms over TLS {got!r}")
        got = call(s, b"mg mk v f\r\n", b"hi\r\n")
        checker.expect(got == b"VA 2 f0\r\nhi\r\n", f"{label}: mg over TLS {got!r}")
        got = call(s, b"mn\r\n", b"MN\r\n")
        checker.expect(got == b"MN\r\n", f"{label}: mn over TLS {got!r}")


def binary_packet(opcode, key=b"", extras=b"", value=b"", opaque=0):
    """A memcached binary-protocol request."""
    return struct.pack(">BBHBBHIIQ", 0x80, opcode, len(key), len(extras), 0, 0,
                       len(key) + len(extras) + len(value), opaque, 0) + extras + key + value


def check_binary(checker, label, port, ctx):
    """The binary protocol over TLS: the dialect is decided on the first decrypted byte."""
    with tls_connect(port, ctx) as s:
        s.sendall(binary_packet(0x01, b"bk", struct.pack(">II", 5, 0), b"abc", opaque=1))
        got = read_exact(s, 24)
        checker.expect(got[:2] == b"\x81\x01" and got[6:8] == b"\x00\x00"
                       and got[12:16] == b"\x00\x00\x00\x01",
                       f"{label}: binary SET over TLS {got!r}")
        s.sendall(binary_packet(0x00, b"bk", opaque=2))
        got = read_exact(s, 24 + 4 + 3)
        checker.expect(got[:2] == b"\x81\x00" and got[24:] == b"\x00\x00\x00\x05abc",
                       f"{label}: binary GET over TLS {got!r}")
        s.sendall(binary_packet(0x0C, b"none", opaque=3) + binary_packet(0x07, opaque=4))
        got = read_exact(s, 24 + 4 + 24 + 1)
        checker.expect(got == b"\x81\x0c\x00\x04\x00\x00\x00\x01\x00\x00\x00\x04"
                       b"\x00\x00\x00\x03" + bytes(8) + b"none"
                       + b"\x81\x07" + bytes(10) + b"\x00\x00\x00\x04" + bytes(8),
                       f"{label}: binary GETK miss and QUIT over TLS {got!r}")


def strict_eof_context(certs):
    """A trusted client context that tells an end of the TCP stream without a close_notify alert
    from a TLS close (Python sets OP_IGNORE_UNEXPECTED_EOF by default, hiding the difference)."""
    ctx = trusted_context(certs)
    ctx.options &= ~ssl.OP_IGNORE_UNEXPECTED_EOF
    return ctx


def check_quit(checker, label, port, certs):
    """`quit` / QUIT end the TLS session with a close_notify alert before the TCP close, as
    redis-server does (RFC 8446 6.1: each party MUST send close_notify before closing its write
    side unless it sent an error alert); without it a client cannot tell the server's close from
    a truncation by the network (OpenSSL reports "unexpected eof while reading")."""
    ctx = strict_eof_context(certs)
    for name, request, want in [("quit", b"quit\r\n", b""),
                                ("QUIT", resp_request("QUIT"), b"+OK\r\n")]:
        got = b""
        outcome = "close_notify"
        with tls_connect(port, ctx) as s:
            s.sendall(request)
            try:
                while True:
                    chunk = s.recv(65536)
                    if not chunk:
                        break
                    got += chunk
            except (ssl.SSLError, OSError) as e:
                outcome = repr(e)
        checker.expect(got == want, f"{label}: {name} over TLS replied {got!r}")
        checker.expect(outcome == "close_notify",
                       f"{label}: {name} over TLS: no close_notify before the close ({outcome})")


def check_large_value(checker, label, port, ctx):
    value = os.urandom(MIB)
    with tls_connect(port, ctx) as s:
        got = call(s, b"set big1 0 0 %d\r\n%s\r\n" % (MIB, value), b"\r\n")
        checker.expect(got == b"STORED\r\n", f"{label}: set of 1 MiB over TLS {got[:80]!r}")
        want = b"VALUE big1 0 %d\r\n%s\r\nEND\r\n" % (MIB, value)
        s.sendall(b"get big1\r\n")
        got = read_exact(s, len(want))
        checker.expect(got == want, f"{label}: the 1 MiB value read back over TLS differs "
                                    f"({len(got)} of {len(want)} bytes)")


def check_pipeline(checker, label, port, ctx, pairs=500):
    request = bytearray()
    want = bytearray()
    for i in range(pairs):
        key = b"p%d" % i
        value = b"v%d-" % i + b"x" * (i % 37)
        request += b"set %s %d 0 %d\r\n%s\r\nget %s\r\n" % (key, i, len(value), value, key)
        want += b"STORED\r\nVALUE %s %d %d\r\n%s\r\nEND\r\n" % (key, i, len(value), value)
    with tls_connect(port, ctx) as s:
        s.sendall(bytes(request))
        got = read_exact(s, len(want))
    if not checker.expect(got == bytes(want), f"{label}: {pairs} pipelined set+get over TLS"):
        at = next((i for i, (a, b) in enumerate(zip(got, want)) if a != b), min(len(got), len(want)))
        print(f"  first difference at byte {at} of {len(want)}: got {got[at - 40:at + 40]!r}, "
              f"want {bytes(want[at - 40:at + 40])!r}")


def check_concurrent(checker, label, port, ctx, clients=16, pairs=50):
    """`clients` TLS connections at once (their handshakes and requests spread over the
    server's threads), each with its own pipelined batch."""
    results = [None] * clients

    def run(n):
        request = bytearray()
        want = bytearray()
        for i in range(pairs):
            key = b"c%d_%d" % (n, i)
            request += b"set %s 0 0 %d\r\n%s\r\nget %s\r\n" % (key, len(key), key, key)
            want += b"STORED\r\nVALUE %s 0 %d\r\n%s\r\nEND\r\n" % (key, len(key), key)
        try:
            with tls_connect(port, ctx) as s:
                s.sendall(bytes(request))
                got = read_exact(s, len(want))
            results[n] = "ok" if got == bytes(want) else f"{len(got)} of {len(want)} bytes, wrong"
        except (ssl.SSLError, OSError) as e:
            results[n] = repr(e)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    bad = [(n, r) for n, r in enumerate(results) if r != "ok"]
    checker.expect(not bad, f"{label}: {clients} concurrent TLS clients: {bad}")


def check_clients(checker, label, port, plain_port, certs):
    ctx = trusted_context(certs)
    client = pymemcache.client.base.Client(("127.0.0.1", port), tls_context=ctx,
                                           connect_timeout=TIMEOUT, timeout=TIMEOUT)
    try:
        failed = client.set_many({"pm1": b"one", "pm2": b"two", "pm3": b"three"})
        checker.expect(failed == [], f"{label}: pymemcache set_many over TLS failed for {failed}")
        got = client.get_many(["pm1", "pm2", "pm3", "pm_missing"])
        checker.expect(got == {"pm1": b"one", "pm2": b"two", "pm3": b"three"},
                       f"{label}: pymemcache get_many over TLS {got!r}")
    finally:
        client.close()

    r = redis.Redis(host="127.0.0.1", port=port, ssl=True, ssl_certfile=certs.client_cert,
                    ssl_keyfile=certs.client_key, ssl_ca_certs=certs.ca,
                    socket_timeout=TIMEOUT, socket_connect_timeout=TIMEOUT)
    try:
        checker.expect(r.ping() is True, f"{label}: redis-py PING over TLS")
        checker.expect(r.set("rk1", "a") is True and r.set("rk2", "b") is True,
                       f"{label}: redis-py SET over TLS")
        got = r.get("rk1")
        checker.expect(got == b"a", f"{label}: redis-py GET over TLS {got!r}")
        got = r.mget("rk1", "rk2", "rk_missing", "pm1")
        checker.expect(got == [b"a", b"b", None, b"one"], f"{label}: redis-py MGET over TLS {got!r}")
        got = r.get("plain_key")  # set on the plain port just before
        checker.expect(got == b"from plain", f"{label}: a key set on -p, GET over TLS {got!r}")
    finally:
        r.close()

    # The plain port, next to the TLS one: same keyspace, both dialects.
    with socket.create_connection(("127.0.0.1", plain_port), timeout=TIMEOUT) as s:
        got = call(s, b"get pm2 rk1\r\n", b"END\r\n")
        checker.expect(got == b"VALUE pm2 0 3\r\ntwo\r\nVALUE rk1 0 1\r\na\r\nEND\r\n",
                       f"{label}: keys set over TLS, read on -p {got!r}")
    with socket.create_connection(("127.0.0.1", plain_port), timeout=TIMEOUT) as s:  # RESP
        got = call(s, resp_request("GET", "pm3"), b"three\r\n")
        checker.expect(got == b"$5\r\nthree\r\n", f"{label}: RESP GET on -p {got!r}")


def check_combination(checker, binary, certs, mode, io):
    label = f"{mode}/{io}"
    with start(binary, certs, mode, io) as server:
        wait_tls(server)
        ctx = trusted_context(certs)
        with socket.create_connection(("127.0.0.1", server.port), timeout=TIMEOUT) as s:
            got = call(s, b"set plain_key 0 0 10\r\nfrom plain\r\n", b"\r\n")
            checker.expect(got == b"STORED\r\n", f"{label}: set on -p {got!r}")
        check_text_and_meta(checker, label, server.tls_port, ctx)
        check_binary(checker, label, server.tls_port, ctx)
        check_large_value(checker, label, server.tls_port, ctx)
        check_pipeline(checker, label, server.tls_port, ctx)
        check_concurrent(checker, label, server.tls_port, ctx)
        check_clients(checker, label, server.tls_port, server.port, certs)
        check_quit(checker, label, server.tls_port, certs)
        check_hostile_clients(checker, label, server, certs)
    checker.expect(server.returncode == 0, f"{label}: exit status {server.returncode}")


# --- once per kind of front-end ------------------------------------------------------------------

def check_command_line_clients(checker, label, port, certs):
    cli = ["redis-cli", "--tls", "--cert", certs.client_cert, "--key", certs.client_key,
           "--cacert", certs.ca, "-h", "127.0.0.1", "-p", str(port)]
    out = subprocess.run(cli + ["SET", "cli_key", "cli value"], capture_output=True, timeout=TIMEOUT)
    checker.expect(out.stdout == b"OK\n", f"{label}: redis-cli --tls SET {out.stdout!r} "
                                          f"{out.stderr!r}")
    out = subprocess.run(cli + ["GET", "cli_key"], capture_output=True, timeout=TIMEOUT)
    checker.expect(out.stdout == b"cli value\n", f"{label}: redis-cli --tls GET {out.stdout!r} "
                                                 f"{out.stderr!r}")

    # -quiet implies -ign_eof: s_client keeps reading after its input ends; `quit` closes.
    out = subprocess.run(
        ["openssl", "s_client", "-quiet", "-connect", f"127.0.0.1:{port}", "-servername",
         "localhost", "-verify_return_error", "-CAfile", certs.ca, "-cert", certs.client_cert,
         "-key", certs.client_key],
        input=b"version\r\nset sc 0 0 2\r\nhi\r\nget sc cli_key\r\nquit\r\n",
        capture_output=True, timeout=TIMEOUT)
    checker.expect(re.fullmatch(rb"VERSION \S+\r\nSTORED\r\nVALUE sc 0 2\r\nhi\r\n"
                                rb"VALUE cli_key 0 9\r\ncli value\r\nEND\r\n", out.stdout)
                   is not None,
                   f"{label}: openssl s_client {out.stdout!r} {out.stderr[-300:]!r}")


def check_drip(checker, label, port, certs):
    """The handshake and a request sent one byte per write (TCP_NODELAY, a pause between
    writes), through an SSLObject over memory BIOs: every TLS record reaches the server in
    pieces, and the server must put them together."""
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    tls = trusted_context(certs).wrap_bio(incoming, outgoing, server_hostname="localhost")
    with socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT) as sock:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

        def drip():
            for byte in outgoing.read():
                sock.sendall(bytes([byte]))
                time.sleep(0.0002)

        def receive():
            data = sock.recv(65536)
            if not data:
                raise ConnectionError("closed by the server")
            incoming.write(data)

        got = b""
        try:
            while True:
                try:
                    tls.do_handshake()
                    break
                except ssl.SSLWantReadError:
                    drip()
                    receive()
            drip()
            tls.write(b"set drip 0 0 5\r\nhello\r\nget drip\r\n")
            drip()
            while not got.endswith(b"END\r\n"):
                try:
                    got += tls.read(65536)
                except ssl.SSLWantReadError:
                    receive()
        except (ssl.SSLError, OSError) as e:
            got += repr(e).encode()
    checker.expect(got == b"STORED\r\nVALUE drip 0 5\r\nhello\r\nEND\r\n",
                   f"{label}: a TLS client writing one byte at a time got {got!r}")


def attempt(port, ctx, key):
    """Tries `set key` on a new TLS connection; what came back (b"" if the connection was closed
    without a reply), or the error that ended it."""
    try:
        with tls_connect(port, ctx) as s:
            s.sendall(b"set %s 0 0 1\r\nx\r\n" % key)
            return read_until(s, b"\r\n")
    except (ssl.SSLError, OSError) as e:
        return e


def check_client_certificates(checker, binary, certs, mode, io):
    none = client_context(certs)
    trusted = trusted_context(certs)
    untrusted = client_context(certs, certs.untrusted_cert, certs.untrusted_key)
    # (--tls-auth-clients, [(client, allowed)])
    policies = [
        (None, [("no certificate", none, False), ("untrusted", untrusted, False),
                ("trusted", trusted, True)]),
        ("optional", [("no certificate", none, True), ("untrusted", untrusted, False),
                      ("trusted", trusted, True)]),
        ("no", [("no certificate", none, True), ("untrusted (not asked for)", untrusted, True)]),
    ]
    for policy, clients in policies:
        extra = [] if policy is None else ["--tls-auth-clients", policy]
        label = f"{mode}/{io} --tls-auth-clients {policy or '(default)'}"
        with start(binary, certs, mode, io, *extra) as server:
            wait_tls(server)
            for i, (name, ctx, allowed) in enumerate(clients):
                key = b"cert%d" % i
                got = attempt(server.tls_port, ctx, key)
                if allowed:
                    checker.expect(got == b"STORED\r\n", f"{label}, {name}: {got!r}")
                else:
                    checker.expect(not isinstance(got, bytes) or got == b"",
                                   f"{label}, {name}: a reply {got!r} (expected a refusal)")
                    # Whatever the client saw: the set must not have run.
                    with tls_connect(server.tls_port, trusted if policy != "no" else none) as s:
                        stored = call(s, b"get %s\r\n" % key, b"END\r\n")
                    checker.expect(stored == b"END\r\n",
                                   f"{label}, {name}: the refused client's set ran {stored!r}")
        checker.expect(server.returncode == 0, f"{label}: exit status {server.returncode}")



def check_hostile_clients(checker, label, server, certs):
    port = server.tls_port
    ctx = trusted_context(certs)
    with tls_connect(port, ctx) as s:
        checker.expect(call(s, b"set hk 0 0 2\r\nok\r\n", b"\r\n") == b"STORED\r\n",
                       f"{label}: set before the hostile clients")
    # Plaintext on the TLS port: not a TLS record, so no handshake, nothing served, a close
    # (a TLS alert record, content type 21, before it is fine).
    for name, payload in [("memcached", b"get hk\r\n"), ("RESP", resp_request("GET", "hk"))]:
        with socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT) as s:
            s.sendall(payload)
            got = read_until_close(s)
        checker.expect(got is not None, f"{label}: plaintext {name} on the TLS port: not closed")
        checker.expect(got is None or got == b"" or got[:1] == b"\x15",
                       f"{label}: plaintext {name} on the TLS port got {got[:80]!r}")

    # A client that goes away in the middle of a large reply.
    value = os.urandom(4 * MIB)
    with tls_connect(port, ctx) as s:
        got = call(s, b"set huge 0 0 %d\r\n%s\r\n" % (len(value), value), b"\r\n")
        checker.expect(got == b"STORED\r\n", f"{label}: set of 4 MiB over TLS {got[:80]!r}")
    s = tls_connect(port, ctx)
    s.sendall(b"get huge\r\n" * 20)
    first = read_exact(s, 100000)
    checker.expect(first.startswith(b"VALUE huge 0 %d\r\n" % len(value)),
                   f"{label}: the start of a 4 MiB reply {first[:40]!r}")
    s.close()  # no close_notify: the TCP connection just ends, 80 MiB of replies unsent

    checker.expect(server.process.poll() is None, f"{label}: the server died after the hostile "
                                                  f"clients (status {server.process.returncode})")
    with tls_connect(port, ctx) as s:
        got = call(s, b"get hk\r\n", b"END\r\n")
        checker.expect(got == b"VALUE hk 0 2\r\nok\r\nEND\r\n",
                       f"{label}: a TLS client after the hostile ones {got!r}")
        want = b"VALUE huge 0 %d\r\n%s\r\nEND\r\n" % (len(value), value)
        s.sendall(b"get huge\r\n")
        got = read_exact(s, len(want))
        checker.expect(got == want, f"{label}: the 4 MiB value read back after the hostile "
                                    f"clients differs ({len(got)} of {len(want)} bytes)")


def check_once(checker, binary, certs, mode, io):
    label = f"{mode}/{io}"
    with start(binary, certs, mode, io) as server:
        wait_tls(server)
        check_command_line_clients(checker, label, server.tls_port, certs)
        check_drip(checker, label, server.tls_port, certs)
    checker.expect(server.returncode == 0, f"{label}: exit status {server.returncode}")
    check_client_certificates(checker, binary, certs, mode, io)


def check_start_up_errors(checker, binary, certs):
    port = str(free_port())
    cases = [
        ("--tls-port without --tls-cert-file",
         ["--tls-port", port, "--tls-key-file", certs.server_key, "--tls-ca-cert-file", certs.ca],
         "--tls-cert-file"),
        ("a key that does not match the certificate",
         ["--tls-port", port, "--tls-cert-file", certs.server_cert, "--tls-key-file",
          certs.untrusted_key, "--tls-ca-cert-file", certs.ca], "--tls-key-file"),
        ("a missing key file",
         ["--tls-port", port, "--tls-cert-file", certs.server_cert, "--tls-key-file",
          os.path.join(certs.directory, "no_such.key"), "--tls-ca-cert-file", certs.ca],
         "--tls-key-file"),
        ("the default --tls-auth-clients without --tls-ca-cert-file",
         ["--tls-port", port, "--tls-cert-file", certs.server_cert, "--tls-key-file",
          certs.server_key], "--tls-ca-cert-file"),
    ]
    for name, args, mentions in cases:
        try:
            out = subprocess.run([binary, "-p", str(free_port()), "-l", "127.0.0.1", *args],
                                 stdin=subprocess.DEVNULL, capture_output=True, text=True,
                                 timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            checker.expect(False, f"start-up with {name}: still running after {TIMEOUT}s")
            continue
        checker.expect(out.returncode != 0, f"start-up with {name}: exit status 0")
        checker.expect(mentions in out.stderr,
                       f"start-up with {name}: the message does not name {mentions!r}: "
                       f"{out.stderr.strip()!r}")


def main():
    args = test_arguments()
    checker = Checker()
    with tempfile.TemporaryDirectory(prefix="memkv_tls_") as directory:
        certs = make_certs(directory)
        for mode in available_modes(args.binary, args.modes):
            for io in args.ios:
                check_combination(checker, args.binary, certs, mode, io)
        for mode, io in [("acceptor", "epoll"), ("dispatch", "uring")]:
            if mode in available_modes(args.binary, args.modes) and io in args.ios:
                check_once(checker, args.binary, certs, mode, io)
        check_start_up_errors(checker, args.binary, certs)
    return checker.exit_status()


if __name__ == "__main__":
    sys.exit(main())
