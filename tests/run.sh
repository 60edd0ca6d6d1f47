#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Runs every test of gst-fer, installing and building what is missing first:
# the ctest suite of the build, then (without arguments) the sanitizer build
# and the fuzzers of tests/sanitize.sh.
#   tests/run.sh [ctest arguments, e.g. -R Fidelity]
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
"$top/tools/setup.sh" --tests
build=${BUILD_DIR:-$top/build}
status=0
(cd "$build" && ctest --output-on-failure --timeout 900 "$@") || status=1
# Second step, with no ctest arguments only: the sanitizer build and the
# fuzzers (tests/sanitize.sh; FER_SKIP_SANITIZE=1 skips it).
if [ $# -eq 0 ] && [ "${FER_SKIP_SANITIZE:-0}" != 1 ]; then
  "$top/tests/sanitize.sh" || status=1
fi
exit $status
