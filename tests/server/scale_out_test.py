"""Scale-out over three memkv instances (issue 18): through twemproxy (Debian's nutcracker), and
with pymemcache's HashClient hashing on the client side. docs/scale-out.md describes the set-up.

Three memkv instances and one nutcracker with a memcache pool and a redis pool over them (the same
-p ports: memkv tells the dialects apart by a connection's first byte), from a generated
configuration on free loopback ports. Checked, because each is what someone putting memkv behind
the proxy relies on:

1. Spread: 3000 keys set through the memcache pool land on all three instances by ketama, each
   with 20% to 47% of them (a third, +-40%; with `hash: murmur` and the names mk1..mk3 the
   placement is fixed: 35.4 / 30.7 / 33.9%. The default fnv1a_64 piles short runs of sequential
   keys onto one instance: docs/scale-out.md). The redis pool sends every key to the instance
   the memcache pool chose (both name their servers), so one keyspace stays one keyspace through
   either pool.
2. Same answers: a sequence of pymemcache calls through the memcache pool and of redis-py calls
   through the redis pool returns what the same sequence returns against one memkv directly
   (CAS tokens aside: they are per instance).
3. What the proxy forwards: each request of docs/scale-out.md's table, on a raw socket, is either
   forwarded (the reply is byte for byte the direct one) or refused (the proxy closes the
   connection without a reply) as the table says: meta commands, stats, flush_all, INFO, KEYS...
   are refused, so the table cannot drift from what twemproxy does.
4. HashClient: the same spread over the three instances, and the same answers as direct.
5. Failure: one instance is killed (SIGKILL). With auto_eject_hosts, a small server_failure_limit
   and server_retry_timeout, the proxy ejects it: the keys of the others still hit in both pools,
   every time; the killed instance's keys come back as misses (not errors) once ejected, and a
   set of one of them goes to a survivor and reads back. While the instance stays down the
   proxy tries it again every server_retry_timeout, and that one request gets an error; the test
   allows one error per retry interval elapsed (plus one), no more. HashClient (retry_attempts=0)
   marks the instance dead on its first failed request; after that its keys are misses, none an
   error, and the others' keys hit.

Skips (one SKIP line, exit 0) when nutcracker is not installed; the HashClient part needs only
pymemcache. Failures are collected and reported; exits non-zero on any.
"""

import socket
import sys
import time

import redis
from pymemcache.client.base import Client
from pymemcache.client.hash import HashClient

from memkv_server import Checker, MemkvServer, test_arguments
from nutcracker import Nutcracker, nutcracker_binary

KEYS = 3000
SPREAD_LOW, SPREAD_HIGH = 0.20, 0.47
RETRY_TIMEOUT_MS = 300
FAILURE_LIMIT = 1
TIMEOUT = 5.0



def mc_client(port):
    return Client(("127.0.0.1", port), connect_timeout=TIMEOUT, timeout=TIMEOUT,
                  default_noreply=False)


def placement(ports, keys):
    """{key: index of the instance that holds it} from direct get_many on each instance."""
    where = {}
    for i, port in enumerate(ports):
        client = mc_client(port)
        for start in range(0, len(keys), 500):
            for key in client.get_many(keys[start:start + 500]):
                where[key] = i
        client.close()
    return where


def flush(ports):
    for port in ports:
        client = mc_client(port)
        client.flush_all()
        client.close()


def check_spread(checker, label, counts, total):
    for i, count in enumerate(counts):
        share = count / total
        checker.expect(SPREAD_LOW <= share <= SPREAD_HIGH,
                       f"{label}: instance {i + 1} holds {count} of {total} keys ({share:.0%}), "
                       f"outside {SPREAD_LOW:.0%}..{SPREAD_HIGH:.0%}")
    print(f"{label}: keys per instance {counts} of {total}")


def spread_through_proxy(checker, ports, proxy):
    keys = [f"key:{i}" for i in range(KEYS)]
    mc = mc_client(proxy.memcache_port)
    for key in keys:
        mc.set(key, b"m")
    mc.close()
    where = placement(ports, keys)
    checker.expect(len(where) == KEYS, f"proxy spread: {len(where)} of {KEYS} keys found")
    check_spread(checker, "nutcracker ketama", [list(where.values()).count(i) for i in range(3)],
                 KEYS)
    # The redis pool: a key set through it replaces the value on the same instance.
    rd = redis.Redis(port=proxy.redis_port, socket_timeout=TIMEOUT)
    sample = keys[:300]
    for key in sample:
        rd.set(key, b"r")
    rd.close()
    moved = 0
    for i, port in enumerate(ports):
        client = mc_client(port)
        got = client.get_many([k for k in sample if where.get(k) == i])
        moved += sum(1 for k in sample if where.get(k) == i and got.get(k) != b"r")
        client.close()
    checker.expect(moved == 0, f"redis pool: {moved} of {len(sample)} keys went to another "
                               "instance than the memcache pool's")
    return where


