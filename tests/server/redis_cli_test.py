"""Real Redis clients against memkv's RESP dialect, on every front-end mode and I/O engine:

1. redis-cli (redis-tools) runs every supported command; its output must equal what the same
   redis-cli prints against a real redis-server 7 (started by this test, persistence off).
   Commands where memkv differs on purpose (strings only) are checked
   against memkv's own expected output. The same script under `redis-cli -3` (HELLO 3, RESP3
   replies: nulls, maps) must print what it prints against redis-server. An interactive redis-cli (under a pseudo-terminal) loads
   its help from COMMAND DOCS and shows it for `help set`.
2. Malformed RESP gets Redis's "-ERR Protocol error: ..." and a closed connection, on both
   ports, while another client stays served.
3. python3-redis and pymemcache at once against the same server: one keyspace, one TTL, and RESP
   on the shared memcached port (first byte '*') as well as on --resp-port.
4. redis-benchmark -t ping,set,get,incr,mset -n 20000 -q completes every test without an error or
   a warning, also with -P 16 (on --resp-port; PING_INLINE needs inline commands; the shared port
   runs the multibulk tests).

Usage: redis_cli_test.py --binary path/to/memkv [--mode M ...] [--io uring|epoll ...]
"""

import fcntl
import os
import pty
import select
import shutil
import signal
import socket
import struct
import subprocess
import sys
import termios
import threading
import time
import traceback

try:
    import redis
    from pymemcache.client.base import Client as MemcacheClient
except ImportError:
    # Debian's python3-redis / python3-pymemcache install for the system interpreter; a python3
    # from elsewhere on PATH (pyenv, venv) does not see them by default.
    sys.path.append("/usr/lib/python3/dist-packages")
    import redis
    from pymemcache.client.base import Client as MemcacheClient

from memkv_server import MemkvServer, available_modes, free_port, test_arguments, wait_for_port

# Every command memkv supports, as redis-cli lines; run in order on an empty keyspace. Outputs
# must not depend on timing (TTLs of 100 s are read within the same second; absolute expiries
# are in 2100).
SHARED_SCRIPT = """
PING
PING hi
ECHO "hello world"
SET k v
GET k
SET k v2 XX GET
SET n 1 NX
SET n 2 NX
SET e v EX 100
TTL e
SET x v EXAT 4102444800
EXPIRETIME x
SET y v PXAT 4102444800000
PEXPIRETIME y
SET x w KEEPTTL
EXPIRETIME x
SET k v EX 0
SET k v PX abc
SET k v NX XX
SETNX k other
SETNX fresh v
SETEX se 100 v
TTL se
SETEX se 0 v
PSETEX ps 100000 v
EXISTS ps
GETSET k v3
GETSET never v
GETDEL k
GETDEL k
GETEX se
GETEX se PERSIST
TTL se
GETEX se EX 50
TTL se
GETEX se EXAT 4102444800
EXPIRETIME se
MSET a 1 b 2 c 3
MGET a b c nokey
MSET a
MSETNX a 1 d 4
MSETNX d 4 e 5
DEL a b nokey
UNLINK c
EXISTS d e d nokey
INCR cnt
INCR cnt
DECR cnt
INCRBY cnt 10
DECRBY cnt 3
INCRBY cnt x
SET s abc
INCR s
SET big 9223372036854775807
INCR big
APPEND ap hello
APPEND ap " world"
STRLEN ap
STRLEN nokey
GET ap
EXPIRE ap 100
TTL ap
EXPIRE ap 200 NX
EXPIRE ap 200 GT
TTL ap
EXPIRE ap 50 LT
TTL ap
EXPIRE ap 10 NX XX
EXPIRE ap 10 FOO
PEXPIRE ap 300000
TTL ap
EXPIREAT ap 4102444800
EXPIRETIME ap
PEXPIREAT ap 4102444800000
PEXPIRETIME ap
PERSIST ap
PERSIST ap
TTL ap
TTL nokey
TYPE ap
TYPE nokey
DBSIZE
SELECT 0
CONFIG GET save
CONFIG GET appendonly
CONFIG GET appendonl?
CONFIG FOO
CLIENT GETNAME
CLIENT SETNAME cli-test
CLIENT GETNAME
CLIENT SETNAME "a b"
HELLO 4
HELLO 2 FOO
FOO bar baz
GET
SET
COMMAND DOCS nosuch
FLUSHDB
DBSIZE
SET k v
FLUSHALL
DBSIZE
"""

