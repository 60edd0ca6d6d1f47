#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# fer-eval's throughput on the project's labelled set (docs/performance.md),
# against the same analytics run by gst-launch-1.0 in the same script:
#   a) fer-eval over build/eval-set/videos.csv (decodes each video up to its
#      last labelled frame; --jobs 2): decoded frames per second
#   b) gst-launch-1.0 filesrc ! decodebin ! videoconvert ! facelandmarks !
#      emotionclassify ! fakesink over the same three videos, two at a time
#      (as --jobs 2): frames per second
#   c) fer-eval over the 21 labelled stills repeated 10 times (--jobs 2):
#      stills per second
# Each once to warm up, then RUNS times; prints medians as a Markdown table.
#
#   bench/fer-eval.sh [-n RUNS]      (default 3)
#
# Environment: BUILD_DIR (default: build).
set -euo pipefail
runs=3
while getopts "n:h" opt; do
  case $opt in
    n) runs=$OPTARG ;;
    *) sed -n '3,17p' "$0"; exit 2 ;;
  esac
done
[[ $runs =~ ^[1-9][0-9]*$ ]] || { echo "fer-eval.sh: -n needs a positive integer" >&2; exit 2; }
top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$top/build}
set_dir=$build/eval-set
[ -f "$set_dir/videos.csv" ] || { echo "fer-eval.sh: no $set_dir: run tools/setup.sh --tests" >&2; exit 1; }
export GST_PLUGIN_PATH=$build/gst-plugin
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The stills, ten times over (absolute paths).
echo "path,label" > "$tmp/stills.csv"
for _ in $(seq 10); do
  tail -n +2 "$set_dir/stills.csv" | sed "s|^|$set_dir/|" >> "$tmp/stills.csv"
done
stills=$(( $(wc -l < "$tmp/stills.csv") - 1 ))

# Frames fer-eval decodes: each video up to its last labelled frame.
declare -A last
while IFS=, read -r path _ end _; do
  [ "$path" = path ] && continue
  (( end > ${last[$path]:--1} )) && last[$path]=$end
done < "$set_dir/videos.csv"
decoded=0
for p in "${!last[@]}"; do decoded=$(( decoded + ${last[$p]} + 1 )); done
videos=("${!last[@]}")

# The gst-launch peer: the same videos, whole, two processes at a time.
peer_frames=0
for p in "${videos[@]}"; do
  n=$(gst-discoverer-1.0 -v "$set_dir/$p" | sed -n 's/.*frame count: //p' | head -1)
  [ -n "$n" ] || n=$(( ${last[$p]} + 1 ))
  peer_frames=$(( peer_frames + n ))
done
peer() {
  printf '%s\n' "${videos[@]}" | xargs -P 2 -I{} gst-launch-1.0 -q filesrc location="$set_dir/{}" ! decodebin ! \
    videoconvert ! facelandmarks ! emotionclassify ! fakesink sync=false > /dev/null
}

seconds() {  # seconds a command takes
  local t0 t1
  t0=$(date +%s.%N)
  "$@" > /dev/null 2>&1
  t1=$(date +%s.%N)
  awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f\n", b - a }'
}
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

measure() {  # name, command...: warm-up, then RUNS timed runs; prints the median
  local name=$1; shift
  "$@" > /dev/null 2>&1 || { echo "fer-eval.sh: $name failed: $*" >&2; exit 1; }
  local times=()
  for _ in $(seq "$runs"); do times+=("$(seconds "$@")"); done
  median "${times[@]}"
}

a=$(measure "fer-eval videos" "$build/bin/fer-eval" "$set_dir/videos.csv" --out "$tmp/a" --force --jobs 2)
b=$(measure "gst-launch peer" peer)
c=$(measure "fer-eval stills" "$build/bin/fer-eval" "$tmp/stills.csv" --out "$tmp/c" --force --jobs 2)

echo "Machine: $(nproc) cores, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1); median of $runs runs after a warm-up"
echo
echo "| run | work | median s | rate |"
echo "|---|---|---|---|"
awk -v n="$decoded" -v a="$a" -v p="$peer_frames" -v b="$b" -v s="$stills" -v c="$c" 'BEGIN {
  printf "| a) fer-eval, videos.csv, --jobs 2 | %d frames decoded and analysed | %.1f | %.1f frames/s |\n", n, a, n / a
  printf "| b) gst-launch-1.0 facelandmarks ! emotionclassify, same videos, 2 at a time | %d frames | %.1f | %.1f frames/s |\n", p, b, p / b
  printf "| c) fer-eval, stills, --jobs 2 | %d stills | %.2f | %.1f stills/s |\n\n", s, c, s / c
  printf "a / b (frames/s): %.2f\n", (n / a) / (p / b)
}'
