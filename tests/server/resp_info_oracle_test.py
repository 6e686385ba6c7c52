"""INFO, OBJECT and MEMORY against a real redis-server 7.0.15, and the per-command counters.

1. INFO's selectors (none, default, all, everything, several names, unknown names, any case)
   choose the same sections, in the same order, as redis-server's.
2. Every section of `INFO everything` has redis-server's fields in redis-server's order
   (memkv's own memkv_* fields, and acl_access_denied_auth, follow at the end of theirs and are
   left out of the comparison). Values are compared where they must be equal (fixed facts,
   neutral values, zeros); the others (pids, ports, times, memory figures) must be of the same
   kind (integer, decimal, percentage, human size, text). The oracle runs with memkv's memory
   settings (maxmemory 64mb, allkeys-lru) and latency-tracking off (memkv keeps no percentiles).
3. After CONFIG RESETSTAT and one known command sequence (hits, misses, arity errors, unknown
   commands and subcommands, failed calls), commandstats (usec masked), errorstats and
   total_error_replies equal redis-server's: on memkv in every mode x I/O engine, the commands on
   one connection and INFO on another (so on another thread in the threaded modes). With a
   password required (memkv's --auth-file, redis-server's requirepass): NOAUTH refusals are
   rejected calls, a wrong AUTH a failed call, errorstats NOAUTH and WRONGPASS.
4. OBJECT ENCODING / REFCOUNT / FREQ / HELP, MEMORY USAGE's errors / HELP / DOCTOR / PURGE, byte
   for byte; MEMORY STATS's names in order (empty, and with a key); OBJECT IDLETIME and MEMORY USAGE values as integers (MEMORY USAGE is the item's own
   size in memkv's store: record plus large-value block, which is what used_memory adds up).
   (IDLETIME as the clock moves: resp_executor_test.cc, on a fake clock.)
5. redis-cli `info everything` and redis-py `info('all')` / `info('everything')` parse memkv's
   answer.

Usage: resp_info_oracle_test.py --binary path/to/memkv [--mode M ...] [--io uring|epoll ...]
Skips the oracle comparisons, saying so, when no redis-server is on PATH.
"""

import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile

from memkv_server import (Checker, MemkvServer, available_modes, redis_oracle, resp_request,
                          test_arguments)

TIMEOUT = 10.0
ORACLE_ARGS = ["--maxmemory", "64mb", "--maxmemory-policy", "allkeys-lru",
               "--latency-tracking", "no"]

# --- A minimal RESP2 client. ---


class Conn:
    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
        self.file = self.sock.makefile("rb")

    def raw(self, *args):
        """The reply's exact bytes."""
        self.sock.sendall(resp_request(*args))
        return self._read_raw()

    def _read_raw(self):
        line = self.file.readline()
        kind = line[:1]
        if kind == b"$":
            n = int(line[1:-2])
            return line + (self.file.read(n + 2) if n >= 0 else b"")
        if kind == b"*":
            n = int(line[1:-2])
            return line + b"".join(self._read_raw() for _ in range(max(n, 0)))
        return line

    def info(self, *sections):
        reply = self.raw("INFO", *sections)
        assert reply.startswith(b"$"), reply
        return reply.split(b"\r\n", 1)[1][:-2].decode()

    def close(self):
        self.file.close()
        self.sock.close()


def headers(text):
    return [line for line in text.split("\r\n") if line.startswith("# ")]


def parse_sections(text):
    """{section name: [(field, value), ...]} in order."""
    sections, current = {}, None
    for line in text.split("\r\n"):
        if line.startswith("# "):
            current = sections.setdefault(line[2:], [])
        elif line and current is not None:
            field, _, value = line.partition(":")
            current.append((field, value))
    return sections


def memkv_only(field):
    return field.startswith("memkv_") or field == "acl_access_denied_auth"


