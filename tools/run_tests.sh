#!/usr/bin/env bash
# Builds memkv and runs every test: first the layer check (tools/check_includes.py), then the
# release build, then the whole suite again under AddressSanitizer + UndefinedBehaviorSanitizer
# (any report fails the run).
# --fast skips the sanitizer pass.
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
fi
