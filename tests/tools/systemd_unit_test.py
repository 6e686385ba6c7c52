"""tools/systemd/memkv.service (issue 18): systemd accepts it, it keeps its sandboxing, and the
server it starts does what ExecReload and the stop rely on.

1. `systemd-analyze verify` on a copy whose ExecStart names the binary under test (verify wants
   an executable there): exit status 0 and nothing on stderr (verify only warns, with status 0,
   about an unknown or misspelt directive, so a warning is a failure too).
2. The directives the issue asks for are there with their values: a dynamic user, NoNewPrivileges,
   ProtectSystem=strict, PrivateTmp, no capabilities, a system-call filter, LimitNOFILE at least
   the connection limit of ExecStart's -c plus memkv's own descriptors, ExecReload sending SIGHUP,
   SIGTERM to stop.
3. ExecStart's own command line, run for real (the port made a free one, $MEMKV_OPTS empty, then
   again with an --auth-file in MEMKV_OPTS): it serves, a SIGHUP (ExecReload) leaves it serving
   and re-reads the auth file (a user added to the file can then log in), and SIGTERM (the stop)
   ends it with status 0, which systemd counts as a clean stop.

Skips part 1 with a SKIP line when systemd-analyze is not installed. Exits non-zero on a failure.
"""

import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

from memkv_server import Checker, free_port, read_until, resp_request, test_arguments, wait_for_port

UNIT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools", "systemd",
                    "memkv.service")
# 13 for the process and up to 5 a loop for a few loops: docs/reliability.md.
OWN_DESCRIPTORS = 64



def directives(text):
    """[(section, key, value)] of a unit file, in order."""
    out, section = [], None
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            section = line.strip("[]")
            continue
        key, _, value = line.partition("=")
        out.append((section, key.strip(), value.strip()))
    return out


def exec_start_argv(text):
    values = [v for s, k, v in directives(text) if s == "Service" and k == "ExecStart"]
    return shlex.split(values[0]) if len(values) == 1 else None


def check_verify(checker, text, binary):
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        print("SKIP systemd-analyze verify: systemd-analyze is not installed")
        return
    with tempfile.TemporaryDirectory(prefix="memkv-unit-") as tmp:
        copy = os.path.join(tmp, "memkv.service")
        with open(copy, "w") as f:
            f.write(re.sub(r"^ExecStart=/usr/bin/memkv", "ExecStart=" + binary, text,
                           flags=re.MULTILINE))
        # verify also runs `man memkv` for Documentation=man:memkv(1): the page the binary
        # under test generates (the package installs the same), found through MANPATH.
        man1 = os.path.join(tmp, "man", "man1")
        os.makedirs(man1)
        with open(os.path.join(man1, "memkv.1"), "w") as f:
            f.write(subprocess.run([binary, "--man-page"], capture_output=True, text=True,
                                   check=True).stdout)
        env = dict(os.environ, MANPATH=os.path.join(tmp, "man") + ":")
        verify = [analyze, "verify", copy]
        if shutil.which("man") is None:
            print("NOTE: no man(1) here: systemd-analyze verify --man=no (Documentation= unchecked)")
            verify.insert(2, "--man=no")
        result = subprocess.run(verify, capture_output=True, text=True, timeout=60, env=env)
        checker.expect(result.returncode == 0 and result.stderr.strip() == "",
                       f"systemd-analyze verify: status {result.returncode}\n{result.stderr}")
        # The check can fail: verify refuses a unit with a directive it does not know.
        with open(copy, "a") as f:
            f.write("\n[Service]\nProtectSystme=strict\n")
        broken = subprocess.run(verify, capture_output=True, text=True, timeout=60, env=env)
        checker.expect("ProtectSystme" in broken.stderr,
                       f"systemd-analyze verify did not notice a misspelt directive: "
                       f"{broken.stderr!r}")


