#!/usr/bin/env python3
"""Measures memkv's peak memory under greedy clients (issue 13 item 1), at full scale.

Two faults, each against a fresh server on a free loopback port:
  resp     40 clients each start a RESP command of 1,048,576 arguments and send 24 MiB of 1 MiB
           bulks without finishing it.
  getline  100 clients each send 8 MB of a `get` line with no newline.
Meanwhile a well-behaved client stores and reads back values and checks every answer. Prints,
per mode and engine: the peak RSS (VmHWM) at start and at the end, the stats client_evictions,
and how many of the well-behaved client's round trips were wrong.

  tools/client_memory_fault.py --binary build/server/memkv                 # every mode x engine
  tools/client_memory_fault.py --binary build/server/memkv --modes acceptor --engines epoll \
      -- --max-client-memory 0                                             # without the budget
  tools/client_memory_fault.py --binary build/server/memkv --fill-mb 80   # with a full cache first
"""
import argparse
import socket
import subprocess
import threading
import time

MODES = ["single", "acceptor", "shared", "reuseport", "dispatch", "hybrid"]
ENGINES = ["epoll", "uring"]
MIB = 1 << 20


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def connect(port):
    s = socket.create_connection(("127.0.0.1", port))
    s.settimeout(30)
    return s


def peak_rss(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return -1


def read_until(s, suffix):
    data = b""
    while not data.endswith(suffix):
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    return data


def stats(port):
    s = connect(port)
    s.sendall(b"stats\r\n")
    reply = read_until(s, b"END\r\n").decode()
    s.close()
    return dict(l.split(" ", 2)[1:] for l in reply.splitlines() if l.startswith("STAT "))


def greedy_resp(port):
    s = connect(port)
    bulk = b"$1048576\r\n" + b"x" * MIB + b"\r\n"
    try:
        s.sendall(b"*1048576\r\n")
        for _ in range(24):
            s.sendall(bulk)
    except OSError:
        pass  # closed by the server
    return s


def greedy_getline(port):
    s = connect(port)
    line = b"get " + b" ".join(b"key%07d" % i for i in range(8_000_000 // 11))
    try:
        s.sendall(line)
    except OSError:
        pass
    return s


def behave(port, stop, result):
    s = connect(port)
    for i in range(1_000_000):
        if stop.is_set() and i >= 20:
            break
        key = b"good%d" % (i % 50)
        value = bytes([97 + i % 26]) * (100 + (i * 977) % 20000)
        s.sendall(b"set %s 0 0 %d\r\n%s\r\n" % (key, len(value), value))
        if read_until(s, b"\r\n") != b"STORED\r\n":
            result["wrong"] += 1
        s.sendall(b"get %s\r\n" % key)
        want = b"VALUE %s 0 %d\r\n%s\r\nEND\r\n" % (key, len(value), value)
        if read_until(s, b"END\r\n") != want:
            result["wrong"] += 1
        result["rounds"] += 1


def fill(port, megabytes):
    """Stores `megabytes` MiB of 512 KiB values first, so that the cache is full (-m 64)."""
    s = connect(port)
    value = b"f" * (512 << 10)
    for i in range(megabytes * 2):
        s.sendall(b"set fill%d 0 0 %d\r\n%s\r\n" % (i, len(value), value))
        read_until(s, b"\r\n")
    s.close()


def run(binary, mode, engine, fault, clients, extra, fill_mb):
    port = free_port()
    args = [binary, "-p", str(port), "-l", "127.0.0.1", "-t", "2", "-m", "64",
            "--mode", mode, "--io", engine] + extra
    server = subprocess.Popen(args, stdin=subprocess.DEVNULL)
    try:
        for _ in range(500):
            try:
                connect(port).close()
                break
            except OSError:
                time.sleep(0.01)
        fill(port, fill_mb)
        start = peak_rss(server.pid)
        stop, result = threading.Event(), {"wrong": 0, "rounds": 0}
        good = threading.Thread(target=behave, args=(port, stop, result))
        good.start()
        attack = greedy_resp if fault == "resp" else greedy_getline
        sockets = []
        threads = [threading.Thread(target=lambda: sockets.append(attack(port)))
                   for _ in range(clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        stop.set()
        good.join()
        time.sleep(0.5)  # let the server finish reading what was sent
        st = stats(port)
        peak = peak_rss(server.pid)
        for s in sockets:
            s.close()
        alive = server.poll() is None
        print(f"{mode:9} {engine:5} {fault:7} start {start / MIB:6.1f} MiB  peak {peak / MIB:7.1f} MiB"
              f"  client_evictions {st.get('client_evictions', '?'):>4}"
              f"  good round trips {result['rounds']} wrong {result['wrong']}"
              f"  {'running' if alive else 'DIED'}", flush=True)
    finally:
        server.terminate()
        server.wait()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--binary", required=True)
    parser.add_argument("--modes", default=",".join(MODES))
    parser.add_argument("--engines", default=",".join(ENGINES))
    parser.add_argument("--faults", default="resp,getline")
    parser.add_argument("--fill-mb", type=int, default=0,
                        help="MiB of values to store before the fault (80 fills -m 64)")
    parser.add_argument("extra", nargs="*", help="more memkv flags (after --)")
    a = parser.parse_args()
    for mode in a.modes.split(","):
        for engine in a.engines.split(","):
            for fault in a.faults.split(","):
                run(a.binary, mode, engine, fault, 40 if fault == "resp" else 100, a.extra,
                    a.fill_mb)


if __name__ == "__main__":
    main()
