#!/usr/bin/env python3
"""Turns memkv-engine-bench's JSON (--benchmark_out, with --benchmark_repetitions and its min and
max statistics) into the markdown table docs/memory.md quotes: a row per operation, key law and shard count, a column per
thread count with the median aggregate throughput (millions of operations per second of wall
time) over the repetitions and its min-max, and the median CPU time per operation.

Usage: tools/engine_bench/summarize.py engine.json
"""

import json
import re
import sys


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    with open(sys.argv[1]) as f:
        data = json.load(f)
    rows = {}
    for bench in data["benchmarks"]:
        if bench.get("run_type") != "aggregate":
            continue
        m = re.match(r"(\w+)/(\w+)/shards:(\d+)/real_time/threads:(\d+)", bench["run_name"])
        if not m:
            continue
        key = (m.group(1), m.group(2), int(m.group(3)), int(m.group(4)))
        rows.setdefault(key, {})[bench["aggregate_name"]] = bench
    context = data.get("context", {})
    print(f"{context.get('num_cpus', '?')} CPUs, load average at start "
          f"{context.get('load_avg', '?')}, {len(rows)} configurations")
    print()
    threads = sorted({k[3] for k in rows})
    print("| op | keys | shards | " + " | ".join(f"{t} thread{'s' if t > 1 else ''}"
                                              for t in threads) +
          " | CPU ns/op, " + " / ".join(f"{t}t" for t in threads) + " |")
    print("|----|------|--------|" + "---|" * len(threads) + "---|")
    for op, law, shards in sorted({k[:3] for k in rows}):
        cells = []
        cpu = []
        for t in threads:
            agg = rows.get((op, law, shards, t), {})
            if not {"median", "min", "max"} <= agg.keys():
                cells.append("-")
                cpu.append("-")
                continue
            rate = {n: agg[n]["items_per_second"] / 1e6 for n in ("median", "min", "max")}
            cells.append(f"{rate['median']:.2f} ({rate['min']:.2f}-{rate['max']:.2f})")
            cpu.append(f"{agg['median']['cpu_time']:.0f}")
        print(f"| {op} | {law} | {shards} | " + " | ".join(cells) + " | " + " / ".join(cpu) + " |")

if __name__ == "__main__":
    main()
