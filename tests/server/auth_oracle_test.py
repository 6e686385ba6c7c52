"""Authentication (issue 14 item 1), memkv --auth-file against the real servers, byte for byte.

memcached text protocol: memkv -Y FILE against memcached 1.6.18 -Y FILE on the same inputs,
each request in its own write (the reply to it read before the next is sent), then the
pipelined inputs where the two differ on purpose (docs/security.md: memcached keeps only the
last of several unauthenticated-phase replies that come out of one read; memkv sends them all),
checked against both servers' bytes. Then `stats` auth_cmds / auth_errors.

RESP: memkv with the file `default:dpass` + `alice:secret` against redis-server 7.0.15 with the
same two users in an ACL file, on memkv's --resp-port and its memcached port (a RESP connection
there), byte for byte.

Then real clients (redis-cli -a and --user/--pass, redis-py password= and username=,
pymemcache with a raw set, redis-benchmark -a), a reload on SIGHUP, and the refusal to start
with a bad file. Runs in two front-end modes (acceptor: the executing connection; dispatch:
framing on the dispatcher, execution on the pool). Skips the comparisons with a server that is
not installed.
"""

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

import pymemcache.client.base
import redis

from memkv_server import (MemkvServer, free_port, memcached_oracle, redis_oracle, resp_request,
                          test_arguments, wait_for_port)

TIMEOUT = 10.0
USERS = b"default:dpass\nalice:secret\n"
ACL = "user default on >dpass ~* &* +@all\nuser alice on >secret ~* &* +@all\n"

# (name, steps): each step is the bytes of one write and the number of reply lines it gets.
# Every conversation ends with a request whose reply shows whether the connection is
# authenticated, so that a missing or extra reply anywhere shows as a difference. (The oracle
# lives through both modes: `get` only keys that the conversation itself set.)
TEXT_CONVERSATIONS = [
    ("get before auth", [(b"get a\r\n", 1), (b"version\r\n", 1)]),
    ("meta, quit, unknown, empty", [(b"mg a v\r\n", 1), (b"mn\r\n", 1), (b"quit\r\n", 1),
                                    (b"bogus\r\n", 1), (b"\r\n", 1), (b"version\r\n", 1)]),
    ("good set", [(b"set x 0 0 12\r\nalice secret\r\n", 1), (b"get never_set\r\n", 1),
                  (b"set k 0 0 1\r\nv\r\n", 1), (b"get k\r\n", 3)]),
    ("default user", [(b"set x 0 0 13\r\ndefault dpass\r\n", 1), (b"version\r\n", 1)]),
    ("wrong password", [(b"set x 0 0 9\r\nalice bad\r\n", 1), (b"version\r\n", 1)]),
    ("unknown user", [(b"set x 0 0 12\r\ncarol secret\r\n", 1), (b"version\r\n", 1)]),
    ("case of the user", [(b"set x 0 0 12\r\nALICE secret\r\n", 1), (b"version\r\n", 1)]),
    ("no space", [(b"set x 0 0 11\r\nalicesecret\r\n", 1), (b"version\r\n", 1)]),
    ("tab is no space", [(b"set x 0 0 12\r\nalice\tsecret\r\n", 1), (b"version\r\n", 1)]),
    ("bad termination", [(b"set x 0 0 12\r\nalice secretXY", 1), (b"version\r\n", 1)]),
    ("then success", [(b"set x 0 0 9\r\nalice bad\r\n", 1),
                      (b"set x 0 0 12\r\nalice secret\r\n", 1), (b"version\r\n", 1)]),
    ("noreply, flags, extra tokens", [(b"set x 5 100 12 noreply\r\nalice secret\r\n", 1),
                                      (b"get never_set\r\n", 1)]),
    ("spaces around", [(b"set x 0 0 15\r\n alice  secret \r\n", 1), (b"version\r\n", 1)]),
    ("extra tokens in the data", [(b"set x 0 0 18\r\nalice secret extra\r\n", 1),
                                  (b"version\r\n", 1)]),
    ("SET, short set, bad length", [(b"SET x 0 0 1\r\n", 1), (b"set x 0 0\r\n", 1),
                                    (b"set x 0 0 1a\r\n", 1), (b"set x 0 0 -1\r\n", 1),
                                    (b"version\r\n", 1)]),
    ("odd but numeric lengths", [(b"set x a b +12\r\nalice secret\r\n", 1), (b"version\r\n", 1)]),
    ("split in pieces", [(b"se", 0), (b"t x 0 0 12\r\nalice ", 0), (b"secret\r", 0),
                         (b"\n", 1), (b"version\r\n", 1)]),
    ("bare newlines", [(b"set x 0 0 12\nalice secret\r\n", 1), (b"version\n", 1)]),
    ("a set after auth is a set", [(b"set x 0 0 12\r\nalice secret\r\n", 1),
                                   (b"set x 0 0 9\r\nalice bad\r\n", 1), (b"get x\r\n", 3)]),
    ("a long line closes", [(b"x" * 3000, 1)]),  # waits for the close
]

