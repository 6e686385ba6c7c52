"""Warm restart (--restart-file, memcached's -e) of the real server over real sockets.

A million items survive a SIGUSR1 (memcached's graceful stop; SIGTERM is the same) and a new start with the same file and settings, and read back
exactly (value, client flags, CAS unique, time to live), with large values and a RESP database
besides; items whose time ran out while the server was down are gone. A crash (SIGKILL), a
truncated file, an altered byte, a different -m, and a file that is not a restart file each
give an empty server and one log line that says why; a file that cannot be made stops the start.

One front-end mode and I/O engine: what survives a restart is the engine's business, and the
mode only carries requests to it. Prints how long the saves and the restore took. Takes about
25 seconds (release build).
"""

import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time

from memkv_server import (Checker, free_port, read_until, resp_request, stop_process,
                          test_arguments, wait_for_port)

KEEPERS = 1_000_000
SHORT_LIVED = 20_000
SHORT_TTL = 3
LARGE = 20
BATCH = 100


def key(i):
    return b"k%07d" % i


def value(i):
    return (b"%x-" % i * 20)[: 1 + i % 57]


def flags(i):
    return 0 if i % 3 == 0 else (i * 2654435761) % (1 << 32)


def ttl(i):
    return 3600 if i % 10 == 1 else 0


def large_value(i):
    return bytes((i * 131 + j * 7) % 256 for j in range(997)) * (300 + i)


RUNNING = []  # servers started and not yet stopped, stopped on the way out whatever happens


