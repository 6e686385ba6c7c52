"""docs/compatibility.md's command coverage table is what memkv and redis-server answer now.

tools/command_coverage.py builds the table from the COMMAND DOCS of a live redis-server and a live
memkv; this test builds it again and compares it with the one in the doc, so a command added to
or removed from memkv without the doc fails here. Fix: rerun the tool with --write.
"""

import os
import sys

from memkv_server import test_arguments

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
sys.path.insert(0, os.path.join(ROOT, "tools"))
import command_coverage  # noqa: E402


def main():
    args = test_arguments()
    fresh = command_coverage.build(args.binary)
    with open(os.path.join(ROOT, "docs", "compatibility.md")) as f:
        doc = f.read()
    recorded = doc.split(command_coverage.BEGIN + "\n", 1)[1].split(command_coverage.END, 1)[0]
    if recorded != fresh:
        print("FAIL docs/compatibility.md's table differs from the servers' answers; rerun\n"
              "  python3 tools/command_coverage.py --binary <memkv> --write docs/compatibility.md")
        for old, new in zip(recorded.splitlines(), fresh.splitlines()):
            if old != new:
                print(f"  doc:    {old}\n  now:    {new}")
        return 1
    print(f"OK: {len(recorded.splitlines()) - 3} commands, the doc matches")
    return 0


if __name__ == "__main__":
    sys.exit(main())
