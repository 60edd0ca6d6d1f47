#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Regenerate every reference file under tests/data/reference/ (A: MediaPipe
# face_mesh landmarks, A2: its face geometry, B: BlazeFace raw outputs, D: the
# emotion models under TensorFlow.js, E: MediaPipe face_mesh on multi-face
# stills) and check run-to-run identity by running
# each generator twice. Needs Debian
# packages chromium, python3-opencv, python3-skimage, python-matplotlib-data,
# nodejs/npm, and the npm registry. Everything installed goes to
# $FER_CACHE_DIR (~/.cache/gst-fer) and $WORK (/tmp/gst-fer-reference); only
# tests/data/reference/ is written in the repo.
set -eu
HERE="$(cd "$(dirname "$0")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
WORK="${WORK:-/tmp/gst-fer-reference}"
OUT="$REPO/tests/data/reference"
PY=/usr/bin/python3

sh "$HERE/fetch_packages.sh"
sh "$HERE/setup_node.sh"
rm -rf "$WORK" && mkdir -p "$WORK"

echo "== A: MediaPipe face_mesh landmarks"
$PY "$HERE/decode_images.py" "$WORK/images"
node "$HERE/mediapipe_face_mesh/run_face_mesh.mjs" "$WORK/images" "$WORK/fm_run1"
node "$HERE/mediapipe_face_mesh/run_face_mesh.mjs" "$WORK/images" "$WORK/fm_run2"
diff -r "$WORK/fm_run1" "$WORK/fm_run2"
echo "face_mesh: two runs identical"
mkdir -p "$OUT/mediapipe_face_mesh"
cp "$WORK"/fm_run1/*.json "$OUT/mediapipe_face_mesh/"

echo "== A2: MediaPipe face geometry (pose transform matrix)"
node "$HERE/mediapipe_face_mesh/run_face_mesh.mjs" "$WORK/images" "$WORK/fg_run1" --geometry
node "$HERE/mediapipe_face_mesh/run_face_mesh.mjs" "$WORK/images" "$WORK/fg_run2" --geometry
diff -r "$WORK/fg_run1" "$WORK/fg_run2"
echo "face geometry: two runs identical"
mkdir -p "$OUT/mediapipe_face_geometry"
cp "$WORK"/fg_run1/*.json "$OUT/mediapipe_face_geometry/"

echo "== B: BlazeFace raw outputs (@litertjs/core)"
mkdir -p "$OUT/blazeface"
$PY "$HERE/blazeface/make_inputs.py" "$OUT/blazeface" "$WORK/blazeface"
node "$HERE/blazeface/run_blazeface.mjs" "$WORK/blazeface" "$WORK/bf_run1" 2>"$WORK/bf_run1.log"
node "$HERE/blazeface/run_blazeface.mjs" "$WORK/blazeface" "$WORK/bf_run2" 2>"$WORK/bf_run2.log"
diff -r "$WORK/bf_run1" "$WORK/bf_run2"
echo "blazeface: two runs identical"
cp "$WORK"/bf_run1/* "$OUT/blazeface/"

echo "== C: attention model under @litertjs/core (informational)"
node "$HERE/litert_attention_check.mjs" 2>&1 | grep -E '^@litertjs|custom op' || true

echo "== D: emotion models (tfjs in node)"
mkdir -p "$OUT/emotion"
$PY "$HERE/emotion/make_inputs.py" "$OUT/emotion" "$WORK/emotion"
node "$HERE/emotion/run_emotion.mjs" "$WORK/emotion" "$WORK/emo_run1" 2>"$WORK/emo_run1.log"
node "$HERE/emotion/run_emotion.mjs" "$WORK/emotion" "$WORK/emo_run2" 2>"$WORK/emo_run2.log"
diff -r "$WORK/emo_run1" "$WORK/emo_run2"
echo "emotion: two runs identical"
cp "$WORK"/emo_run1/* "$OUT/emotion/"

echo "== E: MediaPipe face_mesh on multi-face stills (maxNumFaces 8)"
sh "$HERE/mediapipe_multi_face/generate.sh" --no-setup
echo "done: $OUT"