# Fields whose values differ for good reasons (the process, the clock, the allocator, memkv's
# own figures); docs/resp.md says what memkv reports for each. Only their kind is compared.
MASKED = {
    "redis_build_id", "multiplexing_api", "gcc_version", "process_id", "run_id", "tcp_port",
    "server_time_usec", "uptime_in_seconds", "uptime_in_days", "lru_clock", "executable",
    "io_threads_active", "maxclients", "client_recent_max_input_buffer",
    "client_recent_max_output_buffer", "connected_clients",
    "used_memory", "used_memory_human", "used_memory_rss", "used_memory_rss_human",
    "used_memory_peak", "used_memory_peak_human", "used_memory_peak_perc", "used_memory_overhead",
    "used_memory_startup", "used_memory_dataset", "used_memory_dataset_perc",
    "allocator_allocated", "allocator_active", "allocator_resident", "used_memory_lua",
    "used_memory_vm_eval", "used_memory_lua_human", "used_memory_vm_functions",
    "used_memory_vm_total", "used_memory_vm_total_human", "used_memory_functions",
    "used_memory_scripts", "used_memory_scripts_human", "allocator_frag_ratio",
    "allocator_frag_bytes", "allocator_rss_ratio", "allocator_rss_bytes", "rss_overhead_ratio",
    "rss_overhead_bytes", "mem_fragmentation_ratio", "mem_fragmentation_bytes",
    "mem_clients_normal", "mem_allocator", "rdb_changes_since_last_save", "rdb_last_save_time",
    "total_connections_received", "total_commands_processed", "total_net_input_bytes",
    "total_net_output_bytes", "keyspace_hits", "keyspace_misses", "total_reads_processed",
    "total_writes_processed", "total_error_replies", "master_replid", "used_cpu_sys",
    "used_cpu_user", "used_cpu_sys_children", "used_cpu_user_children",
    "used_cpu_sys_main_thread", "used_cpu_user_main_thread", "instantaneous_ops_per_sec",
}
# Sections whose lines depend on what ran (compared in part 3) or on the keys.
DYNAMIC = {"Commandstats", "Errorstats", "Latencystats", "Keyspace"}


def kind(value):
    for name, pattern in (("int", r"-?\d+"), ("decimal", r"-?\d+\.\d+"),
                          ("percent", r"\d+\.\d\d%"), ("human", r"\d+(\.\d\d)?[BKMGTP]")):
        if re.fullmatch(pattern, value):
            return name
    return "text"


def check_selectors(checker, memkv, redis):
    for selectors in ([], ["default"], ["all"], ["everything"], ["server", "clients"],
                      ["keyspace", "server"], ["foo"], ["foo", "bar"], ["commandstats"],
                      ["modules"], ["DEFAULT"], ["default", "commandstats"], ["everything", "foo"],
                      ["all", "modules"], ["Server", "CPU", "cluster"], ["latencystats"],
                      ["errorstats", "persistence", "replication"]):
        mine, theirs = memkv.info(*selectors), redis.info(*selectors)
        checker.expect(headers(mine) == headers(theirs),
                       f"INFO {selectors}: sections {headers(mine)} != {headers(theirs)}")
        if not theirs:
            checker.expect(mine == "", f"INFO {selectors}: {mine!r} not empty")


def check_fields(checker, memkv, redis):
    mine, theirs = parse_sections(memkv.info("everything")), parse_sections(redis.info("everything"))
    checker.expect(list(mine) == list(theirs), f"sections {list(mine)} != {list(theirs)}")
    for name, their_fields in theirs.items():
        if name in DYNAMIC:
            continue
        my_fields = [(f, v) for f, v in mine.get(name, []) if not memkv_only(f)]
        checker.expect([f for f, _ in my_fields] == [f for f, _ in their_fields],
                       f"# {name}: fields {[f for f, _ in my_fields]} != "
                       f"{[f for f, _ in their_fields]}")
        for (field, mine_value), (_, their_value) in zip(my_fields, their_fields):
            if field in MASKED:
                checker.expect(kind(mine_value) == kind(their_value),
                               f"{field}: {mine_value!r} is not like {their_value!r}")
            else:
                checker.expect(mine_value == their_value,
                               f"{field}: {mine_value!r} != redis-server's {their_value!r}")
        # memkv's own fields come after all of Redis's.
        names = [f for f, _ in mine.get(name, [])]
        own = [i for i, f in enumerate(names) if memkv_only(f)]
        checker.expect(not own or own == list(range(own[0], len(names))),
                       f"# {name}: memkv's fields are not at the end: {names}")