def memcache_script(client, prefix):
    """The same calls against any pymemcache client; returns their results (CAS tokens out)."""
    k = [f"{prefix}:{i}" for i in range(8)]
    out = []
    out.append(client.set(k[0], b"v0"))
    out.append(client.get(k[0]))
    out.append(client.set_many({k[1]: b"v1", k[2]: b"v2", k[3]: b"v3"}))
    out.append(sorted(client.get_many(k).items()))
    out.append(client.add(k[0], b"x"))
    out.append(client.add(k[4], b"x"))
    out.append(client.replace(k[5], b"x"))
    out.append(client.replace(k[4], b"y"))
    out.append(client.append(k[4], b"z"))
    out.append(client.prepend(k[4], b"a"))
    out.append(client.get(k[4]))
    value, token = client.gets(k[4])
    out.append(value)
    out.append(client.cas(k[4], b"c", token))
    out.append(client.cas(k[4], b"d", token))
    out.append(client.get(k[4]))
    out.append(client.set(k[6], b"10"))
    out.append(client.incr(k[6], 5))
    out.append(client.decr(k[6], 20))
    out.append(client.incr(k[7], 1))
    out.append(client.touch(k[0], 100))
    out.append(client.touch(k[7], 100))
    out.append(client.delete(k[0]))
    out.append(client.delete(k[0]))
    out.append(client.get(k[0]))
    out.append(client.get(k[1], default=b"default"))
    out.append(client.set(k[1], b"x" * 100000))
    out.append(client.get(k[1]) == b"x" * 100000)
    out.append(client.delete_many(k[1:4]))
    out.append(sorted(client.get_many(k).items()))
    return out


def redis_script(client, prefix):
    k = [f"{prefix}:{i}" for i in range(8)]
    out = []
    out.append(client.ping())
    out.append(client.set(k[0], b"v0"))
    out.append(client.get(k[0]))
    out.append(client.mset({k[1]: b"v1", k[2]: b"v2", k[3]: b"v3"}))
    out.append(client.mget(k))
    # One key each: twemproxy sends a multi-key EXISTS to the first key's instance only.
    out.append([client.exists(key) for key in (k[0], k[1], k[7])])
    out.append(client.set(k[0], b"n", nx=True))
    out.append(client.set(k[4], b"x", xx=True))
    out.append(client.setnx(k[4], b"x"))
    out.append(client.append(k[4], b"yz"))
    out.append(client.strlen(k[4]))
    out.append(client.getset(k[4], b"q"))
    out.append(client.getdel(k[4]))
    out.append(client.get(k[4]))
    out.append(client.incr(k[5]))
    out.append(client.incrby(k[5], 41))
    out.append(client.decr(k[5]))
    out.append(client.decrby(k[5], 2))
    out.append(client.expire(k[5], 100))
    out.append(client.ttl(k[5]))
    out.append(90000 < client.pttl(k[5]) <= 100000)
    out.append(client.persist(k[5]))
    out.append(client.ttl(k[5]))
    out.append(client.setex(k[6], 100, b"e"))
    out.append(client.ttl(k[6]))
    out.append(client.type(k[6]))
    out.append(client.type(k[7]))
    out.append(client.delete(k[0], k[1], k[7]))
    out.append(client.mget(k))
    return out


def same_answers(checker, label, script, through, direct, prefix):
    try:
        got = script(through, prefix)
    except Exception as e:  # noqa: BLE001 - a failure to report, not to stop at
        checker.expect(False, f"{label}: through the proxy: {e!r}")
        return
    want = script(direct, prefix)
    for i, (g, w) in enumerate(zip(got, want)):
        checker.expect(g == w, f"{label} step {i}: {g!r}, directly {w!r}")


