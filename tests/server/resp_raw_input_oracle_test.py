"""Raw RESP input (issue 15, deliverables 4 and 6): memkv against redis-server 7.0.15, byte for byte.

Each case is raw bytes sent on a fresh connection (in one or two writes); the replies and whether
the server closed the connection must be the same as redis-server's, on memkv's --resp-port and,
for multibulk input, on its memcached port (a RESP connection there). The cases are Redis's loose
spots: the byte after a header's CR and the two after a bulk's data are skipped unread, a NUL
hides a line's end (Redis looks with strchr), counts up to INT_MAX are waited for, empty lines,
`*0`, `*-1`, huge and negative lengths; and, with a password required, Redis 7's smaller limits
before AUTH (10 arguments, 16 KB bulks). Every case runs on its own connection, all at once, so a
mode costs one settling pause rather than one per case.

Then the bulk sizes: a 4,000,000-byte SET at -I 1m is refused with Redis's words for a string over
its size limit (docs/resp.md), the connection kept and the next pipelined command answered, and
the server's RSS does not grow by the bulk (it is skipped as it arrives, not buffered), also with a
client memory budget smaller than the bulk; at -I 8m the same SET succeeds; past
--proto-max-bulk-len (5m there) it is Redis's protocol error and the close.

Runs in every mode x I/O engine (about 1.5 s each). Skips the comparisons without redis-server.
"""

import os
import select
import shutil
import socket
import sys
import tempfile
import time

from memkv_server import (Checker, MemkvServer, available_modes, free_port, redis_oracle,
                          resp_request, test_arguments, wait_for_port)

PING = b"*1\r\n$4\r\nPING\r\n"
SETTLE = 0.4  # seconds for every reply (and close) of a batch of cases to arrive on loopback

# (name, writes): a case's bytes, in the writes they are sent in (SETTLE / 2 apart).
MULTIBULK_CASES = [
    ("ping", [PING]),
    ("two bytes after data unread", [b"*1\r\n$4\r\nPINGxx" + PING]),
    ("byte after header CR unread", [b"*1\rX$4\rYPING\r\n" + PING]),
    ("CR CR LF header", [b"*1\r\r\n$4\r\nPING\r\n"]),
    ("data without its CRLF yet", [b"*1\r\n$4\r\nPINGa"]),
    ("data then one byte", [b"*1\r\n$4\r\nPING", b"\r\n" + PING]),
    ("NUL in count", [b"*\x00"]),
    ("NUL before count CR", [b"*\x00\r\n" + PING]),
    ("NUL in bulk header", [b"*1\r\n$\x00\r\n"]),
    ("NUL in count, long", [b"*\x00\r\n" + b"x" * 70000]),
    ("dollar NUL first", [b"$\x00"]),
    ("count 1048576", [b"*1048576\r\n"]),
    ("count 1048577", [b"*1048577\r\n"]),
    ("count INT_MAX", [b"*2147483647\r\n$4\r\nPING\r\n"]),
    ("count INT_MAX + 1", [b"*2147483648\r\n"]),
    ("count huge", [b"*99999999999999999999\r\n"]),
    ("count -1", [b"*-1\r\n" + PING]),
    ("count 0", [b"*0\r\n" + PING]),
    ("count -5", [b"*-5\r\n" + PING]),
    ("count -0", [b"*-0\r\n"]),
    ("count empty", [b"*\r\n"]),
    ("count +1", [b"*+1\r\n"]),
    ("count 01", [b"*01\r\n"]),
    ("count with blank", [b"*1 \r\n"]),
    ("count too long", [b"*" + b"1" * 70000]),
    ("bulk -1", [b"*1\r\n$-1\r\n"]),
    ("bulk empty", [b"*1\r\n$\r\n"]),
    ("bulk 04", [b"*1\r\n$04\r\nPING\r\n"]),
    ("bulk 512 MB", [b"*1\r\n$536870912\r\n"]),
    ("bulk 512 MB + 1", [b"*1\r\n$536870913\r\n"]),
    ("bulk huge", [b"*1\r\n$99999999999999999999\r\n"]),
    ("bulk header too long", [b"*1\r\n$" + b"1" * 70000]),
    ("not a dollar", [b"*1\r\nx\r\n"]),
    ("empty bulk command", [b"*1\r\n$0\r\n\r\n" + PING]),
    ("header in two writes", [b"*1\r", b"\n$4\r\nPING\r\n"]),
    ("default proto-max-bulk-len", [resp_request("CONFIG", "GET", "proto-max-bulk-len")]),
]

