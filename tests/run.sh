#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Runs every test of gst-fer, installing and building what is missing first.
#   tests/run.sh [ctest arguments, e.g. -R Fidelity]
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
"$top/tools/setup.sh" --tests
build=${BUILD_DIR:-$top/build}
cd "$build"
ctest --output-on-failure --timeout 900 "$@"