# (request, forwarded?). Forwarded: the proxy's reply is byte for byte the direct one. Not:
# the proxy closes the connection without a reply. docs/scale-out.md lists the same. One reply
# per request (each on a fresh connection, in this order on both sides), so that the direct
# reply is complete when it has come in one piece.
MEMCACHE_REQUESTS = [
    (b"set t:a 0 0 1\r\nx\r\n", True),
    (b"get t:a\r\n", True),
    (b"get t:a t:b t:c\r\n", True),
    (b"add t:a 0 0 1\r\ny\r\n", True),
    (b"replace t:a 0 0 1\r\nz\r\n", True),
    (b"append t:a 0 0 1\r\nq\r\n", True),
    (b"prepend t:a 0 0 1\r\np\r\n", True),
    (b"set t:n 0 0 1\r\n5\r\n", True),
    (b"incr t:n 3\r\n", True),
    (b"decr t:n 1\r\n", True),
    (b"touch t:a 100\r\n", True),
    (b"delete t:a\r\n", True),
    (b"cas t:nope 0 0 1 1\r\nx\r\n", True),
    (b"set t:q 0 0 1 noreply\r\nx\r\nget t:q\r\n", True),
    (b"version\r\n", True),
    (b"mg t:n v\r\n", False),
    (b"ms t:m 1\r\nx\r\n", False),
    (b"md t:n\r\n", False),
    (b"ma t:n\r\n", False),
    (b"mn\r\n", False),
    (b"me t:n\r\n", False),
    (b"gat 100 t:n\r\n", False),
    (b"gats 100 t:n\r\n", False),
    (b"stats\r\n", False),
    (b"flush_all\r\n", False),
    (b"verbosity 1\r\n", False),
    (b"quit\r\n", False),  # closed by the proxy, as memcached itself does
]


def resp(*args):
    out = b"*%d\r\n" % len(args)
    for arg in args:
        arg = arg.encode() if isinstance(arg, str) else arg
        out += b"$%d\r\n%s\r\n" % (len(arg), arg)
    return out


REDIS_REQUESTS = [
    (resp("SET", "r:a", "1"), True),
    (resp("GET", "r:a"), True),
    (resp("MGET", "r:a", "r:b", "r:c", "r:d"), True),
    (resp("MSET", "r:b", "2", "r:c", "3"), True),
    (resp("DEL", "r:b", "r:c", "r:z"), True),
    (resp("UNLINK", "r:b"), True),
    (resp("EXISTS", "r:a"), True),
    (resp("INCR", "r:n"), True),
    (resp("INCRBY", "r:n", "9"), True),
    (resp("DECR", "r:n"), True),
    (resp("DECRBY", "r:n", "2"), True),
    (resp("EXPIRE", "r:n", "100"), True),
    (resp("TTL", "r:n"), True),
    (resp("PERSIST", "r:n"), True),
    (resp("SETNX", "r:a", "2"), True),
    (resp("SETEX", "r:e", "100", "v"), True),
    (resp("PSETEX", "r:p", "100000", "v"), True),
    (resp("APPEND", "r:a", "xy"), True),
    (resp("STRLEN", "r:a"), True),
    (resp("GETSET", "r:a", "z"), True),
    (resp("GETDEL", "r:a"), True),
    (resp("TYPE", "r:e"), True),
    (resp("SET", "r:s", "v", "EX", "100", "NX"), True),
    (resp("PING"), True),  # answered by the proxy itself, as +PONG
    (b"PING\r\n", False),  # inline: the proxy parses multibulk only
    (resp("INFO"), False),
    (resp("DBSIZE"), False),
    (resp("FLUSHALL"), False),
    (resp("FLUSHDB"), False),
    (resp("KEYS", "*"), False),
    (resp("SCAN", "0"), False),
    (resp("ECHO", "hi"), False),
    (resp("SELECT", "0"), False),
    (resp("CONFIG", "GET", "maxmemory"), False),
    (resp("CLIENT", "LIST"), False),
    (resp("HELLO", "2"), False),
    (resp("MULTI"), False),
    (resp("MSETNX", "r:x", "1", "r:y", "2"), False),
    (resp("QUIT"), False),  # the proxy closes without memkv's +OK
]


def exchange(port, request, want_len=None):
    """The reply to `request`: all of it until `want_len` bytes, or until the peer closes (then
    closed=True). None when neither happens within TIMEOUT."""
    with socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT) as sock:
        sock.sendall(request)
        data = b""
        try:
            while want_len is None or len(data) < want_len:
                chunk = sock.recv(65536)
                if not chunk:
                    return data, True
                data += chunk
                if want_len is None and data.endswith(b"\r\n"):
                    # Direct: a reply is complete when a moment passes with nothing more.
                    sock.settimeout(0.2)
        except socket.timeout:
            if want_len is None:
                return data, False
            return None, False
        return data, False