# Only on the --resp-port (the memcached port takes RESP only from a first byte '*').
INLINE_CASES = [
    ("inline ping", [b"PING\r\n"]),
    ("inline LF only", [b"PING\n"]),
    ("empty lines", [b"\r\n\r\n\n" + PING]),
    ("blank line", [b" \r\n" + PING]),
    ("inline NUL", [b"PI\x00NG\r\n"]),
    ("inline NUL, long", [b"PI\x00NG\r\n" + b"x" * 70000]),
    ("inline after NUL", [b"ECHO a\x00b\r\n"]),
    ("inline quotes", [b"ECHO \"a\\x41\" 'b'\r\n"]),
    ("inline unbalanced", [b"ECHO \"a\r\n"]),
    ("inline too long", [b"x" * 70000]),
]

# With a password required, before (and after) AUTH.
AUTH = resp_request("AUTH", "dpass")
UNAUTH_CASES = [
    ("unauthenticated 10 args", [b"*10\r\n"]),
    ("unauthenticated 11 args", [b"*11\r\n"]),
    ("unauthenticated bulk 16384", [b"*1\r\n$16384\r\n"]),
    ("unauthenticated bulk 16385", [b"*1\r\n$16385\r\n"]),
    ("unauthenticated bulk over proto-max", [b"*1\r\n$536870913\r\n"]),
    ("unauthenticated count over INT_MAX", [b"*2147483648\r\n"]),
    ("unauthenticated ping", [PING]),
    ("AUTH then 11 args", [AUTH + b"*11\r\n"]),
    ("AUTH then big bulk", [AUTH + b"*2\r\n$4\r\nECHO\r\n$20000\r\n" + b"e" * 20000 + b"\r\n"]),
    ("AUTH then 12 args, later", [AUTH, resp_request("DEL", *["k"] * 11)]),
    ("bad AUTH then 11 args", [resp_request("AUTH", "bad") + b"*11\r\n"]),
]

ACL = "user default on >dpass ~* &* +@all\n"
USERS = b"default:dpass\n"


def run_cases(port, cases):
    """{name: (replies, closed)} for each case, each on its own connection, all at once."""
    socks = {}
    for name, _ in cases:
        sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        socks[name] = sock
    max_writes = max(len(writes) for _, writes in cases)
    for i in range(max_writes):
        for name, writes in cases:
            if i < len(writes):
                try:
                    socks[name].sendall(writes[i])
                except OSError:
                    pass  # closed by the server already: its replies are read below
        time.sleep(SETTLE / 2 if i + 1 < max_writes else SETTLE)
    results = {}
    for name, sock in socks.items():
        sock.setblocking(False)
        data, closed = b"", False
        while True:
            try:
                chunk = sock.recv(1 << 20)
            except BlockingIOError:
                break
            except ConnectionResetError:
                closed = True
                break
            if not chunk:
                closed = True
                break
            data += chunk
        sock.close()
        results[name] = (data, closed)
    return results


def compare(check, label, got, want):
    for name in want:
        check.expect(got[name] == want[name],
                     f"[{label}] {name}: memkv {got[name]!r:.200} redis {want[name]!r:.200}")