# The known sequence for part 3: every reply is the same on both servers.
SEQUENCE = [
    ["SET", "k", "v"], ["GET", "k"], ["GET", "missing"], ["GET"], ["GET", "a", "b"],
    ["INCR", "k"], ["MGET", "k", "missing"], ["CONFIG", "foo"], ["CONFIG", "GET"], ["CONFIG"],
    ["CLIENT", "SETNAME", "a b"], ["PING", "a", "b"], ["ECHO"], ["EXPIRE", "k", "abc"],
    ["NOSUCHCOMMAND", "x"], ["OBJECT", "ENCODING"], ["OBJECT", "ENCODING", "k"],
    ["OBJECT", "FREQ", "k"], ["MEMORY", "USAGE", "k", "SAMPLES", "x"], ["MEMORY", "NOPE"],
    ["DEL", "k"], ["SET", "n", "10"], ["INCRBY", "n", "5"], ["APPEND", "n", "x"],
    ["SETRANGE", "n", "-1", "x"], ["GETRANGE", "n", "0"], ["STRLEN", "n"],
]


AUTH_SEQUENCE = [["GET", "k"], ["AUTH", "default", "wrong"], ["AUTH", "nobody", "pw"],
                 ["AUTH", "default", "pw"], ["GET", "k"]]


def auth_counts(port):
    """CONFIG RESETSTAT, then AUTH_SEQUENCE on a new connection: (replies, commandstats,
    errorstats) with the password `pw` required."""
    admin = Conn(port)
    admin.raw("AUTH", "default", "pw")
    admin.raw("CONFIG", "RESETSTAT")
    conn = Conn(port)
    replies = [conn.raw(*request) for request in AUTH_SEQUENCE]
    conn.close()
    result = (replies, stat_lines(admin, "commandstats"), stat_lines(admin, "errorstats"))
    admin.close()
    return result


def check_auth_counts(checker, binary, tmp_dir):
    """NOAUTH refusals are rejected calls, WRONGPASS a failed AUTH, as in redis-server."""
    users = os.path.join(tmp_dir, "users")
    with open(users, "w") as f:
        f.write("default:pw\n")
    os.chmod(users, 0o600)
    with redis_oracle(extra_args=["--requirepass", "pw"]) as oracle:
        theirs = auth_counts(oracle.port)
    with MemkvServer(binary, ["--auth-file", users]) as server:
        mine = auth_counts(server.port)
    checker.expect(mine == theirs, f"with a password: {mine} != redis-server's {theirs}")


def stat_lines(conn, section):
    lines = {}
    for line in conn.info(section).split("\r\n")[1:]:
        if not line:
            continue
        field, _, value = line.partition(":")
        # usec and usec_per_call are times: masked.
        value = re.sub(r"usec=\d+,usec_per_call=[\d.]+", "usec=U,usec_per_call=U", value)
        lines[field] = value
    return lines


def run_sequence(port):
    """Resets the statistics, runs SEQUENCE on one connection and reads INFO on another: the
    replies, commandstats, errorstats and total_error_replies."""
    admin = Conn(port)
    admin.raw("FLUSHALL")
    admin.raw("CONFIG", "RESETSTAT")
    conn = Conn(port)
    replies = [conn.raw(*request) for request in SEQUENCE]
    conn.close()
    stats = parse_sections(admin.info("stats"))["Stats"]
    result = (replies, stat_lines(admin, "commandstats"), stat_lines(admin, "errorstats"),
              dict(stats)["total_error_replies"])
    admin.close()
    return result