def check_directives(checker, text):
    service = {}
    for section, key, value in directives(text):
        if section == "Service":
            service.setdefault(key, []).append(value)
    required = {
        "DynamicUser": "yes", "NoNewPrivileges": "yes", "ProtectSystem": "strict",
        "PrivateTmp": "yes", "ProtectHome": "yes", "PrivateDevices": "yes",
        "CapabilityBoundingSet": "", "KillSignal": "SIGTERM",
        "ExecReload": "/bin/kill -HUP $MAINPID",
    }
    for key, value in required.items():
        checker.expect(service.get(key) == [value],
                       f"[Service] {key}={value} expected, found {service.get(key)}")
    filters = service.get("SystemCallFilter", [])
    checker.expect(any(v.startswith("@system-service") for v in filters),
                   "[Service] SystemCallFilter=@system-service expected")
    checker.expect("User" not in service, "[Service] User= set beside DynamicUser=")
    argv = exec_start_argv(text)
    if not checker.expect(argv is not None and argv[0] == "/usr/bin/memkv",
                          f"one ExecStart=/usr/bin/memkv ... expected: {argv}"):
        return
    conn_limit = int(argv[argv.index("-c") + 1]) if "-c" in argv else 1024
    limit = service.get("LimitNOFILE", ["0"])[0]
    checker.expect(limit.isdigit() and int(limit) >= conn_limit + OWN_DESCRIPTORS,
                   f"LimitNOFILE={limit} does not fit -c {conn_limit} plus memkv's own "
                   f"descriptors ({OWN_DESCRIPTORS})")
    checker.expect("-l" in argv and argv[argv.index("-l") + 1] == "127.0.0.1",
                   "ExecStart: -l 127.0.0.1 (loopback by default) expected")


def resp_call(port, *requests):
    """The replies to `requests` on one connection; [] when the server does not answer."""
    try:
        return _resp_call(port, *requests)
    except OSError:
        return []


def _resp_call(port, *requests):
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        replies = []
        for request in requests:
            sock.sendall(request)
            replies.append(read_until(sock, b"\r\n"))
        return replies


def run_exec_start(checker, text, binary, extra_opts, label, auth_file=None):
    """Runs ExecStart's command line as systemd would (with MEMKV_OPTS=extra_opts)."""
    argv = exec_start_argv(text)
    if argv is None:
        return
    port = free_port()
    args = []
    for word in argv[1:]:
        if word == "$MEMKV_OPTS":
            args += extra_opts
        else:
            args.append(word)
    args[args.index("-p") + 1] = str(port)
    process = subprocess.Popen([binary, *args], stdin=subprocess.DEVNULL)
    try:
        wait_for_port(port, process)
        ping = resp_request("PING")
        if auth_file is None:
            checker.expect(resp_call(port, ping) == [b"+PONG\r\n"], f"{label}: PING")
        else:
            hello = resp_request("AUTH", "second", "pw2")
            checker.expect(resp_call(port, hello)[0].startswith(b"-WRONGPASS"),
                           f"{label}: a user not yet in the auth file logged in")
            with open(auth_file, "a") as f:
                f.write("second:pw2\n")
        process.send_signal(signal.SIGHUP)  # ExecReload
        if auth_file is None:
            checker.expect(resp_call(port, ping) == [b"+PONG\r\n"], f"{label}: PING after SIGHUP")
        else:
            deadline = time.monotonic() + 5
            while True:
                got = resp_call(port, resp_request("AUTH", "second", "pw2"), ping)
                if got == [b"+OK\r\n", b"+PONG\r\n"] or time.monotonic() > deadline:
                    break
                time.sleep(0.05)
            checker.expect(got == [b"+OK\r\n", b"+PONG\r\n"],
                           f"{label}: after SIGHUP the added user cannot log in: {got!r}")
        checker.expect(process.poll() is None, f"{label}: memkv exited on SIGHUP")
        process.send_signal(signal.SIGTERM)  # the stop (KillSignal)
        checker.expect(process.wait(timeout=15) == 0,
                       f"{label}: exit status {process.returncode} on SIGTERM, 0 expected")
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def main():
    args = test_arguments()
    checker = Checker()
    with open(UNIT) as f:
        text = f.read()
    check_verify(checker, text, os.path.abspath(args.binary))
    check_directives(checker, text)
    run_exec_start(checker, text, args.binary, [], "ExecStart")
    with tempfile.TemporaryDirectory(prefix="memkv-unit-") as tmp:
        auth = os.path.join(tmp, "auth")
        with open(auth, "w") as f:
            f.write("first:pw1\n")
        run_exec_start(checker, text, args.binary, ["-Y", auth], "ExecStart with -Y",
                       auth_file=auth)
    return checker.exit_status()


if __name__ == "__main__":
    sys.exit(main())
