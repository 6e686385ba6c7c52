"""memcached's administrative surface against a real memcached (started by this test) and the
real memcached-tool:

- `stats` and `stats settings`: memkv prints every field memcached 1.6.18 prints, in the same
  order (values differ; memkv's own lines come after memcached's last). memcached runs with
  -o idle_timeout so that it prints idle_kicks, which memkv always prints.
- `stats reset`: both answer RESET; the counters a session moved (cmd_get, cmd_set, get_hits,
  get_misses, total_items) read 0 afterwards, and the items are untouched (curr_items).
- `stats items` / `stats slabs` / `stats sizes`: memcached's line shapes.
- memcached-tool's `display` and `stats` modes against memkv exit 0 with their tables.

Usage: stats_oracle_test.py --binary path/to/memkv
Skips the memcached comparison, or the memcached-tool runs, saying so, when either is missing.
"""

import os
import re
import shutil
import socket
import subprocess
import sys

from memkv_server import Checker, MemkvServer, memcached_oracle, test_arguments

MEMCACHED_TOOL = "/usr/share/memcached/scripts/memcached-tool"


class Client:
    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.buffer = b""

    def command(self, line, ends=(b"END\r\n", b"RESET\r\n", b"ERROR\r\n", b"STORED\r\n")):
        self.sock.sendall(line)
        while not any(self.buffer.endswith(end) for end in ends):
            chunk = self.sock.recv(65536)
            if not chunk:
                break
            self.buffer += chunk
        reply, self.buffer = self.buffer, b""
        return reply

    def stats(self, argument=""):
        """The STAT lines of `stats [argument]` as (name, value) pairs in order."""
        line = b"stats" + (b" " + argument.encode() if argument else b"") + b"\r\n"
        reply = self.command(line).decode()
        return [tuple(l.split(" ", 2)[1:]) for l in reply.split("\r\n") if l.startswith("STAT ")]

    def close(self):
        self.sock.close()


def session(client):
    """Moves some counters: a set, a hit, a miss."""
    client.command(b"set admin_a 0 0 1\r\nx\r\n")
    client.command(b"get admin_a\r\n")
    client.command(b"get admin_missing\r\n")


def check_names(check, what, memcached, memkv):
    names = [name for name, _ in memcached]
    ours = [name for name, _ in memkv]
    check.expect(ours[:len(names)] == names,
                 f"{what}: memkv's names do not start with memcached's, in order:\n"
                 f"  missing {[n for n in names if n not in ours]}\n"
                 f"  first difference at {next((i for i, (a, b) in enumerate(zip(names, ours)) if a != b), None)}")


def check_reset(check, what, client):
    session(client)
    before = dict(client.stats())
    check.expect(before["cmd_get"] != "0", f"{what}: cmd_get 0 before reset")
    check.expect(client.command(b"stats reset\r\n") == b"RESET\r\n", f"{what}: stats reset")
    after = dict(client.stats())
    for name in ["cmd_get", "cmd_set", "get_hits", "get_misses", "total_items"]:
        check.expect(after[name] == "0", f"{what}: {name} {after[name]} after reset")
    check.expect(after["curr_items"] == before["curr_items"],
                 f"{what}: curr_items {before['curr_items']} -> {after['curr_items']}")
    check.expect(client.command(b"get admin_a\r\n").startswith(b"VALUE admin_a"),
                 f"{what}: item gone after reset")
    check.expect(dict(client.stats())["get_hits"] == "1", f"{what}: get_hits after reset")


def check_slab_shapes(check, what, client):
    items = client.stats("items")
    check.expect(items and all(re.fullmatch(r"items:\d+:\w+", n) and v.isdigit() for n, v in items),
                 f"{what}: stats items {items[:3]}")
    slabs = client.stats("slabs")
    check.expect(all(re.fullmatch(r"\d+:\w+|active_slabs|total_malloced", n) for n, _ in slabs),
                 f"{what}: stats slabs {slabs[:3]}")
    check.expect([n for n, _ in slabs][-2:] == ["active_slabs", "total_malloced"],
                 f"{what}: stats slabs ends {slabs[-2:]}")
    check.expect(client.stats("sizes") == [("sizes_status", "disabled")], f"{what}: stats sizes")


def run_tool(check, port, mode, expect):
    result = subprocess.run(["perl", MEMCACHED_TOOL, f"127.0.0.1:{port}", mode],
                            capture_output=True, text=True, timeout=60)
    print(f"memcached-tool {mode}:\n{result.stdout[:600]}")
    check.expect(result.returncode == 0, f"memcached-tool {mode}: exit {result.returncode} "
                                         f"{result.stderr}")
    check.expect(re.search(expect, result.stdout, re.M), f"memcached-tool {mode}: no {expect!r}")


def main():
    args = test_arguments()
    check = Checker()
    with MemkvServer(args.binary) as memkv:
        ours = Client(memkv.port)
        session(ours)
        ours_stats = ours.stats()
        ours_settings = ours.stats("settings")
        if shutil.which("memcached"):
            with memcached_oracle(extra_args=["-o", "idle_timeout=600"]) as memcached:
                theirs = Client(memcached.port)
                session(theirs)
                check_names(check, "stats", theirs.stats(), ours_stats)
                check_names(check, "stats settings", theirs.stats("settings"), ours_settings)
                check_reset(check, "memcached", theirs)
                check_slab_shapes(check, "memcached", theirs)
                theirs.close()
        else:
            print("SKIP memcached comparison: no memcached on PATH")
        check_reset(check, "memkv", ours)
        check_slab_shapes(check, "memkv", ours)
        ours.close()
        if os.path.exists(MEMCACHED_TOOL) and shutil.which("perl"):
            run_tool(check, memkv.port, "display", r"^\s+1\s+\S+\s+\d+s\s+\d+\s+\d+")
            run_tool(check, memkv.port, "stats", r"^\s+cmd_get\s+\d+$")
            run_tool(check, memkv.port, "settings", r"^\s+maxbytes\s+\d+$")
        else:
            print("SKIP memcached-tool: not installed")
    check.expect(memkv.returncode == 0, f"memkv exit status {memkv.returncode}")
    return check.exit_status()


if __name__ == "__main__":
    sys.exit(main())
