#!/usr/bin/env python3
"""Refuses an include that points up the layers, or a cycle of includes.

The layers (README "Layout", docs/architectures.md) and what each may include of the project:

  protocol/            protocol/ only (protocol/memcache/ and protocol/resp/ not each other)
  storage/             storage/ only
  server/tls/          server/tls/ only: TLS over memory buffers, no socket
  server/loop/         server/loop/, server/tls/: it moves bytes and knows no request
  server/exec/         server/exec/, protocol/, storage/: it knows no socket and no thread
  server/conn/         server/conn/, server/exec/, server/loop/, server/tls/, protocol/, storage/
  server/frontend/     server/frontend/, server/conn/, server/exec/, server/loop/, server/tls/,
                       protocol/, storage/
  server/ (top level)  everything above
  tools/engine_bench/  tools/, protocol/, storage/: it measures the engine alone
  tools/               tools/, protocol/
  tests/               everything

CMake enforces the same rules where it can (each library sees only the headers of the libraries
it links); this check also covers headers that no compiled file happens to include, and cycles,
which the compiler accepts behind include guards. Exits 1 with one line per violation.

Usage: tools/check_includes.py [repository root]
"""

import re
import sys
from pathlib import Path

# Most specific folder first: a file belongs to the first prefix it starts with. "x/" allows
# everything below x/, "x/*" only the files directly in x/ (protocol/'s shared files, not the
# other dialect's folder).
ALLOWED = [
    ("protocol/memcache/", ["protocol/memcache/", "protocol/*"]),
    ("protocol/resp/", ["protocol/resp/", "protocol/*"]),
    ("protocol/", ["protocol/*"]),
    ("storage/", ["storage/"]),
    ("server/tls/", ["server/tls/"]),
    ("server/loop/", ["server/loop/", "server/tls/"]),
    ("server/exec/", ["server/exec/", "protocol/", "storage/"]),
    ("server/conn/", ["server/conn/", "server/exec/", "server/loop/", "server/tls/", "protocol/",
                      "storage/"]),
    ("server/frontend/", ["server/frontend/", "server/conn/", "server/exec/", "server/loop/",
                          "server/tls/", "protocol/", "storage/"]),
    ("server/", ["server/", "protocol/", "storage/"]),
    ("tools/engine_bench/", ["tools/", "protocol/", "storage/"]),
    ("tools/", ["tools/", "protocol/"]),
]
SOURCE_DIRS = ["protocol", "storage", "server", "tools", "tests"]
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.MULTILINE)


def layer_of(path):
    for prefix, allowed in ALLOWED:
        if path.startswith(prefix):
            return prefix, allowed
    return None, None


def allowed_include(path, target):
    prefix, allowed = layer_of(path)
    if prefix is None:
        return True  # tests/ and anything else may include everything
    for folder in allowed:
        if folder.endswith("/*"):
            base = folder[:-1]
            if target.startswith(base) and "/" not in target[len(base):]:
                return True
        elif target.startswith(folder):
            return True
    return False


def main():
    root = Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).resolve().parent.parent)
    files = {}
    for top in SOURCE_DIRS:
        for p in sorted((root / top).rglob("*")):
            if p.suffix in (".h", ".cc") and p.is_file():
                files[p.relative_to(root).as_posix()] = p.read_text(encoding="utf-8")
    problems = []
    graph = {}
    for path, text in files.items():
        for target in INCLUDE.findall(text):
            if target not in files:
                continue  # a system or third-party header spelled with quotes, or a test helper
            if not allowed_include(path, target):
                problems.append(f"{path}: includes {target}, which its layer may not use")
            # A header and its .cc are one unit: a.cc including b.h while b.h includes a.h is a
            # cycle between a and b even though no header includes itself.
            source, included = path.rsplit(".", 1)[0], target.rsplit(".", 1)[0]
            if source != included:
                graph.setdefault(source, []).append(included)
    problems += find_cycles(graph)
    for line in problems:
        print(line)
    if problems:
        print(f"check_includes: {len(problems)} problem(s)", file=sys.stderr)
        return 1
    print(f"check_includes: {len(files)} files, no upward include, no include cycle")
    return 0


def find_cycles(graph):
    """Cycles between units (a header with its .cc), from a depth-first search; each back edge
    found is reported once."""
    state = {}
    problems = []
    for start in sorted(graph):
        if state.get(start):
            continue
        stack = [(start, iter(graph.get(start, [])))]
        path = [start]
        state[start] = 1
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                state[node] = 2
                stack.pop()
                path.pop()
                continue
            if state.get(child) == 1:
                cycle = path[path.index(child):] + [child]
                problems.append("include cycle: " + " -> ".join(cycle))
            elif not state.get(child):
                state[child] = 1
                stack.append((child, iter(graph.get(child, []))))
                path.append(child)
    return problems


if __name__ == "__main__":
    sys.exit(main())
