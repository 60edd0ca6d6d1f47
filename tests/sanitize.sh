#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The second step of tests/run.sh: the core, the plugin and the tests that
# finish quickly, built with AddressSanitizer + UndefinedBehaviorSanitizer
# (clang) in their own folder, and run; then every libFuzzer target for a
# bounded time. Any sanitizer report fails the step.
# There are no suppressions; docs/reliability.md says what is checked how.
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

# -O1: the sanitizers' recommended level, and a quicker build. The models
# are the normal build's, read and never converted again here.
cmake -S "$top" -B "$build" -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=Sanitize \
  -DCMAKE_CXX_FLAGS_SANITIZE="-O1 -g1" -DFER_FUZZ=ON -DFER_BUILD_BENCH=OFF \
  -DFER_BUILD_MODEL_DIR="$models" -DFER_MODELS_PREBUILT=ON \
  -DCMAKE_GTEST_DISCOVER_TESTS_DISCOVERY_MODE=PRE_TEST >/dev/null
# The tests below, the plugin they load and the fuzzers; not the tools.
unit_tests=(fer_core_tests fer_emotion_tests fer_face_analysis_tests)
element_tests=(fer_facelandmarks_element_tests fer_overlay_element_tests fer_facemetapublish_element_tests
               fer_waveletencode_element_tests fer_emotionclassify_element_tests fer_facemetapublish_mqtt_tests
               fer_multi_face_tests)
cmake --build "$build" -j"$(nproc)" --target gstfer fer_fuzzers fer_test_models "${unit_tests[@]}" \
  "${element_tests[@]}" fer_pipeline_tests

# LeakSanitizer on the core's tests, with no suppressions. In the GStreamer
# tests it cannot tell GLib's own allocations from ours (Debian's GLib has
# no frame pointers, so every stack stops in g_malloc, and GLib allocates
# for good when it loads); there GStreamer's own leaks tracer lists every
# GStreamer object still alive at gst_deinit (the test environment calls it)
# and any fails the run.
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
# The plugin is instrumented: scan it in this process (gst-plugin-scanner is
# not), into a registry of this build's own.
export GST_REGISTRY_FORK=no GST_REGISTRY=$build/gst-registry.bin
export GST_PLUGIN_PATH=$build/gst-plugin FER_MODEL_DIR=

status=0
run() {  # core|gst NAME BINARY [gtest args]: one test binary, its log kept
  local kind=$1 name=$2 bin=$3; shift 3
  local log=$build/$name.log start=$SECONDS ok=1
  if [ "$kind" = core ]; then
    ASAN_OPTIONS=abort_on_error=1:detect_leaks=1 "$bin" --gtest_brief=1 "$@" >"$log" 2>&1 || ok=0
  else
    ASAN_OPTIONS=abort_on_error=1:detect_leaks=0 GST_TRACERS=leaks GST_DEBUG=GST_TRACER:7 \
      "$bin" --gtest_brief=1 "$@" >"$log" 2>&1 || ok=0
    if grep -q "object-alive, type-name=(string)[A-Za-z]" "$log"; then
      echo "sanitize: $name left GStreamer objects alive:" >&2
      { grep -o "object-alive, type-name=(string)[A-Za-z][A-Za-z0-9]*" "$log" || true; } | sort | uniq -c >&2
      ok=0
    fi
  fi
  if [ $ok -eq 1 ]; then
    echo "sanitize: $name passed ($((SECONDS - start)) s)"
  else
    echo "sanitize: $name FAILED ($((SECONDS - start)) s); log: $log" >&2
    { grep -E -A30 "ERROR: (Address|Leak)Sanitizer|runtime error:|\[  FAILED  \]" "$log" || true; } |
      head -80 >&2 || true
    status=1
  fi
}
for t in "${unit_tests[@]}"; do run core "$t" "$build/tests/core/$t"; done
for t in "${element_tests[@]}"; do run gst "$t" "$build/tests/elements/$t"; done
# Short real pipelines: the damaged files read through livesource, and what
# decodes of them analysed by facelandmarks into facemetapublish.
run gst fer_pipeline_tests "$build/tests/pipelines/fer_pipeline_tests" --gtest_filter='FilePipeline.*_n'

(cd "$build" && ctest -R '^Fuzz\.' --output-on-failure) || status=1
FER_FUZZ_BUILD_DIR=$build FER_BUILD_MODEL_DIR=$models "$top/tests/fuzz/run.sh" --seconds "$seconds" || status=1
exit $status