# (name, one write, memkv's reply, memcached's reply).
PIPELINED = [
    ("failure then a command", b"set x 0 0 9\r\nalice bad\r\nversion\r\n",
     b"CLIENT_ERROR authentication failure\r\nCLIENT_ERROR unauthenticated\r\n",
     b"CLIENT_ERROR unauthenticated\r\n"),
    ("two refusals", b"version\r\nversion\r\n",
     b"CLIENT_ERROR unauthenticated\r\n" * 2, b"CLIENT_ERROR unauthenticated\r\n"),
    ("failure then success", b"set x 0 0 9\r\nalice bad\r\nset x 0 0 12\r\nalice secret\r\n"
     b"version\r\n",
     b"CLIENT_ERROR authentication failure\r\nSTORED\r\nVERSION ",
     b"STORED\r\nVERSION "),
    ("success then commands", b"set x 0 0 12\r\nalice secret\r\nset k 0 0 1\r\nv\r\nget k\r\n",
     b"STORED\r\nSTORED\r\nVALUE k 0 1\r\nv\r\nEND\r\n",
     b"STORED\r\nSTORED\r\nVALUE k 0 1\r\nv\r\nEND\r\n"),
]

# RESP conversations: each command is one request and one reply.
RESP_CONVERSATIONS = [
    ("commands before AUTH", [["GET", "a"], ["PING"], ["CLIENT", "ID"], ["SET", "k", "v"],
                              ["FOO"], ["GET"], ["HELLO"], ["HELLO", "2"], ["HELLO", "3"],
                              ["HELLO", "x"], ["HELLO", "1"], ["CLIENT", "FOO"],
                              ["CLIENT", "SETNAME"], ["CONFIG"], ["CONFIG", "GET", "port"],
                              ["COMMAND"], ["COMMAND", "COUNT"], ["POST"]]),
    ("AUTH password", [["AUTH", "bad"], ["GET", "a"], ["AUTH", "dpass"], ["GET", "a"],
                       ["AUTH", "bad"], ["PING"]]),
    ("AUTH user password", [["AUTH", "alice", "bad"], ["AUTH", "carol", "secret"],
                            ["AUTH", "alice", "secret"], ["EXISTS", "a"]]),
    ("AUTH arity", [["AUTH"], ["AUTH", "a", "b", "c"], ["AUTH", "default", "dpass", "x"]]),
    ("HELLO AUTH", [["HELLO", "2", "AUTH", "alice", "bad"], ["HELLO", "2", "AUTH", "alice"],
                    ["HELLO", "2", "AUTH", "default", "dpass", "SETNAME", "n"],
                    ["CLIENT", "GETNAME"]]),
    ("QUIT before AUTH", [["QUIT"]]),
]


def recv_lines(sock, count):
    """Reads `count` lines; stops early, adding b"<closed>", when the server closes."""
    data = b""
    while data.count(b"\n") < count:
        try:
            chunk = sock.recv(65536)
        except ConnectionResetError:  # closed with our bytes unread: a close all the same
            chunk = b""
        if not chunk:
            return data + b"<closed>"
        data += chunk
    return data


