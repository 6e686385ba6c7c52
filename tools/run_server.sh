#!/usr/bin/env bash
# Builds memkv (release, -O2 -g) and starts it on its built-in defaults (127.0.0.1:11211).
# Extra arguments go to the server: tools/run_server.sh --mode dispatch -t 4
set -euo pipefail
cd "$(dirname "$0")/.."
tools/install_deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)" --target memkv
exec build/server/memkv "$@"