OBJECT_SCENARIO = [
    ["SET", "i", "12345"], ["SET", "neg", "-5"], ["SET", "big", "123456789012345678901"],
    ["SET", "s", "hello"], ["SET", "e44", "x" * 44], ["SET", "r45", "x" * 45],
    ["SET", "zero", "0"], ["SET", "lead", "012"], ["SET", "plus", "+1"], ["SET", "sp", " 1"],
    ["SET", "max", "9223372036854775807"], ["SET", "over", "9223372036854775808"],
    ["SET", "empty", ""], ["SET", "big1k", "y" * 1000],
    *[["OBJECT", "ENCODING", k] for k in ("i", "neg", "big", "s", "e44", "r45", "zero", "lead",
                                          "plus", "sp", "max", "over", "empty", "big1k",
                                          "missing")],
    ["OBJECT", "encoding", "i"], ["OBJECT", "REFCOUNT", "s"], ["OBJECT", "REFCOUNT", "zero"],
    ["OBJECT", "REFCOUNT", "missing"], ["OBJECT", "FREQ", "s"], ["OBJECT", "FREQ", "missing"],
    ["OBJECT", "IDLETIME", "missing"], ["OBJECT", "HELP"], ["OBJECT"], ["OBJECT", "foo"],
    ["OBJECT", "ENCODING"], ["OBJECT", "ENCODING", "a", "b"], ["OBJECT", "HELP", "x"],
    ["MEMORY", "USAGE", "missing"], ["MEMORY", "USAGE", "s", "SAMPLES", "x"],
    ["MEMORY", "USAGE", "s", "SAMPLES"], ["MEMORY", "USAGE", "s", "foo", "1"],
    ["MEMORY", "USAGE", "s", "SAMPLES", "-1"], ["MEMORY", "USAGE", "missing", "SAMPLES", "x"],
    ["MEMORY", "USAGE"], ["MEMORY", "HELP"], ["MEMORY", "HELP", "x"], ["MEMORY"],
    ["MEMORY", "foo"], ["MEMORY", "DOCTOR"], ["MEMORY", "PURGE"],
]
# Replies that are an integer on both, its value each server's own.
INTEGER_REPLIES = [["OBJECT", "IDLETIME", "s"], ["MEMORY", "USAGE", "s"],
                   ["MEMORY", "USAGE", "s", "SAMPLES", "0"], ["MEMORY", "USAGE", "big1k"],
                   ["MEMORY", "USAGE", "i"]]


def check_object_memory(checker, memkv, redis):
    for request in OBJECT_SCENARIO:
        mine, theirs = memkv.raw(*request), redis.raw(*request)
        checker.expect(mine == theirs, f"{request[:3]}: {mine[:200]!r} != {theirs[:200]!r}")
    for request in INTEGER_REPLIES:
        mine, theirs = memkv.raw(*request), redis.raw(*request)
        checker.expect(re.fullmatch(rb":\d+\r\n", mine) is not None and theirs.startswith(b":"),
                       f"{request}: {mine!r} / {theirs!r}")


def flat_names(conn):
    """The names of MEMORY STATS's map (a flat array in RESP2), nested maps' too."""
    conn.sock.sendall(resp_request("MEMORY", "STATS"))
    names = []

    def read(depth):
        line = conn.file.readline()
        if line[:1] == b"*":
            items = [read(depth + 1) for _ in range(int(line[1:-2]))]
            for i in range(0, len(items), 2):
                names.append(("  " * depth) + items[i].decode())
            return b""
        if line[:1] == b"$":
            return conn.file.read(int(line[1:-2]) + 2)[:-2]
        return line[1:-2]

    read(0)
    return names


def check_memory_stats(checker, memkv, redis):
    for label in ("empty", "with a key"):
        mine, theirs = flat_names(memkv), flat_names(redis)
        checker.expect(mine == theirs, f"MEMORY STATS {label}: {mine} != {theirs}")
        memkv.raw("SET", "k", "v")
        redis.raw("SET", "k", "v")


def check_memory_usage_and_idletime(checker, port):
    conn = Conn(port)
    conn.raw("SET", "small", "v")
    conn.raw("SET", "large", "z" * 300000)
    small = int(conn.raw("MEMORY", "USAGE", "small")[1:-2])
    large = int(conn.raw("MEMORY", "USAGE", "large")[1:-2])
    # The record: 22 header bytes + key + value, padded to 8; the large value's block besides.
    checker.expect(small == 32, f"MEMORY USAGE small: {small}")
    checker.expect(300000 < large < 300100, f"MEMORY USAGE large: {large}")
    # Idle times as time passes: resp_executor_test.cc, with the engine's clock under its control.
    checker.expect(conn.raw("OBJECT", "IDLETIME", "small") in (b":0\r\n", b":1\r\n"),
                   "IDLETIME right after SET")
    conn.close()