def text_conversation(port, steps):
    out = []
    with socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT) as sock:
        for payload, lines in steps:
            try:
                sock.sendall(payload)
            except (BrokenPipeError, ConnectionResetError):
                out.append(b"<closed>")
                break
            reply = recv_lines(sock, lines)
            if reply.endswith(b"<closed>"):
                out.append(reply)
                break
            out.append(reply)
    return b"|".join(out).replace(b"VERSION 1.6.18-memkv-0.1", b"VERSION 1.6.18")


def pipelined(port, payload, expected_prefix_len):
    with socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT) as sock:
        sock.sendall(payload)
        data = b""
        while len(data) < expected_prefix_len:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
        return data


def read_resp(f):
    """One RESP2 reply, as its bytes."""
    line = f.readline()
    if not line:
        return b"<closed>"
    kind = line[:1]
    if kind == b"$":
        n = int(line[1:-2])
        return line + (f.read(n + 2) if n >= 0 else b"")
    if kind == b"*":
        n = int(line[1:-2])
        return line + b"".join(read_resp(f) for _ in range(max(n, 0)))
    return line


def resp_conversation(port, commands):
    with socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT) as sock:
        f = sock.makefile("rb")
        replies = []
        for command in commands:
            sock.sendall(resp_request(*command))
            replies.append(read_resp(f))
        return replies


def normalize_resp(reply):
    # HELLO's id is the connection number of each server.
    if reply.startswith(b"*14\r\n"):
        parts = reply.split(b"\r\n")
        parts[14] = b":ID"
        return b"\r\n".join(parts)
    return reply


def text_stats(port, names):
    with socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT) as sock:
        sock.sendall(b"set x 0 0 12\r\nalice secret\r\nstats\r\n")
        data = b""
        while not data.endswith(b"END\r\n"):
            data += sock.recv(65536)
    stats = dict(line.split(b" ")[1:3] for line in data.split(b"\r\n") if line.startswith(b"STAT"))
    return {name: int(stats[name.encode()]) for name in names}


class Checker:
    def __init__(self):
        self.failures = 0
        self.passed = 0

    def equal(self, label, got, want):
        if got == want:
            self.passed += 1
        else:
            self.failures += 1
            print(f"FAIL {label}:\n  memkv: {got!r}\n  want:  {want!r}")

    def true(self, label, condition, detail=""):
        if condition:
            self.passed += 1
        else:
            self.failures += 1
            print(f"FAIL {label} {detail}")


def check_text(check, mode, memkv_port, memcached_port):
    for name, steps in TEXT_CONVERSATIONS:
        got = text_conversation(memkv_port, steps)
        if memcached_port:
            check.equal(f"[{mode}] text {name}", got, text_conversation(memcached_port, steps))
    for name, payload, memkv_reply, memcached_reply in PIPELINED:
        got = pipelined(memkv_port, payload, len(memkv_reply))
        check.equal(f"[{mode}] pipelined {name}", got[:len(memkv_reply)], memkv_reply)
        if memcached_port:
            want = pipelined(memcached_port, payload, len(memcached_reply))
            check.equal(f"[{mode}] memcached pipelined {name}", want[:len(memcached_reply)],
                        memcached_reply)


def check_text_stats(check, mode, memkv_port, memcached_port):
    """The same failures and successes move auth_cmds and auth_errors alike on both."""
    names = ["auth_cmds", "auth_errors"]
    steps = [(b"set x 0 0 9\r\nalice bad\r\n", 1), (b"set x 0 0 3\r\nabc\r\n", 1),
             (b"get a\r\n", 1), (b"set x 0 0 12\r\nalice secret\r\n", 1)]
    before = text_stats(memkv_port, names)
    text_conversation(memkv_port, steps)
    after = text_stats(memkv_port, names)
    delta = {n: after[n] - before[n] for n in names}
    check.equal(f"[{mode}] stats deltas", delta, {"auth_cmds": 3, "auth_errors": 1})
    if memcached_port:
        before = text_stats(memcached_port, names)
        text_conversation(memcached_port, steps)
        after = text_stats(memcached_port, names)
        check.equal(f"[{mode}] memcached stats deltas",
                    {n: after[n] - before[n] for n in names}, delta)