def rss_bytes(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def read_exactly(sock, n):
    data = b""
    while len(data) < n:
        chunk = sock.recv(1 << 20)
        if not chunk:
            break
        data += chunk
    return data


TOO_LARGE = b"-ERR string exceeds maximum allowed size (item size limit)\r\n"
BIG = 4_000_000


def check_big_set(check, label, memkv):
    """-I 1m and a 1 MiB client memory budget: 4 MB SETs refused, skipped, the connection kept."""
    value = b"v" * BIG
    with socket.create_connection(("127.0.0.1", memkv.port), timeout=10) as sock:
        sock.sendall(PING)
        check.expect(read_exactly(sock, 7) == b"+PONG\r\n", f"[{label}] ping")
        before = rss_bytes(memkv.process.pid)
        for _ in range(3):
            sock.sendall(resp_request("SET", "big", value) + PING)
            got = read_exactly(sock, len(TOO_LARGE) + 7)
            check.expect(got == TOO_LARGE + b"+PONG\r\n", f"[{label}] 4 MB SET refused: {got!r}")
        # The refused argument in the middle of a command: the rest is read and dropped.
        sock.sendall(resp_request("SET", "big", value, "EX", "10") + resp_request("GET", "big"))
        got = read_exactly(sock, len(TOO_LARGE) + 5)
        check.expect(got == TOO_LARGE + b"$-1\r\n", f"[{label}] SET big EX refused: {got!r}")
        growth = rss_bytes(memkv.process.pid) - before
        # Four 4 MB bulks went through; one buffered whole would show as 4 MB or more.
        check.expect(growth < BIG // 2, f"[{label}] RSS grew by {growth} bytes")


def check_big_set_fits(check, label, port):
    """-I 8m, --proto-max-bulk-len 5m: the 4 MB SET is stored; a 5 MB + 1 bulk closes."""
    value = b"w" * BIG
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(resp_request("SET", "big", value) + resp_request("STRLEN", "big"))
        got = read_exactly(sock, 5 + 10)
        check.expect(got == b"+OK\r\n:4000000\r\n", f"[{label}] 4 MB SET at -I 8m: {got!r}")
        want = b"*2\r\n$18\r\nproto-max-bulk-len\r\n$7\r\n5242880\r\n"
        sock.sendall(resp_request("CONFIG", "GET", "proto-max-bulk-len"))
        got = read_exactly(sock, len(want))
        check.expect(got == want, f"[{label}] CONFIG GET proto-max-bulk-len: {got!r}")
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5242881\r\n")
        got = read_exactly(sock, 100)
        check.expect(got == b"-ERR Protocol error: invalid bulk length\r\n",
                     f"[{label}] over --proto-max-bulk-len: {got!r}")


def record_oracle(redis_server):
    """Redis's answers to every case."""
    with redis_oracle(redis_server) as redis:
        plain = run_cases(redis.port, MULTIBULK_CASES + INLINE_CASES)
    with tempfile.TemporaryDirectory() as directory:
        acl = os.path.join(directory, "users.acl")
        with open(acl, "w") as f:
            f.write(ACL)
        with redis_oracle(redis_server, ["--aclfile", acl]) as redis:
            unauth = run_cases(redis.port, UNAUTH_CASES)
    return plain, unauth


def main():
    args = test_arguments()
    check = Checker()
    redis_server = shutil.which("redis-server")
    if redis_server is None:
        print("SKIP redis comparison: redis-server not installed")
        plain, unauth = None, None
    else:
        plain, unauth = record_oracle(redis_server)
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as directory:
        users = os.path.join(directory, "users")
        with open(users, "wb") as f:
            f.write(USERS)
        for mode in available_modes(args.binary, args.modes):
            for io in args.ios:
                label = f"{mode}/{io}"
                common = ["--mode", mode, "--io", io, "-t", "2"]
                resp_port = free_port()
                with MemkvServer(args.binary, common + [
                        "-I", "1m", "--max-client-memory", "1m",
                        "--resp-port", str(resp_port)]) as memkv:
                    wait_for_port(resp_port, memkv.process)
                    if plain is not None:
                        compare(check, label + " resp-port",
                                run_cases(resp_port, MULTIBULK_CASES + INLINE_CASES),
                                {name: plain[name] for name, _ in MULTIBULK_CASES + INLINE_CASES})
                        compare(check, label + " memcached port",
                                run_cases(memkv.port, MULTIBULK_CASES),
                                {name: plain[name] for name, _ in MULTIBULK_CASES})
                    check_big_set(check, label, memkv)
                if plain is not None:
                    resp_port = free_port()
                    with MemkvServer(args.binary, common + ["--resp-port", str(resp_port),
                                                            "--auth-file", users]) as memkv:
                        wait_for_port(resp_port, memkv.process)
                        compare(check, label + " auth", run_cases(resp_port, UNAUTH_CASES), unauth)
                with MemkvServer(args.binary,
                                 common + ["-I", "8m", "--proto-max-bulk-len", "5m"]) as memkv:
                    check_big_set_fits(check, label, memkv.port)
    print(f"modes took {time.monotonic() - started:.1f} s")
    return check.exit_status()


if __name__ == "__main__":
    sys.exit(main())
