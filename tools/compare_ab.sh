#!/usr/bin/env bash
# A/B of two memkv commits on this machine: builds both, then runs `tools/compare --quick`
# against each in turn, A B A B ..., and prints each mode's throughput ratio to memcached for
# both sides and their quotient (B/A). memcached runs in every compare, so it is the common
# reference that cancels the machine's drift between runs.
#
# Usage: tools/compare_ab.sh A_REV [B_REV (default: the working tree)] [ROUNDS (default 2)]
#                            [-- more tools/compare flags]
# Examples:
#   tools/compare_ab.sh 1155b07        # issue 11's before/after check
#   tools/compare_ab.sh 1155b07 "" 3 -- --workloads small-c64 --duration 3
set -euo pipefail
cd "$(dirname "$0")/.."
a_rev=$1
b_rev=${2:-}
rounds=${3:-2}
shift $(($# < 3 ? $# : 3))
[[ ${1:-} == -- ]] && shift
extra=("$@")
out=bench-results/ab-$(date +%Y%m%d-%H%M%S)
mkdir -p "$out"

# Builds memkv at a revision (or the working tree) into $2; memkv-bench always from the working
# tree, so that both sides are driven by the same client.
build_rev() {
  local rev=$1 dir=$2 src=.
  if [[ -n $rev ]]; then
    src=$out/src-$rev
    git worktree add --detach -f "$src" "$rev" >/dev/null
  fi
  cmake -S "$src" -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  cmake --build "$dir" -j"$(nproc)" --target memkv >/dev/null
  if [[ -n $rev ]]; then git worktree remove --force "$src"; fi
}

build_rev "$a_rev" "$out/build-a"
build_rev "$b_rev" "$out/build-b"
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)" --target memkv-bench >/dev/null
for side in a b; do
  mkdir -p "$out/build-$side/tools"
  cp build/tools/memkv-bench "$out/build-$side/tools/"
done

for round in $(seq "$rounds"); do
  for side in a b; do
    tools/compare --quick --no-build --no-redis --build-dir "$PWD/$out/build-$side" \
      --out "$out/$round-$side" "${extra[@]}" >"$out/$round-$side.log" 2>&1
  done
done

python3 - "$out" <<'PY'
import glob, re, statistics, sys
out = sys.argv[1]
ratios = {}
for path in sorted(glob.glob(f"{out}/*-[ab]/results.md")):
    side = path.split("/")[-2].split("-")[1]
    for section in re.split(r"\n## ", open(path).read())[1:]:
        workload = section.split("\n", 1)[0].strip()
        for m in re.finditer(r"^\| ([a-z]+/[a-z]+) \| \d+ \| ([\d.]+) \|", section, re.M):
            ratios.setdefault((workload, m.group(1)), {"a": [], "b": []})[side].append(float(m.group(2)))
print(f"{'workload':14} {'mode':16} {'A vs memcached':>15} {'B vs memcached':>15} {'B/A':>6}")
quotients = {}
for (workload, mode), r in sorted(ratios.items()):
    if not r["a"] or not r["b"]:
        continue
    a, b = statistics.mean(r["a"]), statistics.mean(r["b"])
    quotients.setdefault(workload, []).append(b / a)
    print(f"{workload:14} {mode:16} {a:15.2f} {b:15.2f} {b / a:6.2f}")
for workload, q in quotients.items():
    print(f"{workload}: geometric mean of B/A over the modes {statistics.geometric_mean(q):.3f}")
PY
echo "results in $out"
