"""The Debian package (issue 18 item 5): `cpack -G DEB` in the build directory makes a .deb that
holds what an operator installs (the server, memkv-bench, the manual page, the commented default
configuration as a conffile), says which libraries it needs, and works once unpacked: the
packaged binary serves with the packaged configuration file.

Registered by tests/CMakeLists.txt with the build directory (not by the *_test.py glob), and
labelled no-sanitizer: packaging a sanitizer build says nothing more.
"""

import argparse
import gzip
import os
import socket
import subprocess
import sys
import tempfile

from memkv_server import MemkvServer

EXPECTED_FILES = [
    "./usr/bin/memkv",
    "./usr/bin/memkv-bench",
    "./usr/share/man/man1/memkv.1.gz",
    "./etc/memkv/memkv.conf",
    "./lib/systemd/system/memkv.service",
]
EXPECTED_DEPENDS = ["libssl3", "liburing2", "libxxhash0", "libabsl"]


def run(args, **kwargs):
    return subprocess.run(args, check=True, capture_output=True, text=True, **kwargs).stdout


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", required=True)
    parser.add_argument("--build-dir", required=True)
    args = parser.parse_args()
    failures = []
    with tempfile.TemporaryDirectory() as work:
        run(["cpack", "-G", "DEB", "--config",
             os.path.join(args.build_dir, "CPackConfig.cmake"), "-B", work])
        debs = [f for f in os.listdir(work) if f.endswith(".deb")]
        if len(debs) != 1:
            print(f"FAIL: expected one .deb, found {debs}")
            return 1
        deb = os.path.join(work, debs[0])
        files = run(["dpkg-deb", "--contents", deb]).split("\n")
        listed = {line.split()[-1] for line in files if line.strip()}
        for path in EXPECTED_FILES:
            if path not in listed:
                failures.append(f"{path} not in the package")
        package = run(["dpkg-deb", "--field", deb, "Package"]).strip()
        if package != "memkv":
            failures.append(f"Package: {package!r}")
        depends = run(["dpkg-deb", "--field", deb, "Depends"])
        for library in EXPECTED_DEPENDS:
            if library not in depends:
                failures.append(f"Depends lacks {library}: {depends.strip()}")
        control = os.path.join(work, "control")
        run(["dpkg-deb", "--control", deb, control])
        with open(os.path.join(control, "conffiles")) as f:
            if "/etc/memkv/memkv.conf" not in f.read().split():
                failures.append("/etc/memkv/memkv.conf is not a conffile")

        root = os.path.join(work, "root")
        run(["dpkg-deb", "--extract", deb, root])
        with gzip.open(os.path.join(root, "usr/share/man/man1/memkv.1.gz"), "rt") as f:
            man = f.read()
        for needle in [".TH MEMKV 1", "\\-\\-tls\\-port", "\\-\\-config", ".SH MODES"]:
            if needle not in man:
                failures.append(f"the manual page lacks {needle!r}")
        memkv = os.path.join(root, "usr/bin/memkv")
        version = run([memkv, "--version"]).strip()
        expected = run([args.binary, "--version"]).strip()
        if version != expected:
            failures.append(f"packaged --version {version!r}, built {expected!r}")
        # The packaged configuration file as installed: every line commented, so the defaults;
        # the port and address come from the command line, which overrides it.
        config = os.path.join(root, "etc/memkv/memkv.conf")
        with MemkvServer(memkv, ["--config", config, "-t", "1"]) as server:
            with socket.create_connection(("127.0.0.1", server.port), timeout=10) as s:
                s.sendall(b"set packaged 0 0 2\r\nok\r\nget packaged\r\n")
                data = b""
                while not data.endswith(b"END\r\n"):
                    chunk = s.recv(4096)
                    if not chunk:
                        break
                    data += chunk
            if data != b"STORED\r\nVALUE packaged 0 2\r\nok\r\nEND\r\n":
                failures.append(f"the packaged server answered {data!r}")
        if server.returncode != 0:
            failures.append(f"the packaged server exited with {server.returncode}")
    for failure in failures:
        print("FAIL:", failure)
    print("OK" if not failures else f"{len(failures)} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