def check_resp(check, mode, ports, redis_port):
    for name, commands in RESP_CONVERSATIONS:
        want = resp_conversation(redis_port, commands) if redis_port else None
        for port in ports:
            got = [normalize_resp(r) for r in resp_conversation(port, commands)]
            if want is not None:
                check.equal(f"[{mode}] resp {name} (port {port})", got,
                            [normalize_resp(r) for r in want])
            else:
                check.true(f"[{mode}] resp {name} ran", len(got) == len(commands))


def check_clients(check, mode, port, resp_port):
    env = dict(os.environ, REDISCLI_AUTH="")
    env.pop("REDISCLI_AUTH")
    for p in (port, resp_port):
        run = subprocess.run(["redis-cli", "--no-auth-warning", "-p", str(p), "-a", "dpass",
                              "set", "cli", "one"], capture_output=True, text=True, env=env,
                             timeout=TIMEOUT)
        check.equal(f"[{mode}] redis-cli -a (port {p})", run.stdout, "OK\n")
        run = subprocess.run(["redis-cli", "--no-auth-warning", "-p", str(p), "--user", "alice",
                              "--pass", "secret", "get", "cli"], capture_output=True, text=True,
                             env=env, timeout=TIMEOUT)
        check.equal(f"[{mode}] redis-cli --user/--pass (port {p})", run.stdout, "one\n")
        run = subprocess.run(["redis-cli", "-p", str(p), "get", "cli"], capture_output=True,
                             text=True, env=env, timeout=TIMEOUT)
        check.true(f"[{mode}] redis-cli without a password (port {p})",
                   "NOAUTH" in run.stdout + run.stderr, run.stdout + run.stderr)
        client = redis.Redis(port=p, password="dpass", socket_timeout=TIMEOUT)
        client.set("py", "two")
        check.equal(f"[{mode}] redis-py password= (port {p})", client.get("py"), b"two")
        client.close()
        client = redis.Redis(port=p, username="alice", password="secret", socket_timeout=TIMEOUT)
        check.equal(f"[{mode}] redis-py username= (port {p})", client.get("py"), b"two")
        client.close()
        try:
            redis.Redis(port=p, username="alice", password="bad", socket_timeout=TIMEOUT).ping()
            check.true(f"[{mode}] redis-py bad password (port {p})", False, "no error raised")
        except redis.exceptions.ResponseError as error:  # this redis-py's type for WRONGPASS
            check.true(f"[{mode}] redis-py bad password (port {p})", "WRONGPASS" in str(error),
                       str(error))
    client = pymemcache.client.base.Client(("127.0.0.1", port), timeout=TIMEOUT)
    # pymemcache has no -Y authentication of its own: the set is the authentication. It must
    # wait for the reply: memcached and memkv answer STORED even to a noreply one.
    check.true(f"[{mode}] pymemcache set authenticates",
               client.set("auth", "alice secret", noreply=False))
    client.set("pm", "three")
    check.equal(f"[{mode}] pymemcache get", client.get("pm"), b"three")
    client.close()
    run = subprocess.run(["redis-benchmark", "-p", str(resp_port), "-a", "dpass", "-n", "200",
                          "-c", "2", "-t", "set,get", "-q"], capture_output=True, text=True,
                         timeout=60)
    check.true(f"[{mode}] redis-benchmark -a", run.returncode == 0 and "GET:" in run.stdout
               and "SET:" in run.stdout, run.stdout + run.stderr)


