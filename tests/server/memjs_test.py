"""memjs (Node.js, binary protocol only, SASL PLAIN built in) against memkv in every front-end
mode x I/O engine, compared with what the same script gets from a real memcached 1.6.18 (started
by this test); then against memkv --auth-file with a username and password (the same results)
and with a wrong password (every operation refused).

memjs is an npm package, not a Debian one: the test loads it from NODE_PATH or from
memjs/node_modules in the build directory, where it unpacks memjs 1.3.2 from the npm registry
(digest checked; memjs has no dependencies) the first time. Without Node.js, or without the
registry, it says so and passes.

Usage: memjs_test.py --binary path/to/memkv [--mode M ...] [--io E ...]
"""

import base64
import hashlib
import io
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import urllib.request

from memkv_server import MemkvServer, available_modes, memcached_oracle, test_arguments

SCRIPT = r"""
const memjs = require('memjs');
const [port, user, pass] = process.argv.slice(1);
const options = {retries: 0, timeout: 5, logger: {log: () => {}}};
if (user) { options.username = user; options.password = pass; }
const c = memjs.Client.create('127.0.0.1:' + port, options);
const out = [];
async function step(name, f) {
  try { out.push(name + ' ' + JSON.stringify(await f())); }
  catch (e) { out.push(name + ' raised ' + (e.message || e)); }
}
(async () => {
  await step('set', () => c.set('a', 'hello', {expires: 100}));
  if (process.argv[4] === 'short') { console.log(out.join('\n')); c.close(); return; }
  await step('get', async () => { const r = await c.get('a'); return [String(r.value), r.flags.toString('hex')]; });
  await step('get miss', async () => (await c.get('nope')).value);
  await step('add exists', () => c.add('a', 'x'));
  await step('add new', () => c.add('b', 'x'));
  await step('replace miss', () => c.replace('nope', 'x'));
  await step('replace hit', () => c.replace('b', 'y'));
  await step('append', () => c.append('a', '!'));
  await step('prepend', () => c.prepend('a', '<'));
  await step('get after', async () => String((await c.get('a')).value));
  await step('incr create', () => c.increment('n', 5, {initial: 10, expires: 100}));
  await step('incr', () => c.increment('n', 5, {}));
  await step('decr', () => c.decrement('n', 100, {}));
  await step('incr miss', () => c.increment('nope', 1, {}));
  await step('touch', () => c.touch('a', 50));
  await step('touch miss', () => c.touch('nope', 50));
  await step('delete', () => c.delete('a'));
  await step('delete miss', () => c.delete('a'));
  await step('big', async () => { await c.set('big', 'v'.repeat(500000), {}); return (await c.get('big')).value.length; });
  await step('too big', () => c.set('huge', 'v'.repeat(2000000), {}));
  await step('stats', () => new Promise((res) => c.stats((err, server, stats) => res(err ? String(err) : ('cmd_get' in stats)))));
  await step('flush', async () => Object.values(await c.flush()));
  await step('get after flush', async () => (await c.get('n')).value);
  console.log(out.join('\n'));
  c.close();
})();
"""


def node_path(binary):
    paths = [p for p in os.environ.get("NODE_PATH", "").split(":") if p]
    paths.append(os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(binary))),
                              "memjs", "node_modules"))
    return ":".join(paths)


# memjs from the npm registry (it has no dependencies), checked against the registry's digest.
MEMJS_TARBALL = "https://registry.npmjs.org/memjs/-/memjs-1.3.2.tgz"
MEMJS_SHA512 = ("qUEg2g8vxPe+zPn09KidjIStHPtoBO8Cttm8bgJFWWabbsjQ9Av9Ky+6UcvKx6ue0LLb/LEhtcyQpRyKfz"
                "eXcg==")


def fetch_memjs(binary):
    """Unpacks memjs into the build directory's memjs/node_modules, as `npm install` would; the
    reason when it cannot (no network, a digest that does not match), else None."""
    modules = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(binary))), "memjs",
                           "node_modules")
    try:
        with urllib.request.urlopen(MEMJS_TARBALL, timeout=30) as response:
            tarball = response.read()
    except OSError as error:
        return f"cannot fetch {MEMJS_TARBALL}: {error}"
    digest = base64.b64encode(hashlib.sha512(tarball).digest()).decode()
    if digest != MEMJS_SHA512:
        return f"{MEMJS_TARBALL}: sha512 {digest}, expected {MEMJS_SHA512}"
    target = os.path.join(modules, "memjs")
    with tempfile.TemporaryDirectory() as tmp:
        with tarfile.open(fileobj=io.BytesIO(tarball)) as archive:
            # Plain files and folders under package/ only (no links, no paths out of tmp).
            members = [m for m in archive.getmembers()
                       if (m.isfile() or m.isdir()) and m.name.startswith("package/")
                       and ".." not in m.name.split("/")]
            archive.extractall(tmp, members=members)
        shutil.rmtree(target, ignore_errors=True)
        os.makedirs(modules, exist_ok=True)
        shutil.move(os.path.join(tmp, "package"), target)
    return None


def memjs_loads(path):
    return subprocess.run(["node", "-e", "require('memjs')"], capture_output=True,
                          env={**os.environ, "NODE_PATH": path}).returncode == 0


def run(port, path, user="", password="", short=False):
    """The script's output; `short`: only its first step (memjs waits for ever on some requests
    after a refused authentication)."""
    result = subprocess.run(["node", "-e", SCRIPT, str(port), user, password,
                             "short" if short else ""],
                            capture_output=True, text=True, timeout=60,
                            env={**os.environ, "NODE_PATH": path})
    return result.stdout


def main():
    args = test_arguments()
    path = node_path(args.binary)
    if shutil.which("node") is None:
        print("SKIP: no Node.js (node) on PATH")
        return 0
    if not memjs_loads(path):
        problem = fetch_memjs(args.binary)
        if problem is not None or not memjs_loads(path):
            print(f"SKIP: Node.js cannot load memjs: {problem or 'unpacked, but it does not load'}")
            return 0
    if shutil.which("memcached") is None:
        print("SKIP: memcached not on PATH")
        return 0
    with memcached_oracle() as oracle:
        expected = run(oracle.port, path)
    if not expected.startswith("set true\nget "):
        print(f"FAIL: memjs against memcached itself:\n{expected}")
        return 1
    failures = 0
    with tempfile.TemporaryDirectory() as tmp:
        users = os.path.join(tmp, "users")
        with open(users, "w") as f:
            f.write("alice:secret\n")
        for mode in available_modes(args.binary, args.modes):
            for io in args.ios:
                label = f"{mode} x {io}"
                with MemkvServer(args.binary, ["--mode", mode, "--io", io, "-t", "2"]) as server:
                    plain = run(server.port, path)
                with MemkvServer(args.binary, ["--mode", mode, "--io", io, "-t", "2",
                                               "--auth-file", users]) as server:
                    sasl = run(server.port, path, "alice", "secret")
                    wrong = run(server.port, path, "alice", "wrong", short=True)
                ok = True
                for name, got in (("plain", plain), ("SASL", sasl)):
                    if got != expected:
                        ok = False
                        print(f"FAIL {label} {name}:\n  memcached: {expected!r}\n  memkv:     "
                              f"{got!r}")
                if "set true" in wrong or "authentication failed" not in wrong:
                    ok = False
                    print(f"FAIL {label}: a wrong password was not refused: {wrong!r}")
                failures += not ok
                if ok:
                    print(f"PASS {label}")
    print(f"{failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