class Server:
    """memkv with --restart-file on a free port; its log kept in a file."""

    def __init__(self, binary, path, workdir, extra=()):
        self.port = free_port()
        self.log_path = os.path.join(workdir, f"log-{self.port}")
        self.log = open(self.log_path, "wb")
        self.process = subprocess.Popen(
            [binary, "-p", str(self.port), "-l", "127.0.0.1", "-m", "256", "-e", path, *extra],
            stdin=subprocess.DEVNULL, stderr=self.log)
        RUNNING.append(self)
        self.started = time.monotonic()
        wait_for_port(self.port, self.process, timeout=60)
        self.listening_after = time.monotonic() - self.started

    def text(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode(errors="replace")

    def stop(self, sig=signal.SIGTERM):
        if self in RUNNING:
            RUNNING.remove(self)
        if sig == signal.SIGTERM:
            code = stop_process(self.process, timeout=120)
        else:
            self.process.send_signal(sig)
            code = self.process.wait(timeout=120)
        self.log.close()
        return code

    def connect(self):
        return socket.create_connection(("127.0.0.1", self.port), timeout=120)


def sync(sock):
    sock.sendall(b"mn\r\n")
    read_until(sock, b"MN\r\n")


def load(sock, first, count, make):
    for start in range(first, first + count, 10_000):
        chunk = []
        for i in range(start, min(start + 10_000, first + count)):
            k, v, f, t = make(i)
            chunk.append(b"set %s %d %d %d noreply\r\n%s\r\n" % (k, f, t, len(v), v))
        sock.sendall(b"".join(chunk))
    sync(sock)


def gets(sock, keys):
    """{key: (flags, cas, value)} for `keys`, BATCH keys a request, pipelined."""
    found = {}
    requests = [b"gets " + b" ".join(keys[i:i + BATCH]) + b"\r\n" for i in range(0, len(keys), BATCH)]
    buffer = b""
    for start in range(0, len(requests), 200):
        group = requests[start:start + 200]
        sock.sendall(b"".join(group))
        ends = 0
        while ends < len(group):
            chunk = sock.recv(1 << 20)
            if not chunk:
                raise RuntimeError("closed")
            buffer += chunk
            at = 0  # parsed up to here; the buffer is cut once per receive, not per item
            while True:
                if buffer.startswith(b"END\r\n", at):
                    at += 5
                    ends += 1
                    continue
                line_end = buffer.find(b"\r\n", at)
                if line_end < 0:
                    break
                header = buffer[at:line_end].split()
                if header[0] != b"VALUE":
                    raise RuntimeError(f"unexpected {buffer[at:at + 80]!r}")
                size = int(header[3])
                if len(buffer) < line_end + 2 + size + 2:
                    break
                found[header[1]] = (int(header[2]), int(header[4]),
                                    buffer[line_end + 2:line_end + 2 + size])
                at = line_end + 2 + size + 2
            buffer = buffer[at:]
    return found


def curr_items(sock):
    sock.sendall(b"stats\r\n")
    text = read_until(sock, b"END\r\n").decode()
    return int(re.search(r"STAT curr_items (\d+)", text).group(1))


def keeper(i):
    return key(i), value(i), flags(i), ttl(i)


def main():
    args = test_arguments()
    check = Checker()
    with tempfile.TemporaryDirectory(prefix="memkv-restart-") as workdir:
        path = os.path.join(workdir, "items")

        # 1. A million items, large values, a RESP database and short-lived items, then SIGTERM.
        server = Server(args.binary, path, workdir)
        check.expect("new or empty; starting empty" in server.text(), "a new file is reported")
        sock = server.connect()
        began = time.monotonic()
        load(sock, 0, KEEPERS, keeper)
        load(sock, 0, LARGE, lambda i: (b"large%d" % i, large_value(i), i + 1, 0))
        print(f"loaded {KEEPERS} items in {time.monotonic() - began:.1f} s")
        resp = server.connect()  # a connection speaks the dialect of its first bytes
        resp.sendall(resp_request("SELECT", "3") + resp_request("SET", "resp-key", "in db 3"))
        check.expect(read_until(resp, b"+OK\r\n+OK\r\n") == b"+OK\r\n+OK\r\n", "RESP set in db 3")
        resp.close()
        all_keys = [key(i) for i in range(KEEPERS)]
        before = gets(sock, all_keys)
        check.expect(len(before) == KEEPERS, f"all keepers stored ({len(before)})")
        large_before = gets(sock, [b"large%d" % i for i in range(LARGE)])
        load(sock, 0, SHORT_LIVED,
             lambda i: (b"short%d" % i, b"gone after the restart", 0, SHORT_TTL))
        short_set_at = time.monotonic()
        check.expect(len(gets(sock, [b"short0", b"short1"])) == 2, "short-lived items stored")
        sock.close()
        stopping = time.monotonic()
        code = server.stop(signal.SIGUSR1)  # memcached's graceful stop, as its -e documents
        saved_in = time.monotonic() - stopping
        check.expect(code == 0, f"clean stop exits 0 (got {code})")
        check.expect(re.search(r"items saved in \d+ ms", server.text()) is not None,
                     "the save is logged")
        print(f"SIGUSR1 to exit with {KEEPERS + LARGE + SHORT_LIVED + 1} items: {saved_in:.2f} s")

        # 2. The same file and settings, once the short-lived items' time ran out.
        time.sleep(max(0.0, short_set_at + SHORT_TTL + 1.0 - time.monotonic()))
        server = Server(args.binary, path, workdir)
        log = server.text()
        print(f"restart to listening: {server.listening_after:.2f} s; log: "
              f"{log.splitlines()[0] if log else ''}")
        check.expect(f"{KEEPERS + LARGE + 1} items restored ({SHORT_LIVED} expired" in log,
                     f"restore reported: {log.splitlines()[:1]}")
        sock = server.connect()
        after = gets(sock, all_keys)
        check.expect(len(after) == KEEPERS, f"every keeper back ({len(after)} of {KEEPERS})")
        wrong = [k for k, item in before.items() if after.get(k) != item]
        check.expect(not wrong, f"{len(wrong)} keepers differ (value, flags or CAS), e.g. "
                                f"{wrong[:3]}")
        for k, item in before.items():
            i = int(k[1:])
            if item[2] != value(i) or item[0] != flags(i):
                check.expect(False, f"{k} was stored as {item[:2]}")
                break
        check.expect(gets(sock, [b"large%d" % i for i in range(LARGE)]) == large_before,
                     "large values back exactly")
        short = gets(sock, [b"short%d" % i for i in range(SHORT_LIVED)])
        check.expect(not short, f"expired items not served ({len(short)} were)")
        sock.sendall(b"".join(b"mg %s t\r\n" % key(i) for i in range(1, 10_001, 10)) + b"mn\r\n")
        ttls = [int(line.split(b" t")[1]) for line in read_until(sock, b"MN\r\n").split(b"\r\n")
                if line.startswith(b"HD")]
        lowest = 3600 - (time.monotonic() - began) - 1
        check.expect(len(ttls) == 1000 and all(lowest <= t <= 3600 for t in ttls),
                     f"times to live kept ({len(ttls)}, {min(ttls, default=None)}.."
                     f"{max(ttls, default=None)})")
        sock.close()
        resp = server.connect()
        resp.sendall(resp_request("SELECT", "3") + resp_request("GET", "resp-key"))
        check.expect(read_until(resp, b"db 3\r\n") == b"+OK\r\n$7\r\nin db 3\r\n",
                     "RESP database 3 kept")
        resp.close()

        # 3. A crash: the file was in use, so the next start serves nothing from it.
        server.stop(signal.SIGKILL)
        server = Server(args.binary, path, workdir)
        check.expect("did not shut down cleanly" in server.text() and
                     "starting empty" in server.text(), f"crash reported: {server.text()[:200]}")
        sock = server.connect()
        check.expect(curr_items(sock) == 0, "empty after a crash")
        load(sock, 0, 1000, keeper)
        sock.close()
        check.expect(server.stop() == 0, "clean stop")

        # 4. Damaged files and changed settings start empty, each with its reason.
        def damaged(change, reason, extra=()):
            server = Server(args.binary, path, workdir)
            sock = server.connect()
            load(sock, 0, 1000, keeper)
            sock.close()
            server.stop()
            change()
            server = Server(args.binary, path, workdir, extra)
            sock = server.connect()
            items = curr_items(sock)
            sock.close()
            check.expect(items == 0 and reason in server.text() and
                         "starting empty" in server.text(),
                         f"{reason}: {items} items; log {server.text()[:300]}")
            server.stop()

        def truncate():
            os.truncate(path, os.path.getsize(path) - 100)

        def flip(offset):
            def change():
                with open(path, "r+b") as f:
                    f.seek(offset)
                    byte = f.read(1)
                    f.seek(offset)
                    f.write(bytes([byte[0] ^ 0x40]))
            return change

        def flip_segments():
            with open(path, "r+b") as f:
                for offset in range(4096 + 777, 4096 + (256 << 20), 1 << 16):
                    f.seek(offset)
                    byte = f.read(1)
                    f.seek(offset)
                    f.write(bytes([byte[0] ^ 0x40]))

        damaged(truncate, "truncated")
        damaged(flip(100), "damaged header")
        damaged(flip_segments, "damaged segments")
        damaged(lambda: None, "settings changed: memory limit", extra=("-m", "128"))
        with open(path, "wb") as f:
            f.write(b"not a restart file\n" * 1000)
        server = Server(args.binary, path, workdir)
        check.expect("not a memkv restart file" in server.text(), "a foreign file is reported")
        server.stop()

        # 5. A file that cannot be made: the server does not start.
        result = subprocess.run([args.binary, "-p", str(free_port()), "-l", "127.0.0.1", "-e",
                                 os.path.join(workdir, "no", "such", "dir")],
                                stdin=subprocess.DEVNULL, capture_output=True, timeout=30)
        check.expect(result.returncode != 0 and b"cannot open" in result.stderr,
                     f"unwritable file: {result.returncode} {result.stderr[-200:]!r}")
    return check.exit_status()


if __name__ == "__main__":
    try:
        status = main()
    finally:
        for leftover in list(RUNNING):
            leftover.stop(signal.SIGKILL)
    sys.exit(status)
