#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# E: regenerate tests/data/reference/mediapipe_multi_face/ (MediaPipe face_mesh,
# maxNumFaces 8, on multi-face stills). Runs the generator twice and stops
# unless the two runs are byte-identical. generate_all.sh calls this with
# --no-setup after it has fetched the packages and installed node_modules;
# run alone it does both first. Scratch files go to $WORK (/tmp/gst-fer-reference).
set -eu
HERE="$(cd "$(dirname "$0")" && pwd)"
REPO="$(cd "$HERE/../../.." && pwd)"
WORK="${WORK:-/tmp/gst-fer-reference}"
OUT="$REPO/tests/data/reference/mediapipe_multi_face"
PY=/usr/bin/python3

if [ "${1:-}" != "--no-setup" ]; then
    sh "$HERE/../fetch_packages.sh"
    sh "$HERE/../setup_node.sh"
fi
rm -rf "$WORK/multi_images" "$WORK/mf_multi_run1" "$WORK/mf_multi_run2"
mkdir -p "$WORK"
$PY "$HERE/decode_images.py" "$WORK/multi_images"
node "$HERE/run_multi_face.mjs" "$WORK/multi_images" "$WORK/mf_multi_run1"
node "$HERE/run_multi_face.mjs" "$WORK/multi_images" "$WORK/mf_multi_run2" >/dev/null
diff -r "$WORK/mf_multi_run1" "$WORK/mf_multi_run2"
echo "multi-face: two runs identical"
mkdir -p "$OUT"
rm -f "$OUT"/*.json
cp "$WORK"/mf_multi_run1/*.json "$OUT/"