def check_reload(check, mode, server, path):
    def works(user_password):
        reply = text_conversation(server.port, [(b"set x 0 0 %d\r\n%s\r\n" % (
            len(user_password), user_password), 1)])
        return reply == b"STORED\r\n"

    with open(path, "wb") as f:
        f.write(b"alice:rotated\n")
    check.true(f"[{mode}] old password before SIGHUP", works(b"alice secret"))
    server.process.send_signal(signal.SIGHUP)
    # The main thread reloads when it reads the signal: wait for the new list, boundedly.
    deadline = time.monotonic() + TIMEOUT
    while not works(b"alice rotated") and time.monotonic() < deadline:
        time.sleep(0.05)
    check.true(f"[{mode}] new password after SIGHUP", works(b"alice rotated"))
    check.true(f"[{mode}] old password refused after SIGHUP", not works(b"alice secret"))
    resp = resp_conversation(server.port, [["AUTH", "dpass"], ["AUTH", "alice", "rotated"]])
    check.equal(f"[{mode}] RESP after SIGHUP", resp,
                [b"-WRONGPASS invalid username-password pair or user is disabled.\r\n",
                 b"+OK\r\n"])
    # A broken file is reported and the list stays.
    with open(path, "wb") as f:
        f.write(b"broken\n")
    server.process.send_signal(signal.SIGHUP)
    check.true(f"[{mode}] still serving after a bad reload", works(b"alice rotated"))
    check.true(f"[{mode}] server alive after SIGHUP", server.process.poll() is None)


def check_bad_files(check, binary, directory):
    for name, contents in [("malformed", b"nocolon\n"), ("crlf", b"a:b\r\n"),
                           ("nine", b"".join(b"u%d:p\n" % i for i in range(9)))]:
        path = os.path.join(directory, name)
        with open(path, "wb") as f:
            f.write(contents)
        run = subprocess.run([binary, "-p", str(free_port()), "-Y", path], capture_output=True,
                             text=True, timeout=TIMEOUT)
        check.true(f"bad file {name} refused", run.returncode == 1 and "--auth-file" in
                   run.stderr, run.stderr)
    run = subprocess.run([binary, "-p", str(free_port()), "--auth-file",
                          os.path.join(directory, "missing")], capture_output=True, text=True,
                         timeout=TIMEOUT)
    check.true("missing file refused", run.returncode == 1, run.stderr)


def start_oracles(stack, directory, path):
    memcached = shutil.which("memcached")
    redis_server = shutil.which("redis-server")
    memcached_port = redis_port = None
    if memcached:
        memcached_port = stack(memcached_oracle(memcached, ["-Y", path])).port
    else:
        print("SKIP memcached comparison: memcached not installed")
    if redis_server:
        acl = os.path.join(directory, "users.acl")
        with open(acl, "w") as f:
            f.write(ACL)
        redis_port = stack(redis_oracle(redis_server, ["--aclfile", acl])).port
    else:
        print("SKIP redis comparison: redis-server not installed")
    return memcached_port, redis_port


def main():
    args = test_arguments()
    check = Checker()
    from contextlib import ExitStack
    with tempfile.TemporaryDirectory() as directory, ExitStack() as stack:
        users = os.path.join(directory, "users")
        with open(users, "wb") as f:
            f.write(USERS)
        memcached_port, redis_port = start_oracles(stack.enter_context, directory, users)
        for mode in ["acceptor", "dispatch"]:
            path = os.path.join(directory, f"users-{mode}")
            with open(path, "wb") as f:
                f.write(USERS)
            resp_port = free_port()
            with MemkvServer(args.binary, ["--mode", mode, "-t", "2", "--resp-port",
                                           str(resp_port), "--auth-file", path]) as server:
                wait_for_port(resp_port, server.process)
                check_text(check, mode, server.port, memcached_port)
                check_text_stats(check, mode, server.port, memcached_port)
                check_resp(check, mode, [resp_port, server.port], redis_port)
                check_clients(check, mode, server.port, resp_port)
                check_reload(check, mode, server, path)
            check.true(f"[{mode}] clean exit", server.returncode == 0)
        check_bad_files(check, args.binary, directory)
    print(f"{check.passed} passed, {check.failures} failed")
    return 1 if check.failures else 0


if __name__ == "__main__":
    sys.exit(main())