def forwarded_requests(checker, label, requests, proxy_port, direct_port):
    for request, forwarded in requests:
        want, _ = exchange(direct_port, request)
        got, closed = exchange(proxy_port, request, len(want) if forwarded else None)
        name = request[:40]
        if forwarded:
            checker.expect(got == want, f"{label} {name!r}: through the proxy {got!r}, "
                                        f"directly {want!r}")
        else:
            checker.expect(closed and got == b"", f"{label} {name!r}: expected the proxy to "
                                                  f"close without a reply, got {got!r}")


def hash_client(ports, **options):
    return HashClient([("127.0.0.1", p) for p in ports], connect_timeout=1, timeout=TIMEOUT,
                      default_noreply=False, **options)


def check_hash_client(checker, ports, direct_port):
    client = hash_client(ports)
    keys = [f"hkey:{i}" for i in range(KEYS)]
    for key in keys:
        client.set(key, b"h")
    where = placement(ports, keys)
    checker.expect(len(where) == KEYS, f"HashClient spread: {len(where)} of {KEYS} keys found")
    check_spread(checker, "HashClient rendezvous",
                 [list(where.values()).count(i) for i in range(3)], KEYS)
    same_answers(checker, "HashClient", memcache_script, client, mc_client(direct_port), "hs")
    client.close()


def proxy_get(client, key):
    try:
        return client.get(key)
    except Exception:  # noqa: BLE001 - an error, counted
        if isinstance(client, Client):
            client.close()
        return "error"


def check_failure(checker, ports, servers, proxy):
    """Kills instance 2 (index 1), then checks what both pools (when `proxy` is not None) and a
    HashClient set up beforehand answer."""
    # A HashClient set up while all three are alive, holding its own keys.
    hc = hash_client(ports, retry_attempts=0, dead_timeout=3600)
    hkeys = [f"fh:{i}" for i in range(60)]
    for key in hkeys:
        hc.set(key, b"h")
    hwhere = placement(ports, hkeys)
    victim = 1
    hdead = [k for k in hkeys if hwhere.get(k) == victim]
    hlive = [k for k in hkeys if hwhere.get(k) != victim]
    checker.expect(len(hwhere) == len(hkeys) and hdead,
                   f"HashClient failure set-up: {len(hwhere)} keys found, {len(hdead)} on the "
                   "instance to kill")
    if proxy is not None:
        keys = [f"fkey:{i}" for i in range(60)]
        mc = mc_client(proxy.memcache_port)
        for key in keys:
            mc.set(key, b"f")
        rd = redis.Redis(port=proxy.redis_port, socket_timeout=TIMEOUT)
        where = placement(ports, keys)
        dead = [k for k in keys if where.get(k) == victim]
        live = [k for k in keys if where.get(k) != victim]
        checker.expect(len(where) == len(keys) and dead,
                       f"proxy failure set-up: {len(where)} keys found, {len(dead)} on the "
                       "instance to kill")

    servers[victim].process.kill()
    servers[victim].process.wait()
    killed_at = time.monotonic()
    if proxy is not None and dead:
        check_ejection(checker, killed_at, mc, rd, dead, live)
    if hdead:
        check_hash_client_failure(checker, hc, hdead, hlive)
    hc.close()


