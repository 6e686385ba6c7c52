"""twemproxy (Debian's nutcracker) in front of memkv instances, for tests and tools/proxy_bench.py.

Usage:
    with Nutcracker([port1, port2, port3], retry_timeout_ms=300) as proxy:
        pymemcache.Client(("127.0.0.1", proxy.memcache_port))
        redis.Redis(port=proxy.redis_port)

One generated configuration, two pools over the same instances (memkv's -p port speaks both the
memcached protocols and RESP, told apart by a connection's first byte): `memcache` and `redis`.
Both pools name each server (mk1, mk2, ...), so ketama places a key by the server's name, not its
address: the two pools send a key to the same instance, and the placement does not depend on the
free ports a test happened to get. The process is stopped by its own PID when the block ends.
"""

import os
import shutil
import subprocess
import tempfile

from memkv_server import free_port, stop_process, wait_for_port


def nutcracker_binary():
    """nutcracker's path, or None when it is not installed."""
    return shutil.which("nutcracker") or (
        "/usr/sbin/nutcracker" if os.access("/usr/sbin/nutcracker", os.X_OK) else None)


def pool_config(name, listen_port, server_ports, redis, hash_name="murmur", timeout_ms=1000,
                auto_eject=True, retry_timeout_ms=30000, failure_limit=2):
    """One pool of a nutcracker YAML configuration, as text."""
    lines = [
        f"{name}:",
        f"  listen: 127.0.0.1:{listen_port}",
        f"  hash: {hash_name}",
        "  distribution: ketama",
        f"  timeout: {timeout_ms}",
        f"  redis: {'true' if redis else 'false'}",
        f"  auto_eject_hosts: {'true' if auto_eject else 'false'}",
        f"  server_retry_timeout: {retry_timeout_ms}",
        f"  server_failure_limit: {failure_limit}",
        "  servers:",
    ]
    lines += [f"   - 127.0.0.1:{port}:1 mk{i + 1}" for i, port in enumerate(server_ports)]
    return "\n".join(lines) + "\n"


class Nutcracker:
    """nutcracker with a memcache pool and a redis pool over `server_ports`, on free ports."""

    def __init__(self, server_ports, redis_server_ports=None, binary=None, **pool_options):
        self.binary = binary or nutcracker_binary()
        self.memcache_port = free_port()
        self.redis_port = free_port()
        self.stats_port = free_port()
        self.config = (pool_config("memcache", self.memcache_port, server_ports, False,
                                   **pool_options) +
                       pool_config("redis", self.redis_port, redis_server_ports or server_ports,
                                   True, **pool_options))
        self.directory = None
        self.process = None
        self.returncode = None

    def __enter__(self):
        self.directory = tempfile.TemporaryDirectory(prefix="memkv-nutcracker-")
        conf = os.path.join(self.directory.name, "nutcracker.yml")
        with open(conf, "w") as f:
            f.write(self.config)
        self.log = os.path.join(self.directory.name, "nutcracker.log")
        check = subprocess.run([self.binary, "-t", "-c", conf], capture_output=True, text=True)
        if check.returncode != 0:
            raise RuntimeError(f"nutcracker -t refused the configuration:\n{check.stderr}"
                               f"\n{self.config}")
        # -a/-s: the stats port on loopback only; -p/-o: pid file and log in the temporary
        # directory (the defaults are under /run and /var/log, as for the packaged service).
        self.process = subprocess.Popen(
            [self.binary, "-c", conf, "-a", "127.0.0.1", "-s", str(self.stats_port),
             "-p", os.path.join(self.directory.name, "nutcracker.pid"), "-o", self.log],
            stdin=subprocess.DEVNULL)
        try:
            for port in (self.memcache_port, self.redis_port, self.stats_port):
                wait_for_port(port, self.process)
        except Exception:
            self.stop()
            raise
        return self

    def __exit__(self, *exc):
        self.stop()

    def log_text(self):
        try:
            with open(self.log) as f:
                return f.read()
        except OSError:
            return ""

    def stop(self):
        if self.process is not None:
            self.returncode = stop_process(self.process)
        if self.directory is not None:
            self.directory.cleanup()
            self.directory = None
