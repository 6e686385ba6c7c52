"""Protected mode (issue 14 item 2), memkv against redis-server 7 byte for byte where Redis
defines the answer.

With no --auth-file and --protected-mode yes (the default), a client whose address is not
exactly 127.0.0.1 or ::1 is denied. Every server here listens on 127.0.0.1 only; a "remote"
client is one that binds its source address to 127.0.0.2 before connecting, which Redis 7 (it
compares the address string) and memkv both count as not local.

  - redis-server (protected mode by default, --bind 127.0.0.1): from 127.0.0.2 its -DENIED line
    at accept, then the close; from 127.0.0.1 normal service.
  - memkv's --resp-port: the same bytes at accept, with no request sent, then the close.
  - memkv's memcached port (dialect from the first byte): a RESP request gets the same -DENIED
    line, a memcached one memkv's SERVER_ERROR line, then the close; nothing the denied client
    sent runs (a key set from 127.0.0.1 survives its set, flush_all and FLUSHALL).
  - `stats` protected_mode_denials and rejected_connections, and INFO
    memkv_protected_mode_denials, count the denied connections.
Those run in every front-end mode over both I/O engines. Then, in two modes: --protected-mode no
serves 127.0.0.2 as usual, and with --auth-file 127.0.0.2 gets the usual unauthenticated answers,
not the denial.
"""

import os
import shutil
import socket
import sys
import tempfile

from memkv_server import (IO_ENGINES, Checker, MemkvServer, available_modes, free_port, read_until,
                          read_until_close, redis_oracle, resp_request, test_arguments,
                          wait_for_port)

TIMEOUT = 10.0
REMOTE = "127.0.0.2"

# Redis 7.0.15's line (networking.c), typo included; checked against the oracle when installed.
RESP_DENIED = (
    b"-DENIED Redis is running in protected mode because protected mode is enabled and no "
    b"password is set for the default user. In this mode connections are only accepted from the "
    b"loopback interface. If you want to connect from external computers to Redis you may adopt "
    b"one of the following solutions: 1) Just disable protected mode sending the command 'CONFIG "
    b"SET protected-mode no' from the loopback interface by connecting to Redis from the same "
    b"host the server is running, however MAKE SURE Redis is not publicly accessible from "
    b"internet if you do so. Use CONFIG REWRITE to make this change permanent. 2) Alternatively "
    b"you can just disable the protected mode by editing the Redis configuration file, and "
    b"setting the protected mode option to 'no', and then restarting the server. 3) If you "
    b"started the server manually just for testing, restart it with the '--protected-mode no' "
    b"option. 4) Setup a an authentication password for the default user. NOTE: You only need "
    b"to do one of the above things in order for the server to start accepting connections from "
    b"the outside.\r\n")

MEMCACHE_DENIED = (
    b"SERVER_ERROR memkv is running in protected mode because no --auth-file is set: only "
    b"clients connecting from 127.0.0.1 or ::1 are served. To serve other clients, restart memkv "
    b"with --auth-file (and authenticate) or with --protected-mode no\r\n")

# (name, first write of a denied client on the memcached port, the answer before the close).
MAIN_PORT_CASES = [
    ("memcached set", b"set keep 0 0 5\r\nwrong\r\n", MEMCACHE_DENIED),
    ("memcached get", b"get keep\r\n", MEMCACHE_DENIED),
    ("memcached flush_all", b"flush_all\r\n", MEMCACHE_DENIED),
    ("meta set", b"ms keep 5\r\nwrong\r\n", MEMCACHE_DENIED),
    ("a partial line", b"se", MEMCACHE_DENIED),
    ("RESP FLUSHALL", resp_request("FLUSHALL"), RESP_DENIED),
    ("RESP SET", resp_request("SET", "keep", "wrong"), RESP_DENIED),
]


def connect(port, source=None):
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.settimeout(TIMEOUT)
    if source is not None:
        sock.bind((source, 0))
    sock.connect(("127.0.0.1", port))
    return sock



def denied_at_accept(port):
    """What a client from REMOTE receives, sending nothing, until the server closes."""
    with connect(port, REMOTE) as sock:
        return read_until_close(sock)


def denied_after(port, request):
    """What a client from REMOTE receives after sending `request`, until the server closes."""
    with connect(port, REMOTE) as sock:
        sock.sendall(request)
        return read_until_close(sock)


def call(port, request, reply_end, source=None):
    with connect(port, source) as sock:
        sock.sendall(request)
        return read_until(sock, reply_end)


def stat(port, name, login=b""):
    """`stats` counter `name`, asked from 127.0.0.1 (after `login`, its authentication)."""
    reply = call(port, login + b"stats\r\n", b"END\r\n").decode()
    for line in reply.split("\r\n"):
        parts = line.split(" ")
        if len(parts) == 3 and parts[1] == name:
            return int(parts[2])
    return None



def check_oracle(checker, redis):
    """redis-server itself: the line at accept from 127.0.0.2, service from 127.0.0.1."""
    if redis is None:
        print("SKIP the comparison with redis-server: not installed")
        return
    with redis_oracle(redis) as r:
        got = denied_at_accept(r.port)
        checker.expect(got == RESP_DENIED, f"redis-server from {REMOTE}: {got!r}")
        got = call(r.port, resp_request("PING"), b"\r\n")
        checker.expect(got == b"+PONG\r\n", f"redis-server from 127.0.0.1: {got!r}")


