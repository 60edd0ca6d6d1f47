#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The second step of tests/run.sh: the core, the plugin and the tests that
# finish quickly, built with AddressSanitizer + UndefinedBehaviorSanitizer
# (clang) in their own folder, and run; then every libFuzzer target for a
# bounded time. Any sanitizer report fails the step; suppressions
# (tests/sanitizers/) are for GLib/GStreamer/OpenCV-internal reports only.
#
#   tests/sanitize.sh
#
# Environment: SANITIZE_BUILD_DIR (default build-sanitize), BUILD_DIR (the
# normal build, whose converted models are shared; default build),
# FER_FUZZ_SECONDS (per fuzzer, default 30).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=${SANITIZE_BUILD_DIR:-$top/build-sanitize}
models=${BUILD_DIR:-$top/build}/models
seconds=${FER_FUZZ_SECONDS:-30}
[ -f "$models/SHA256SUMS" ] || { echo "sanitize: no models in $models (run tools/setup.sh first)" >&2; exit 1; }

if [ ! -f "$build/CMakeCache.txt" ]; then
  # -O1: the sanitizers' recommended level, and a quicker build.
  cmake -S "$top" -B "$build" -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=Sanitize \
    -DCMAKE_CXX_FLAGS_SANITIZE="-O1 -g1" -DFER_FUZZ=ON -DFER_BUILD_BENCH=OFF \
    -DFER_BUILD_MODEL_DIR="$models" -DCMAKE_GTEST_DISCOVER_TESTS_DISCOVERY_MODE=PRE_TEST >/dev/null
fi
# The tests below, the plugin they load and the fuzzers; not the tools.
unit_tests=(fer_core_tests fer_emotion_tests fer_face_analysis_tests)
element_tests=(fer_facelandmarks_element_tests fer_overlay_element_tests fer_facemetapublish_element_tests
               fer_waveletencode_element_tests fer_emotionclassify_element_tests fer_facemetapublish_mqtt_tests)
cmake --build "$build" -j"$(nproc)" --target gstfer fer_fuzzers fer_test_models "${unit_tests[@]}" \
  "${element_tests[@]}" fer_pipeline_tests

export ASAN_OPTIONS=abort_on_error=1:detect_leaks=1:strict_string_checks=1
export LSAN_OPTIONS=suppressions=$top/tests/sanitizers/lsan.supp:print_suppressions=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
# The plugin is instrumented: scan it in this process (gst-plugin-scanner is
# not), into a registry of this build's own.
export GST_REGISTRY_FORK=no GST_REGISTRY=$build/gst-registry.bin
export GST_PLUGIN_PATH=$build/gst-plugin FER_MODEL_DIR=

status=0
run() {  # NAME BINARY [gtest args]: one test binary, its log kept
  local name=$1 bin=$2; shift 2
  local start=$SECONDS
  if "$bin" --gtest_brief=1 "$@" >"$build/$name.log" 2>&1; then
    echo "sanitize: $name passed ($((SECONDS - start)) s)"
  else
    echo "sanitize: $name FAILED ($((SECONDS - start)) s); log: $build/$name.log" >&2
    grep -E -A30 "ERROR: (Address|Leak)Sanitizer|runtime error:|\[  FAILED  \]" "$build/$name.log" | head -80 >&2
    status=1
  fi
}
for t in "${unit_tests[@]}"; do run "$t" "$build/tests/core/$t"; done
for t in "${element_tests[@]}"; do run "$t" "$build/tests/elements/$t"; done
# A short real pipeline, and the damaged files read through livesource.
run fer_pipeline_tests "$build/tests/pipelines/fer_pipeline_tests" \
  --gtest_filter='FilePipeline.*_n:FilePipeline.Cap12WholeClipWithOcclusion'

(cd "$build" && ctest -R '^Fuzz\.' --output-on-failure) || status=1
FER_FUZZ_BUILD_DIR=$build FER_BUILD_MODEL_DIR=$models "$top/tests/fuzz/run.sh" --seconds "$seconds" || status=1
exit $status
