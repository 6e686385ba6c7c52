"""Starts a real memkv (or memcached / redis-server) process on a free loopback port for a test.

Usage:
    with MemkvServer(binary, ["--mode", "dispatch"]) as server:
        sock = socket.create_connection(("127.0.0.1", server.port))

The process is stopped (SIGTERM, then SIGKILL) when the block ends, by its own PID only.
"""

import argparse
import os
import random
import signal
import socket
import subprocess
import time

# The 12 front-end architectures x I/O engines every integration test runs against.
MODES = ["single", "acceptor", "shared", "reuseport", "dispatch", "hybrid"]
IO_ENGINES = ["epoll", "uring"]


def available_modes(binary, modes=None):
    """The modes of `modes` (default MODES) that this binary implements.

    `memkv --help` marks a mode that is listed but not built yet with "(not implemented yet)";
    such a mode is left out, with a line saying so, and joins the tests by itself once built.
    """
    help_text = subprocess.run([binary, "--help"], capture_output=True, text=True,
                               check=True).stdout
    chosen = []
    for mode in modes or MODES:
        if f"  {mode} (not implemented yet)" in help_text:
            print(f"SKIP mode {mode}: not implemented yet in this binary")
        else:
            chosen.append(mode)
    return chosen


# Ports free_port() has handed out in this process: a test that asks for two ports before it
# starts the server that binds the first (-p and --resp-port) must not get the same one twice.
_handed_out = set()


def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on right now, for a server a test starts,
    and that this process has not been given before.

    Chosen at random below the kernel's ephemeral range (32768 and up by default), not by
    binding port 0: a port from that range may be taken a moment later by another test's
    outgoing connection or handed to a concurrently running test (tests/support/memkv_process.h
    FreePort says the same)."""
    while True:
        port = random.randint(20000, 32767)
        if port in _handed_out:
            continue
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            _handed_out.add(port)
            return port


def wait_for_port(port, process, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with status {process.returncode} before listening")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.02)
    raise RuntimeError(f"server did not listen on port {port} within {timeout}s")


def stop_process(process, timeout=10):
    """SIGTERM to a process this test started, SIGKILL after `timeout` s; its exit status."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    return process.returncode


class MemkvServer:
    """A memkv process on a free port. `extra_args` go after -p/-l."""

    def __init__(self, binary, extra_args=(), port=None, port_flag="-p", address_args=("-l", "127.0.0.1")):
        self.binary = binary
        self.port = port or free_port()
        self.args = [binary, port_flag, str(self.port), *address_args, *extra_args]
        self.process = None
        # The exit status after stop(): 0 for a clean SIGTERM shutdown (and, under ASan/UBSan,
        # no sanitizer report, since those exit non-zero).
        self.returncode = None

    def __enter__(self):
        self.process = subprocess.Popen(self.args, stdin=subprocess.DEVNULL)
        wait_for_port(self.port, self.process)
        return self

    def __exit__(self, *exc):
        self.stop()

    def stop(self):
        if self.process is not None:
            self.returncode = stop_process(self.process)


def resp_request(*args):
    """A RESP2 multibulk request of `args` (bytes, or str encoded as UTF-8)."""
    out = b"*%d\r\n" % len(args)
    for arg in args:
        arg = arg.encode() if isinstance(arg, str) else arg
        out += b"$%d\r\n%s\r\n" % (len(arg), arg)
    return out


def read_until(sock, suffix):
    """What `sock` receives until it ends with `suffix`, or until the peer closes."""
    data = b""
    while not data.endswith(suffix):
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    return data


def read_until_close(sock):
    """Everything received until the peer closes (a reset counts as a close); None on a timeout."""
    data = b""
    try:
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                return data
            data += chunk
    except socket.timeout:
        return None
    except ConnectionResetError:
        return data


class Checker:
    """Collects a test's failed expectations: each printed as it happens, the verdict at the end."""

    def __init__(self):
        self.failures = 0

    def expect(self, ok, what):
        if not ok:
            self.failures += 1
            print("FAIL", what, flush=True)
        return ok

    def exit_status(self):
        """Prints OK or the number of failures; the process's exit status (0 or 1)."""
        print("OK" if self.failures == 0 else f"{self.failures} failure(s)")
        return 1 if self.failures else 0


def memcached_oracle(binary="memcached", extra_args=()):
    """A reference memcached on a free port (use as a context manager): UDP off, and `-u root`
    when run as root, which memcached otherwise refuses."""
    args = ["-U", "0", *extra_args]
    if os.geteuid() == 0:
        args += ["-u", "root"]
    return MemkvServer(binary, args)


def redis_oracle(binary="redis-server", extra_args=()):
    """A reference redis-server on a free port: no persistence, warnings only."""
    return MemkvServer(binary, ["--save", "", "--appendonly", "no", "--loglevel", "warning",
                                *extra_args],
                       port_flag="--port", address_args=("--bind", "127.0.0.1"))


def test_arguments():
    """Parses the --binary argument ctest passes to every Python test."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", required=True)
    parser.add_argument("--mode", action="append", help="limit to these modes")
    parser.add_argument("--io", action="append", help="limit to these I/O engines")
    args, rest = parser.parse_known_args()
    args.rest = rest
    args.modes = args.mode or MODES
    args.ios = args.io or IO_ENGINES
    if not os.access(args.binary, os.X_OK):
        parser.error(f"not an executable: {args.binary}")
    return args