# Where memkv differs from redis-server on purpose: (line, expected redis-cli output).
MEMKV_ONLY = [
    ("LPUSH l a", "ERR unknown command 'LPUSH', with args beginning with: 'l' 'a' "),
    ("SADD s m", "ERR unknown command 'SADD', with args beginning with: 's' 'm' "),
    ("HSET h f v", "ERR unknown command 'HSET', with args beginning with: 'h' 'f' 'v' "),
    ("ZADD z 1 m", "ERR unknown command 'ZADD', with args beginning with: 'z' '1' 'm' "),
    ("COMMAND COUNT", "68"),
]


def check(condition, what):
    if not condition:
        raise AssertionError(what)


def redis_cli(port, script, resp3=False):
    """Runs redis-cli with `script` on stdin (one command a line); returns its stdout.
    resp3: `redis-cli -3`, which starts with HELLO 3."""
    result = subprocess.run(["redis-cli", "-h", "127.0.0.1", "-p", str(port)]
                            + (["-3"] if resp3 else []), input=script,
                            capture_output=True, text=True, timeout=60)
    check(result.returncode == 0, f"redis-cli exit status {result.returncode}: {result.stderr}")
    return result.stdout


def expected_cli_output(redis_port, resp3=False):
    subprocess.run(["redis-cli", "-p", str(redis_port), "FLUSHALL"], check=True,
                   capture_output=True)
    return redis_cli(redis_port, SHARED_SCRIPT, resp3)


def check_cli(port, expected, resp3=False):
    got = redis_cli(port, SHARED_SCRIPT, resp3)
    if got != expected:
        commands = [c for c in SHARED_SCRIPT.strip().split("\n")]
        raise AssertionError("redis-cli output differs from redis-server's:\n" + "\n".join(
            f"  {i}: memkv {a!r} redis {b!r}" for i, (a, b) in
            enumerate(zip(got.split("\n"), expected.split("\n"))) if a != b)[:3000]
            + f"\n(commands: {len(commands)})")
    if resp3:
        return
    for line, want in MEMKV_ONLY:
        got = redis_cli(port, line + "\n").rstrip("\n")
        check(got == want, f"redis-cli {line!r}: got {got!r}, want {want!r}")
    info = redis_cli(port, "INFO\n")
    for section in ("# Server", "# Clients", "# Memory", "# Stats", "# Keyspace"):
        check(section in info, f"INFO lacks {section}")
    client_id = redis_cli(port, "CLIENT ID\n").strip()
    check(client_id.isdigit(), f"CLIENT ID {client_id!r}")
    # QUIT: +OK, then the server closes. (redis-cli reading commands from stdin would treat
    # "quit" itself, so it goes as an argument.)
    result = subprocess.run(["redis-cli", "-h", "127.0.0.1", "-p", str(port), "QUIT"],
                            capture_output=True, text=True, timeout=60)
    check(result.returncode == 0 and result.stdout == "OK\n", f"QUIT: {result!r}")


def check_interactive_help(port):
    """An interactive redis-cli (stdin a terminal) reads COMMAND DOCS and answers `help set`.

    The pseudo-terminal says it is 80 columns wide; should redis-cli's line editor (linenoise)
    still ask for the cursor position (ESC [6n), this plays the terminal and answers.
    """
    pid, fd = pty.fork()
    if pid == 0:
        # An 80-column terminal, so that the line editor need not measure it.
        fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
        os.execvp("redis-cli", ["redis-cli", "-h", "127.0.0.1", "-p", str(port)])
    output = b""
    answered = 0

    def expect(marker, since=0, timeout=10):
        """Reads until `marker` appears after output[since:]; returns the end of the output."""
        nonlocal output, answered
        deadline = time.monotonic() + timeout
        while marker not in output[since:] and time.monotonic() < deadline:
            ready, _, _ = select.select([fd], [], [], 0.2)
            if ready:
                try:
                    output += os.read(fd, 65536)
                except OSError:
                    break
            while output.count(b"\x1b[6n") > answered:
                os.write(fd, b"\x1b[1;80R")
                answered += 1
        return len(output)

    prompt = f"127.0.0.1:{port}> ".encode()
    try:
        # One command at a time, each typed only once the prompt is back.
        mark = expect(prompt)
        os.write(fd, b"help set\r")
        mark = expect(b"Set the string value of a key", mark)
        mark = expect(prompt, mark)
        os.write(fd, b"get nosuchkey\r")
        mark = expect(b"(nil)", mark)
        mark = expect(prompt, mark)
        os.write(fd, b"quit\r")
        expect(b"\x00", mark, timeout=1)  # give it a moment to exit
    finally:
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        os.waitpid(pid, 0)
        os.close(fd)
    text = output.decode(errors="replace")
    check("Set the string value of a key" in text, f"interactive help: {text[-500:]!r}")
    check("(nil)" in text, f"interactive GET: {text[-500:]!r}")


