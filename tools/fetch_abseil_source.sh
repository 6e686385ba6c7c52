#!/usr/bin/env bash
# Unpacks the Debian source package of the installed libabsl-dev (the same version, with Debian's
# patches, so its headers are byte for byte the installed ones) into DEST, for the ThreadSanitizer
# build: Debian's Abseil libraries are not built with -fsanitize=thread, so TSan cannot see the
# absl::Mutex locks inside them and reports every access they guard as a race. CMakeLists.txt
# (MEMKV_TSAN) compiles the Abseil targets memkv links from this source, instrumented.
#
# Usage: tools/fetch_abseil_source.sh DEST   (tools/run_tests.sh uses build-tsan/abseil-src)
# Does nothing when DEST already holds the right version (tools/fetch_debian_source.sh).
set -euo pipefail
exec "$(dirname "$0")/fetch_debian_source.sh" abseil libabsl-dev "${1:?usage: $0 DEST}"
