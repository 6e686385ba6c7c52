#!/usr/bin/env bash
# Builds memkv and runs every test: first the layer check (tools/check_includes.py), then the
# release build, then the whole suite again under AddressSanitizer + UndefinedBehaviorSanitizer,
# then the tests labelled "threads" under ThreadSanitizer over an Abseil compiled from Debian's
# source with it, then each libFuzzer target of tests/fuzz/ for a bounded time in a clang build of
# its own. Any sanitizer report, crash or leak fails the run (docs/reliability.md).
# --fast skips the sanitizer and fuzzing passes. MEMKV_FUZZ_SECONDS sets the seconds per fuzz
# target (default 60; the four run two at a time on two cores: about 3 minutes with the build).
set -euo pipefail
cd "$(dirname "$0")/.."
tools/install_deps.sh
jobs=$(nproc)

echo "== layers: no upward include, no include cycle"
python3 tools/check_includes.py

echo "== release build and tests"
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$jobs"
ctest --test-dir build --output-on-failure -j"$jobs"

if [[ "${1:-}" != "--fast" ]]; then
  echo "== AddressSanitizer + UndefinedBehaviorSanitizer build and tests"
  cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DMEMKV_SANITIZE=ON \
    -DCMAKE_CXX_FLAGS="-O1" >/dev/null
  cmake --build build-asan -j"$jobs"
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest --test-dir build-asan --output-on-failure -j"$jobs" -LE no-sanitizer

  echo "== ThreadSanitizer build (Abseil from Debian's source, instrumented) and the threads tests"
  tools/fetch_abseil_source.sh build-tsan/abseil-src
  cmake -S . -B build-tsan -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS="-O1" -DMEMKV_TSAN=ON \
    -DMEMKV_ABSL_SOURCE="$PWD/build-tsan/abseil-src" >/dev/null
  cmake --build build-tsan -j"$jobs" --target memkv memkv_thread_tests
  # Every process writes its reports to a file of its own, the servers the tests start included
  # (their stderr is not the test's): any file there fails the pass, whatever ctest says.
  # tools/tsan_suppressions.txt: one false positive inside Abseil's Mutex, with its reason.
  reports=$PWD/build-tsan/tsan-reports
  rm -rf "$reports" && mkdir -p "$reports"
  tsan_status=0
  TSAN_OPTIONS="log_path=$reports/report second_deadlock_stack=1 \
suppressions=$PWD/tools/tsan_suppressions.txt" \
    ctest --test-dir build-tsan --output-on-failure -j"$jobs" -L threads || tsan_status=$?
  if compgen -G "$reports/report*" >/dev/null; then
    cat "$reports"/report* | head -300
    echo "ThreadSanitizer: $(ls "$reports" | wc -l) process(es) reported; the reports: $reports"
    tsan_status=1
  fi
  [[ $tsan_status -eq 0 ]] || exit "$tsan_status"

  echo "== fuzz targets: clang, libFuzzer + ASan + UBSan, ${MEMKV_FUZZ_SECONDS:-60} s each"
  tests/fuzz/run_fuzzers.sh --seconds "${MEMKV_FUZZ_SECONDS:-60}"
fi
