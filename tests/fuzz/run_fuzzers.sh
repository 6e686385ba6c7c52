#!/usr/bin/env bash
# Builds memkv's libFuzzer targets with clang (in build-fuzz/, -DMEMKV_FUZZ=ON: libFuzzer,
# AddressSanitizer with leak detection, UndefinedBehaviorSanitizer) and runs each for a bounded
# time. Fails when any target finds a crash, a leak, a sanitizer report, a broken check or a hang.
# docs/reliability.md describes the targets.
#
# Usage: tests/fuzz/run_fuzzers.sh [--seconds N] [--jobs N] [target...]
#   --seconds N  how long each target runs (default 60)
#   --jobs N     how many targets run at once (default: the number of cores)
#   target       text_request_parser_fuzzer, meta_request_parser_fuzzer,
#                binary_request_parser_fuzzer, resp_request_parser_fuzzer,
#                request_pipeline_fuzzer (default: all five)
#
# What a target finds is kept in build-fuzz/corpus/<target>/, so the next run starts from there;
# the seeds in tests/fuzz/corpus/<target>/ are only read. A failing input is saved as
# build-fuzz/artifacts/<target>-crash-<sha1> (or leak-, timeout-, oom-) and its log is
# build-fuzz/logs/<target>.log; rerun the input alone with build-fuzz/tests/fuzz/<target> <file>.
set -euo pipefail
cd "$(dirname "$0")/../.."

seconds=60
jobs=$(nproc)
targets=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --seconds) seconds="$2"; shift 2 ;;
    --jobs) jobs="$2"; shift 2 ;;
    -*) echo "unknown option $1 (see the comment at the top of $0)" >&2; exit 2 ;;
    *) targets+=("$1"); shift ;;
  esac
done
[[ ${#targets[@]} -eq 0 ]] && targets=(text_request_parser_fuzzer meta_request_parser_fuzzer
  binary_request_parser_fuzzer resp_request_parser_fuzzer request_pipeline_fuzzer)

build=build-fuzz
# -O1 and no NDEBUG: the code's own assertions are checks too.
cmake -S . -B "$build" -DMEMKV_FUZZ=ON -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS=-O1 \
  -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ >/dev/null
cmake --build "$build" -j"$(nproc)" --target "${targets[@]}"
mkdir -p "$build/logs" "$build/artifacts"
cat tests/fuzz/text.dict tests/fuzz/meta.dict tests/fuzz/binary.dict tests/fuzz/resp.dict \
  >"$build/request_pipeline.dict"

# Stack traces with file and line (clang's own llvm-symbolizer, from the llvm package).
symbolizer=$(clang -print-prog-name=llvm-symbolizer)
[[ -x "$symbolizer" ]] && export ASAN_SYMBOLIZER_PATH="$symbolizer"
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

dictionary() {
  case "$1" in
    text_*) echo tests/fuzz/text.dict ;;
    meta_*) echo tests/fuzz/meta.dict ;;
    binary_*) echo tests/fuzz/binary.dict ;;
    resp_*) echo tests/fuzz/resp.dict ;;
    *) echo "$build/request_pipeline.dict" ;;
  esac
}

# -timeout: one input running 10 s is a hang (a run takes milliseconds).
run() {
  local target=$1
  mkdir -p "$build/corpus/$target"
  "$build/tests/fuzz/$target" "$build/corpus/$target" "tests/fuzz/corpus/$target" \
    -dict="$(dictionary "$target")" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$build/artifacts/$target-" \
    >"$build/logs/$target.log" 2>&1
}

# One line per target: its status and libFuzzer's last statistics.
report() {
  local target=$1 status=$2 log="$build/logs/$1.log"
  local stats execs
  stats=$(grep -oE 'cov: [0-9]+ ft: [0-9]+ corp: [0-9]+/[0-9]+[a-zA-Z]*' "$log" | tail -1 || true)
  execs=$(sed -n 's/^stat::number_of_executed_units: //p' "$log")
  if [[ $status -eq 0 ]]; then
    echo "ok    $target: ${execs:-?} runs, $stats"
  else
    echo "FAIL  $target (exit $status): see $log and $build/artifacts/"
    grep -E 'ERROR|fuzz check failed|runtime error|SUMMARY' "$log" | head -5 | sed 's/^/      /'
  fi
}

start=$SECONDS
declare -A target_of_pid=()
failed=0
wait_one() {
  local pid status=0
  wait -n -p pid || status=$?
  report "${target_of_pid[$pid]}" "$status"
  [[ $status -eq 0 ]] || failed=1
  unset "target_of_pid[$pid]"
}
for target in "${targets[@]}"; do
  [[ ${#target_of_pid[@]} -ge $jobs ]] && wait_one
  run "$target" &
  target_of_pid[$!]=$target
done
while [[ ${#target_of_pid[@]} -gt 0 ]]; do wait_one; done
echo "fuzzing took $((SECONDS - start)) s for ${#targets[@]} targets of ${seconds} s, ${jobs} at a time"
exit "$failed"