def check_ejection(checker, killed_at, mc, rd, dead, live):
    # Until ejected: requests for the dead keys may fail; poll until one comes back a miss.
    deadline = killed_at + 15
    ejected = {"memcache": None, "redis": None}
    clients = {"memcache": mc, "redis": rd}
    while time.monotonic() < deadline and None in ejected.values():
        for name, client in clients.items():
            if ejected[name] is None and proxy_get(client, dead[0]) is None:
                ejected[name] = time.monotonic()
        time.sleep(0.02)
    for name, at in ejected.items():
        if checker.expect(at is not None, f"{name} pool: the killed instance's key never came "
                                          "back a miss within 15 s"):
            print(f"{name} pool: ejected {at - killed_at:.2f} s after the kill")
    if None in ejected.values():
        return

    # After: rounds of reads of every key and writes of the dead instance's keys.
    started = time.monotonic()
    last_written = None  # both pools send the key to the same survivor
    errors = {"memcache": 0, "redis": 0}
    misses = {"memcache": 0, "redis": 0}
    for round_number in range(10):
        for name, client in clients.items():
            for key in live:
                got = proxy_get(client, key)
                checker.expect(got == b"f", f"{name} pool round {round_number}: live key {key} "
                                            f"{got!r}")
            for key in dead:
                got = proxy_get(client, key)
                if got == "error":
                    errors[name] += 1
                elif got is None:
                    misses[name] += 1
                else:
                    checker.expect(key == dead[0] and got == last_written,
                                   f"{name} pool round {round_number}: dead key {key} {got!r}")
            written = f"{name}-{round_number}".encode()
            key = dead[0]
            try:
                client.set(key, written)
                last_written = written
                got = client.get(key)
            except Exception:  # noqa: BLE001
                got = "error"
                errors[name] += 1
            checker.expect(got in (written, "error"),
                           f"{name} pool round {round_number}: set {key} on a survivor, read "
                           f"{got!r}")
        time.sleep(0.05)
    elapsed = time.monotonic() - started
    allowed = int(elapsed * 1000 / RETRY_TIMEOUT_MS) + 1
    for name in clients:
        print(f"{name} pool after ejection: {misses[name]} misses, {errors[name]} errors over "
              f"{elapsed:.2f} s (retry probes allowed: {allowed})")
        checker.expect(misses[name] > 0, f"{name} pool: no miss for the killed instance's keys")
        checker.expect(errors[name] <= allowed,
                       f"{name} pool: {errors[name]} errors after ejection, more than one per "
                       f"server_retry_timeout ({allowed})")
    mc.close()
    rd.close()


def check_hash_client_failure(checker, hc, hdead, hlive):
    # HashClient: errors until it marks the instance dead, then misses only.
    first_miss = None
    for attempt in range(5):
        if proxy_get(hc, hdead[0]) is None:
            first_miss = attempt
            break
    if checker.expect(first_miss is not None, "HashClient: the killed instance's key never "
                                              "came back a miss"):
        print(f"HashClient: the dead instance's key a miss after {first_miss} error(s)")
        for key in hdead:
            got = proxy_get(hc, key)
            checker.expect(got is None, f"HashClient: dead key {key} {got!r}, not a miss")
        for key in hlive:
            got = proxy_get(hc, key)
            checker.expect(got == b"h", f"HashClient: live key {key} {got!r}")
        checker.expect(hc.set(hdead[0], b"again") and hc.get(hdead[0]) == b"again",
                       "HashClient: a dead instance's key set on a survivor does not read back")


def main():
    args = test_arguments()
    checker = Checker()
    began = time.monotonic()
    nutcracker = nutcracker_binary()
    if nutcracker is None:
        print("SKIP the nutcracker part: nutcracker is not installed (tools/install_deps.sh)")
    instance_args = ["-t", "2"]
    with MemkvServer(args.binary, instance_args) as direct, \
            MemkvServer(args.binary, instance_args) as s1, \
            MemkvServer(args.binary, instance_args) as s2, \
            MemkvServer(args.binary, instance_args) as s3:
        servers = [s1, s2, s3]
        ports = [s.port for s in servers]
        check_hash_client(checker, ports, direct.port)
        flush(ports + [direct.port])
        if nutcracker is not None:
            with Nutcracker(ports, binary=nutcracker, timeout_ms=1000,
                            retry_timeout_ms=RETRY_TIMEOUT_MS,
                            failure_limit=FAILURE_LIMIT) as proxy:
                spread_through_proxy(checker, ports, proxy)
                same_answers(checker, "memcache pool", memcache_script,
                             mc_client(proxy.memcache_port), mc_client(direct.port), "mc")
                same_answers(checker, "redis pool", redis_script,
                             redis.Redis(port=proxy.redis_port, socket_timeout=TIMEOUT),
                             redis.Redis(port=direct.port, socket_timeout=TIMEOUT), "rd")
                forwarded_requests(checker, "memcache pool", MEMCACHE_REQUESTS,
                                   proxy.memcache_port, direct.port)
                forwarded_requests(checker, "redis pool", REDIS_REQUESTS, proxy.redis_port,
                                   direct.port)
                check_failure(checker, ports, servers, proxy)
                checker.expect(proxy.process.poll() is None, "nutcracker exited during the test")
            checker.expect(proxy.returncode in (0, -15),
                           f"nutcracker exit status {proxy.returncode}")
        else:
            check_failure(checker, ports, servers, None)
    for s in (direct, s1, s3):
        checker.expect(s.returncode == 0, f"memkv on {s.port}: exit status {s.returncode}")
    print(f"{time.monotonic() - began:.1f} s")
    return checker.exit_status()


if __name__ == "__main__":
    sys.exit(main())