def check_denials(checker, binary, mode, io):
    label = f"{mode}/{io}"
    resp_port = free_port()
    with MemkvServer(binary, ["--mode", mode, "--io", io, "-t", "2",
                              "--resp-port", str(resp_port)]) as s:
        wait_for_port(resp_port, s.process)
        denials = 0
        # The RESP-only port: Redis's bytes at accept, before the client says anything.
        got = denied_at_accept(resp_port)
        denials += 1
        checker.expect(got == RESP_DENIED, f"{label} resp-port from {REMOTE}: {got!r}")
        got = call(resp_port, resp_request("PING"), b"\r\n")
        checker.expect(got == b"+PONG\r\n", f"{label} resp-port from 127.0.0.1: {got!r}")
        # The memcached port: the first request's dialect picks the line.
        got = call(s.port, b"set keep 0 0 4\r\nsafe\r\n", b"\r\n")
        checker.expect(got == b"STORED\r\n", f"{label} set from 127.0.0.1: {got!r}")
        for name, request, expected in MAIN_PORT_CASES:
            got = denied_after(s.port, request)
            denials += 1
            checker.expect(got == expected, f"{label} {name} from {REMOTE}: {got!r}")
        got = call(s.port, b"get keep\r\n", b"END\r\n")
        checker.expect(got == b"VALUE keep 0 4\r\nsafe\r\nEND\r\n",
                       f"{label} a denied request ran: get keep is {got!r}")
        checker.expect(stat(s.port, "protected_mode_denials") == denials,
                       f"{label} stats protected_mode_denials is not {denials}")
        checker.expect(stat(s.port, "rejected_connections") == denials,
                       f"{label} stats rejected_connections is not {denials}")
        info = call(resp_port, resp_request("INFO", "stats"), b"\r\n\r\n")
        checker.expect(b"memkv_protected_mode_denials:%d\r\n" % denials in info,
                       f"{label} INFO stats: {info!r}")
        checker.expect(b"rejected_connections:%d\r\n" % denials in info,
                       f"{label} INFO stats rejected_connections")
    checker.expect(s.returncode == 0, f"{label}: exit status {s.returncode}")


def check_protected_mode_off(checker, binary, mode):
    label = f"{mode} --protected-mode no"
    resp_port = free_port()
    with MemkvServer(binary, ["--mode", mode, "-t", "2", "--resp-port", str(resp_port),
                              "--protected-mode", "no"]) as s:
        wait_for_port(resp_port, s.process)
        got = call(resp_port, resp_request("PING"), b"\r\n", REMOTE)
        checker.expect(got == b"+PONG\r\n", f"{label} resp-port from {REMOTE}: {got!r}")
        got = call(s.port, b"set k 0 0 1\r\nv\r\nget k\r\n", b"END\r\n", REMOTE)
        checker.expect(got == b"STORED\r\nVALUE k 0 1\r\nv\r\nEND\r\n",
                       f"{label} memcached from {REMOTE}: {got!r}")
        got = call(s.port, resp_request("GET", "k"), b"v\r\n", REMOTE)
        checker.expect(got == b"$1\r\nv\r\n", f"{label} RESP from {REMOTE}: {got!r}")
        checker.expect(stat(s.port, "protected_mode_denials") == 0,
                       f"{label}: protected_mode_denials counted")


def check_with_auth_file(checker, binary, mode, users_path):
    label = f"{mode} --auth-file"
    resp_port = free_port()
    with MemkvServer(binary, ["--mode", mode, "-t", "2", "--resp-port", str(resp_port),
                              "--auth-file", users_path]) as s:
        wait_for_port(resp_port, s.process)
        # The usual unauthenticated answers, on a connection that stays open.
        for port in (resp_port, s.port):
            with connect(port, REMOTE) as sock:
                for _ in range(2):
                    sock.sendall(resp_request("PING"))
                    got = read_until(sock, b"\r\n")
                    checker.expect(got == b"-NOAUTH Authentication required.\r\n",
                                   f"{label} port {port} RESP from {REMOTE}: {got!r}")
        with connect(s.port, REMOTE) as sock:
            for _ in range(2):
                sock.sendall(b"get k\r\n")
                got = read_until(sock, b"\r\n")
                checker.expect(got == b"CLIENT_ERROR unauthenticated\r\n",
                               f"{label} memcached from {REMOTE}: {got!r}")
            sock.sendall(b"set x 0 0 12\r\nalice secret\r\nget k\r\n")
            got = read_until(sock, b"END\r\n")
            checker.expect(got == b"STORED\r\nEND\r\n",
                           f"{label} memcached from {REMOTE} after authenticating: {got!r}")
        login = b"set x 0 0 12\r\nalice secret\r\n"
        checker.expect(stat(s.port, "protected_mode_denials", login) == 0,
                       f"{label}: protected_mode_denials counted")


def can_bind_remote():
    try:
        with socket.socket() as sock:
            sock.bind((REMOTE, 0))
        return True
    except OSError as error:
        print(f"cannot bind {REMOTE}: {error}")
        return False


def main():
    args = test_arguments()
    if not can_bind_remote():
        print("FAIL: no 127.0.0.2 to stand in for a remote host")
        return 1
    checker = Checker()
    check_oracle(checker, shutil.which("redis-server"))
    modes = available_modes(args.binary, args.mode)
    for mode in modes:
        for io in args.io or IO_ENGINES:
            check_denials(checker, args.binary, mode, io)
    with tempfile.TemporaryDirectory() as directory:
        users_path = os.path.join(directory, "users")
        with open(users_path, "w") as f:
            f.write("alice:secret\n")
        for mode in [m for m in ("acceptor", "dispatch") if m in modes]:
            check_protected_mode_off(checker, args.binary, mode)
            check_with_auth_file(checker, args.binary, mode, users_path)
    return checker.exit_status()


if __name__ == "__main__":
    sys.exit(main())
