#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Long fuzzing runs (CI gives each target 30 s): every libFuzzer target, or
# the ones named, for SECONDS each (default 600), going on from the corpus
# earlier runs grew in build-sanitize/fuzz/. A crash fails the run and
# leaves its input beside the corpus (tests/fuzz/run.sh says where).
#
#   bench/fuzz.sh [SECONDS [FUZZER...]]
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
seconds=${1:-600}
[ $# -gt 0 ] && shift
build=${SANITIZE_BUILD_DIR:-$top/build-sanitize}
if [ ! -f "$build/CMakeCache.txt" ]; then
  echo "bench/fuzz.sh: no sanitizer build in $build; tests/sanitize.sh makes it" >&2
  exit 1
fi
cmake --build "$build" -j"$(nproc)" --target fer_fuzzers
FER_FUZZ_BUILD_DIR=$build FER_BUILD_MODEL_DIR=${BUILD_DIR:-$top/build}/models \
  exec "$top/tests/fuzz/run.sh" --seconds "$seconds" "$@"
