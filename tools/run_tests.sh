#!/usr/bin/env bash
# Builds memkv and runs every test: first the layer check (tools/check_includes.py), then the
# release build, then the whole suite again under AddressSanitizer + UndefinedBehaviorSanitizer
# (any report fails the run), then each libFuzzer target of tests/fuzz/ for a bounded time in a
# clang build of its own (any crash, leak or sanitizer report fails the run; docs/reliability.md).
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

  echo "== fuzz targets: clang, libFuzzer + ASan + UBSan, ${MEMKV_FUZZ_SECONDS:-60} s each"
  tests/fuzz/run_fuzzers.sh --seconds "${MEMKV_FUZZ_SECONDS:-60}"
fi
