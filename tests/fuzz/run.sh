#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Runs the libFuzzer targets of a FER_FUZZ build (tests/sanitize.sh makes one).
#
#   tests/fuzz/run.sh [--seconds N] [FUZZER...]   fuzz each target for N s
#                                                 (default 30; all targets)
#   tests/fuzz/run.sh --regressions FUZZER        run its seeds and every
#                                                 input that once crashed it
#
# Seeds: tests/fuzz/corpus/<fuzzer>/ (committed), real files of the build
# (model sidecars, the canonical face model, the small test ONNX models, the
# labelled set's CSVs, .npz files numpy writes), and the crash inputs kept in
# tests/fuzz/regressions/<fuzzer>/. The corpus each run grows is kept in
# BUILD/fuzz/<fuzzer>.corpus, so a longer run (bench/fuzz.sh) goes on from
# there. A crash leaves BUILD/fuzz/<fuzzer>-crash-* and fails the run: copy it
# into tests/fuzz/regressions/<fuzzer>/ with the fix.
#
# Environment: FER_FUZZ_BUILD_DIR (default build-sanitize), FER_BUILD_MODEL_DIR
# (default: the fuzz build's model folder).
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${FER_FUZZ_BUILD_DIR:-$top/build-sanitize}
models=${FER_BUILD_MODEL_DIR:-$build/models}
here=$top/tests/fuzz
seconds=30
regressions=0
fuzzers=()
while [ $# -gt 0 ]; do
  case $1 in
    --seconds) seconds=$2; shift 2 ;;
    --regressions) regressions=1; shift ;;
    -*) echo "usage: $0 [--seconds N | --regressions] [FUZZER...]" >&2; exit 2 ;;
    *) fuzzers+=("$1"); shift ;;
  esac
done
if [ ${#fuzzers[@]} -eq 0 ]; then
  for f in "$here"/fuzz_*.cpp; do fuzzers+=("$(basename "$f" .cpp)"); done
fi

export ASAN_OPTIONS=abort_on_error=1
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

# Real files of the project the fuzzer's input format is, into DIR.
real_seeds() {
  local fuzzer=$1 dir=$2
  case $fuzzer in
    fuzz_emotion_sidecar) cp "$models"/*.onnx.json "$build"/tests/models/*.json "$dir"/ 2>/dev/null || true ;;
    fuzz_canonical_face) cp "$models"/*.binarypb "$dir"/ ;;
    fuzz_onnx_shape)
      if [ -d "$build/tests/models" ]; then
        find "$build/tests/models" -name '*.onnx' -size -64k -exec cp {} "$dir"/ \;
      fi ;;
    fuzz_dataset_csv | fuzz_eval_labels) cp "$top"/tests/data/eval/*.csv "$dir"/ ;;
    fuzz_npz)
      /usr/bin/python3 - "$dir" <<'PY'
import sys, numpy as np
d = sys.argv[1]
np.savez(f"{d}/plain.npz", landmarks=np.arange(12, dtype="<f4").reshape(2, 2, 3),
         label=np.array([1, 3], dtype="<i8"), path=np.array(["a.mp4", "b/ü.mp4"]))
np.savez_compressed(f"{d}/deflated.npz", frames=np.array([5, 0], dtype="<i4"), scalar=np.float32(2.5))
PY
      ;;
  esac
}

status=0
mkdir -p "$build/fuzz"
for fuzzer in "${fuzzers[@]}"; do
  bin=$build/fuzz/$fuzzer
  [ -x "$bin" ] || { echo "fuzz: $bin is not built (tests/sanitize.sh builds it)" >&2; exit 1; }
  seeds=$build/fuzz/$fuzzer.seeds
  rm -rf "$seeds"
  mkdir -p "$seeds"
  [ -d "$here/corpus/$fuzzer" ] && cp "$here/corpus/$fuzzer"/* "$seeds"/
  real_seeds "$fuzzer" "$seeds"
  # GLib interns each new field name as a quark for the life of the process,
  # and its stacks stop in GLib (no frame pointers): no leak check there.
  leaks=1
  [ "$fuzzer" = fuzz_source_event ] && leaks=0
  inputs=("$seeds")
  [ -d "$here/regressions/$fuzzer" ] && inputs+=("$here/regressions/$fuzzer")
  if [ $regressions -eq 1 ]; then
    ASAN_OPTIONS=$ASAN_OPTIONS:detect_leaks=$leaks "$bin" -runs=0 -detect_leaks=$leaks \
      -artifact_prefix="$build/fuzz/$fuzzer-" "${inputs[@]}" || status=1
    continue
  fi
  corpus=$build/fuzz/$fuzzer.corpus
  mkdir -p "$corpus"
  echo "fuzz: $fuzzer for $seconds s"
  if ! ASAN_OPTIONS=$ASAN_OPTIONS:detect_leaks=$leaks "$bin" "$corpus" "${inputs[@]}" \
      -max_total_time="$seconds" -detect_leaks=$leaks -timeout=10 -rss_limit_mb=2048 \
      -max_len=65536 -print_final_stats=1 -artifact_prefix="$build/fuzz/$fuzzer-" \
      >"$build/fuzz/$fuzzer.log" 2>&1; then
    echo "fuzz: $fuzzer FAILED; its log: $build/fuzz/$fuzzer.log; the input: $(ls "$build/fuzz/$fuzzer"-* 2>/dev/null | head -1)" >&2
    tail -40 "$build/fuzz/$fuzzer.log" >&2
    status=1
    continue
  fi
  { grep -E "^stat::number_of_executed_units|^stat::peak_rss_mb" "$build/fuzz/$fuzzer.log" || true; } | tr '\n' ' '
  echo "corpus: $(ls "$corpus" | wc -l) inputs"
done
exit $status