def check_one_keyspace(memcached_port, resp_port):
    """python3-redis on both ports and pymemcache, all connected at once, see one keyspace."""
    shared = redis.Redis(host="127.0.0.1", port=memcached_port, socket_timeout=10)
    dedicated = redis.Redis(host="127.0.0.1", port=resp_port, socket_timeout=10)
    # default_noreply=False: each store waits for its reply, so that the next read (on another
    # connection, maybe another thread) comes after it.
    mc = MemcacheClient(("127.0.0.1", memcached_port), default_noreply=False, connect_timeout=10,
                        timeout=10)
    check(shared.ping() is True and dedicated.ping() is True, "PING on both ports")
    check(shared.set("from:redis", b"\x00binary\r\n") is True, "redis SET")
    check(mc.get("from:redis") == b"\x00binary\r\n", "memcached get of a RESP key")
    mc.set("from:mc", b"memcached value", expire=100)
    check(dedicated.get("from:mc") == b"memcached value", "RESP GET of a memcached key")
    check(dedicated.ttl("from:mc") in (99, 100), f"TTL of a memcached exptime: "
          f"{dedicated.ttl('from:mc')}")
    check(shared.set("short", b"x", px=300) is True, "SET PX")
    check(mc.get("short") == b"x", "memcached sees it")
    time.sleep(0.5)
    check(mc.get("short") is None, "memcached: expired with the RESP TTL")
    check(dedicated.pttl("from:mc") in range(98000, 100001), "PTTL")
    check(dedicated.incr("counter") == 1, "INCR")
    check(mc.incr("counter", 5) == 6, "memcached incr of a RESP counter")
    check(shared.incrby("counter", 10) == 16, "INCRBY after memcached incr")
    check(mc.delete("from:redis") is True, "memcached delete")
    check(dedicated.exists("from:redis") == 0, "RESP sees the delete")
    check(dedicated.mset({"m1": "a", "m2": "b"}) is True, "MSET")
    check(mc.get_many(["m1", "m2"]) == {"m1": b"a", "m2": b"b"}, "memcached get_many")
    # Both dialects hammering the same keys from two threads at once.
    errors = []

    def writer():
        try:
            r = redis.Redis(host="127.0.0.1", port=resp_port, socket_timeout=10)
            for i in range(500):
                r.set(f"race:{i % 10}", str(i))
                r.incr("race:counter")
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(e)

    def reader():
        try:
            m = MemcacheClient(("127.0.0.1", memcached_port), default_noreply=False,
                               connect_timeout=10, timeout=10)
            for i in range(500):
                m.get(f"race:{i % 10}")
                m.incr("race:counter", 1)
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(e)

    # memcached incr of a missing key does nothing: the counter must exist before both start.
    check(shared.set("race:counter", 0) is True, "SET race:counter")
    threads = [threading.Thread(target=writer), threading.Thread(target=reader)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    check(not errors, f"concurrent clients: {errors}")
    check(int(shared.get("race:counter")) == 1000, f"counter {shared.get('race:counter')}")
    check(shared.flushall() is True, "FLUSHALL")
    check(mc.get("m1") is None, "memcached after FLUSHALL")


# Malformed RESP: the reply Redis 7 sends before it closes the connection.
BAD_INPUT = [
    (b"*abc\r\n", b"-ERR Protocol error: invalid multibulk length\r\n"),
    (b"*1\r\n$-1\r\n", b"-ERR Protocol error: invalid bulk length\r\n"),
    (b"*1\r\n$1073741824\r\n", b"-ERR Protocol error: invalid bulk length\r\n"),  # 1 GB
    (b"*2147483648\r\n$4\r\nPING\r\n", b"-ERR Protocol error: invalid multibulk length\r\n"),
    (b"*2\r\n$4\r\nECHO\r\nX3\r\n", b"-ERR Protocol error: expected '$', got 'X'\r\n"),
    (b"*" + b"1" * 70000, b"-ERR Protocol error: too big mbulk count string\r\n"),
]


def read_until_closed(sock, timeout=10):
    sock.settimeout(timeout)
    data = b""
    while True:
        chunk = sock.recv(65536)
        if not chunk:
            return data
        data += chunk


def check_bad_input(port):
    """Each malformed request gets its error and a closed connection; a client connected all
    along is served before and after."""
    bystander = redis.Redis(host="127.0.0.1", port=port, socket_timeout=10)
    check(bystander.set("bystander", "ok") is True, "bystander SET")
    for data, reply in BAD_INPUT:
        with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
            sock.sendall(b"*1\r\n$4\r\nPING\r\n" + data)
            got = read_until_closed(sock)
        check(got == b"+PONG\r\n" + reply, f"{data[:40]!r}: got {got[:200]!r}")
        check(bystander.get("bystander") == b"ok", f"bystander after {data[:40]!r}")


def check_benchmark(port, tests, pipeline):
    args = ["redis-benchmark", "-h", "127.0.0.1", "-p", str(port), "-t", tests, "-n", "20000",
            "-q"]
    if pipeline:
        args += ["-P", str(pipeline)]
    result = subprocess.run(args, capture_output=True, text=True, timeout=300)
    out = result.stdout + result.stderr
    check(result.returncode == 0, f"{' '.join(args)}: status {result.returncode}: {out[-500:]}")
    check("WARN" not in out and "rror" not in out, f"{' '.join(args)}: {out[-800:]}")
    names = {"ping": ["PING_INLINE", "PING_MBULK"], "set": ["SET"], "get": ["GET"],
             "incr": ["INCR"], "mset": ["MSET (10 keys)"]}
    finals = [line.split("\r")[-1] for line in out.split("\n")]
    for test in tests.split(","):
        for name in names[test]:
            check(any(line.startswith(f"{name}: ") and "requests per second" in line
                      for line in finals), f"{' '.join(args)}: no result for {name}: {out[-800:]}")


def start_redis_server():
    port = free_port()
    process = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1",
                                "--save", "", "--appendonly", "no"],
                               stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
    wait_for_port(port, process)
    return process, port