def check_clients(checker, port):
    cli = shutil.which("redis-cli")
    if cli:
        out = subprocess.run([cli, "-p", str(port), "info", "everything"], capture_output=True,
                             text=True, timeout=TIMEOUT).stdout
        checker.expect("# Commandstats" in out and "cmdstat_info:calls=" in out
                       and "role:master" in out, f"redis-cli info everything: {out[:300]!r}")
    try:
        import redis as redis_py
    except ImportError:
        print("SKIP redis-py: python3-redis is not installed")
        return
    client = redis_py.Redis(port=port, socket_timeout=TIMEOUT)
    client.flushall()
    client.config_resetstat()
    client.set("k", "v")
    client.get("k")
    for selector in ("all", "everything"):
        info = client.info(selector)
        checker.expect(info.get("redis_version") == "7.0.15" and info.get("role") == "master",
                       f"redis-py info({selector}): {list(info)[:10]}")
        checker.expect(isinstance(info.get("cmdstat_get"), dict)
                       and info["cmdstat_get"].get("calls", 0) >= 1,
                       f"redis-py cmdstat_get: {info.get('cmdstat_get')}")
        checker.expect(info.get("db0", {}).get("keys") == 1, f"redis-py db0: {info.get('db0')}")
    checker.expect(client.info("commandstats").get("cmdstat_set", {}).get("calls") == 1,
                   "redis-py info('commandstats')")
    checker.expect(client.object("encoding", "k") == b"embstr", "redis-py object encoding")
    checker.expect(isinstance(client.memory_usage("k"), int), "redis-py memory usage")
    client.close()


def main():
    args = test_arguments()
    checker = Checker()
    modes = available_modes(args.binary, args.modes)
    have_redis = shutil.which("redis-server") is not None
    expected = None
    if have_redis:
        with redis_oracle(extra_args=ORACLE_ARGS) as oracle:
            with MemkvServer(args.binary, ["--mode", "single"]) as server:
                memkv, redis = Conn(server.port), Conn(oracle.port)
                check_selectors(checker, memkv, redis)
                check_fields(checker, memkv, redis)
                for conn in (memkv, redis):
                    conn.raw("FLUSHALL")
                check_memory_stats(checker, memkv, redis)
                for conn in (memkv, redis):
                    conn.raw("FLUSHALL")
                check_object_memory(checker, memkv, redis)
                memkv.close()
                redis.close()
                check_memory_usage_and_idletime(checker, server.port)
                check_clients(checker, server.port)
            expected = run_sequence(oracle.port)
        with tempfile.TemporaryDirectory() as tmp_dir:
            check_auth_counts(checker, args.binary, tmp_dir)
    else:
        print("SKIP oracle comparisons: redis-server is not on PATH")
    for mode in modes:
        for io in args.ios:
            with MemkvServer(args.binary, ["--mode", mode, "--io", io]) as server:
                replies, commandstats, errorstats, total = run_sequence(server.port)
                label = f"{mode}/{io}"
                if expected is None:
                    checker.expect(commandstats.get("cmdstat_get", "").startswith("calls=2,")
                                   and "errorstat_ERR" in errorstats, f"{label}: {commandstats}")
                    continue
                for request, mine, theirs in zip(SEQUENCE, replies, expected[0]):
                    checker.expect(mine == theirs, f"{label} {request}: {mine!r} != {theirs!r}")
                checker.expect(commandstats == expected[1],
                               f"{label} commandstats:\n  {sorted(commandstats.items())}\n"
                               f"  redis-server: {sorted(expected[1].items())}")
                checker.expect(errorstats == expected[2],
                               f"{label} errorstats: {errorstats} != {expected[2]}")
                checker.expect(total == expected[3],
                               f"{label} total_error_replies: {total} != {expected[3]}")
    return checker.exit_status()


if __name__ == "__main__":
    sys.exit(main())
