"""--metrics-port (issue 18 item 2), scraped by a real Prometheus.

memkv serves GET /metrics in Prometheus's text format. This test sends a known mix of requests
in two front-end modes (a connection-per-loop mode and a dispatch mode, whose workers execute the
requests and time them), then checks the exposition: the HTTP answer (status, content type, 404
and 405 for other requests), promtool's own format check, the counters against the requests sent
(memcached's names: memkv_cmd_get_total, memkv_get_hits_total, ...), the items stored, and the
execution-time histograms' counts per command family. Then it starts Debian's prometheus on a
free loopback port with a generated scrape configuration (1 s interval) and asks its HTTP API for
memkv's metrics until they come back with the expected values: what an operator's Prometheus
would see. Skips the Prometheus part, saying so, only where prometheus is not installed.
"""

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

from memkv_server import (Checker, MemkvServer, free_port, read_until, resp_request,
                          test_arguments, wait_for_port)

TIMEOUT = 10.0



def http(port, path, method="GET"):
    """(status, content type, body) of one request to 127.0.0.1:port."""
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", method=method,
                                     data=b"" if method == "POST" else None)
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            return response.status, response.headers.get("Content-Type"), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Content-Type"), error.read().decode()


def samples(text):
    """{'name{labels}': value} of an exposition."""
    out = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, value = line.rsplit(" ", 1)
            out[name] = float(value)
    return out


def send_traffic(port):
    """7 sets, 5 get hits, 3 get misses (text); 2 RESP SETs, 1 RESP GET; 1 mg."""
    with socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT) as s:
        for i in range(7):
            s.sendall(b"set k%d 0 0 1\r\nv\r\n" % i)
            read_until(s, b"STORED\r\n")
        for i in range(5):
            s.sendall(b"get k%d\r\n" % i)
            read_until(s, b"END\r\n")
        for i in range(3):
            s.sendall(b"get missing%d\r\n" % i)
            read_until(s, b"END\r\n")
        s.sendall(b"mg k0 v\r\n")
        read_until(s, b"\r\nv\r\n")
    with socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT) as s:
        for i in range(2):
            s.sendall(resp_request("SET", f"r{i}", "x"))
            read_until(s, b"+OK\r\n")
        s.sendall(resp_request("GET", "r0"))
        read_until(s, b"x\r\n")


def check_exposition(checker, label, metrics_port):
    status, content_type, body = http(metrics_port, "/metrics")
    checker.expect(status == 200, f"{label}: GET /metrics status {status}")
    checker.expect(content_type == "text/plain; version=0.0.4; charset=utf-8",
                   f"{label}: content type {content_type!r}")
    if shutil.which("promtool"):
        lint = subprocess.run(["promtool", "check", "metrics"], input=body, text=True,
                              capture_output=True, timeout=60)
        checker.expect(lint.returncode == 0,
                       f"{label}: promtool check metrics: {lint.stdout}{lint.stderr}")
    values = samples(body)
    expected = {
        # Retrievals of every dialect, as `stats` counts them: 8 text gets, the mg, the RESP GET.
        "memkv_cmd_get_total": 10,
        "memkv_get_hits_total": 7,
        "memkv_get_misses_total": 3,
        "memkv_items": 9,
        'memkv_command_duration_seconds_count{command="get"}': 8,
        'memkv_command_duration_seconds_count{command="set"}': 7,
        'memkv_command_duration_seconds_count{command="mg"}': 1,
        'memkv_command_duration_seconds_count{command="resp_set"}': 2,
        'memkv_command_duration_seconds_count{command="resp_get"}': 1,
        'memkv_command_duration_seconds_bucket{command="get",le="+Inf"}': 8,
    }
    for name, value in expected.items():
        checker.expect(values.get(name) == value,
                       f"{label}: {name} is {values.get(name)}, expected {value}")
    checker.expect(values.get("memkv_memory_limit_bytes") == 64 << 20,
                   f"{label}: memkv_memory_limit_bytes {values.get('memkv_memory_limit_bytes')}")
    batches = [v for k, v in values.items() if k.startswith("memkv_thread_batches_total{")]
    queued = [v for k, v in values.items() if k.startswith("memkv_thread_queued_requests{")]
    if label == "dispatch":
        # Every request went through a batch of the pool's 2 workers; none is queued now.
        checker.expect(len(batches) == 2 and sum(batches) > 0,
                       f"{label}: memkv_thread_batches_total {batches}")
        checker.expect(queued == [0, 0], f"{label}: memkv_thread_queued_requests {queued}")
    else:
        checker.expect(not batches and not queued,
                       f"{label}: dispatch-pool series in a mode without a pool")
    checker.expect(http(metrics_port, "/nope")[0] == 404, f"{label}: /nope is not 404")
    checker.expect(http(metrics_port, "/metrics", "POST")[0] == 405, f"{label}: POST is not 405")
    return values


def scrape_with_prometheus(checker, metrics_port, expected):
    prometheus = shutil.which("prometheus")
    if prometheus is None:
        print("SKIP the Prometheus scrape: prometheus is not installed")
        return
    web_port = free_port()
    with tempfile.TemporaryDirectory() as work:
        config = os.path.join(work, "prometheus.yml")
        with open(config, "w") as f:
            f.write("global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n"
                    "scrape_configs:\n  - job_name: memkv\n    static_configs:\n"
                    f"      - targets: ['127.0.0.1:{metrics_port}']\n")
        process = subprocess.Popen(
            [prometheus, f"--config.file={config}", f"--storage.tsdb.path={work}/data",
             f"--web.listen-address=127.0.0.1:{web_port}", "--log.level=warn"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            wait_for_port(web_port, process, timeout=60)
            deadline = time.monotonic() + 60
            found = {}
            while time.monotonic() < deadline and len(found) < len(expected):
                for query, value in expected.items():
                    url = "/api/v1/query?query=" + urllib.parse.quote(query)
                    status, _, body = http(web_port, url)
                    if status != 200:
                        continue
                    result = json.loads(body)["data"]["result"]
                    if result and float(result[0]["value"][1]) == value:
                        found[query] = value
                time.sleep(0.5)
            for query, value in expected.items():
                checker.expect(query in found,
                               f"Prometheus never saw {query} == {value} (after 60 s)")
            status, _, body = http(web_port, "/api/v1/targets")
            health = [t["health"] for t in json.loads(body)["data"]["activeTargets"]]
            checker.expect(health == ["up"], f"Prometheus's target health {health}")
        finally:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def main():
    args = test_arguments()
    checker = Checker()
    for mode in ["acceptor", "dispatch"]:
        metrics_port = free_port()
        with MemkvServer(args.binary, ["--mode", mode, "-t", "2",
                                       "--metrics-port", str(metrics_port)]) as server:
            wait_for_port(metrics_port, server.process)
            send_traffic(server.port)
            check_exposition(checker, mode, metrics_port)
            if mode == "acceptor":
                scrape_with_prometheus(checker, metrics_port, {
                    "memkv_get_hits_total": 7,
                    'memkv_command_duration_seconds_count{command="get"}': 8,
                    "memkv_items": 9,
                })
        checker.expect(server.returncode == 0, f"{mode}: exit status {server.returncode}")
    return checker.exit_status()


if __name__ == "__main__":
    sys.exit(main())