def main():
    args = test_arguments()
    for tool in ("redis-cli", "redis-benchmark", "redis-server"):
        if shutil.which(tool) is None:
            print(f"FAIL {tool} not found (tools/install_deps.sh installs redis-tools, "
                  "redis-server)")
            return 1
    redis_process, redis_port = start_redis_server()
    try:
        expected = expected_cli_output(redis_port)
        expected_resp3 = expected_cli_output(redis_port, resp3=True)
    finally:
        redis_process.terminate()
        redis_process.wait()
    failures = 0
    passed = 0
    for mode in available_modes(args.binary, args.modes):
        for io in args.ios:
            resp_port = free_port()
            name = f"{mode} x {io}"
            try:
                with MemkvServer(args.binary, ["--mode", mode, "--io", io, "--resp-port",
                                               str(resp_port)]) as server:
                    wait_for_port(resp_port, server.process)
                    for what, run in (
                        ("redis-cli", lambda: check_cli(resp_port, expected)),
                        ("redis-cli on the shared port", lambda: check_cli(server.port, expected)),
                        ("redis-cli -3", lambda: check_cli(resp_port, expected_resp3, True)),
                        ("interactive redis-cli", lambda: check_interactive_help(resp_port)),
                        ("one keyspace", lambda: check_one_keyspace(server.port, resp_port)),
                        ("bad input", lambda: check_bad_input(resp_port)),
                        ("bad input, shared port", lambda: check_bad_input(server.port)),
                        ("redis-benchmark", lambda: check_benchmark(
                            resp_port, "ping,set,get,incr,mset", 0)),
                        ("redis-benchmark -P 16", lambda: check_benchmark(
                            resp_port, "ping,set,get,incr,mset", 16)),
                        ("redis-benchmark, shared port -P 16", lambda: check_benchmark(
                            server.port, "set,get,incr,mset", 16)),
                    ):
                        try:
                            run()
                            passed += 1
                            print(f"PASS {name}: {what}")
                        except Exception:  # noqa: BLE001 - every check reports and goes on
                            failures += 1
                            print(f"FAIL {name}: {what}\n{traceback.format_exc()}")
            except Exception:  # noqa: BLE001
                failures += 1
                print(f"FAIL {name}: server\n{traceback.format_exc()}")
            sys.stdout.flush()
    print(f"{passed} passed, {failures} failed")
    return 1 if failures or not passed else 0


if __name__ == "__main__":
    sys.exit(main())
