#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# A webcam, analysed live and shown in a window with the overlay.
#
#   pipelines/webcam.sh [options]
#     --source SRC     v4l2 (default: /dev/video0), v4l2:DEVICE,
#                      test (GStreamer's live test pattern: no faces), or a
#                      video FILE played at its frame rate like a camera
#     --out FILE|-     JSON lines (default: out/webcam.jsonl; - for stdout)
#     --mqtt HOST[:PORT]  publish to an MQTT broker instead (--topic TOPIC)
#     --display auto|none   window (default) or none (headless)
#     --duration S     stop after S seconds (default: until Ctrl-C or the
#                      window is closed)
#     --force          replace an existing --out file
#
# The pipeline after the source is the same for every --source: live, late
# frames dropped (and counted, in "dropped", except for the test pattern),
# overlay drawn, JSON lines written. A webcam
# that is unplugged is retried until it is back. Installs what is missing
# and builds first.
set -euo pipefail
. "$(dirname "$0")/lib/common.sh"

source=v4l2 out=out/webcam.jsonl mqtt= topic= display=auto duration= force=
while [ $# -gt 0 ]; do
  if fer_common_option "$@"; then shift "$fer_shift"; continue; fi
  case $1 in
    -h|--help) fer_help; exit 0 ;;
    --source) source=$2; shift ;;
    --display) display=$2; shift ;;
    *) echo "webcam: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done

fer_prepare
case $source in
  v4l2) src=(livesource uri=v4l2:///dev/video0 name=webcam) ;;
  v4l2:*) src=(livesource uri="v4l2://${source#v4l2:}" name=webcam) ;;
  test) src=(videotestsrc is-live=true pattern=ball ! video/x-raw,width=640,height=480,framerate=30/1 !
             queue leaky=downstream max-size-buffers=1 max-size-bytes=0 max-size-time=0) ;;
  *) src=(livesource uri="$(fer_uri "$source")" pace=true name=webcam) ;;
esac
case $display in
  auto) sink=(autovideosink sync=false) ;;
  none) sink=(fakesink sync=false) ;;
  *) echo "webcam: --display auto|none, not $display" >&2; exit 2 ;;
esac
fer_check_out

echo "webcam: $source -> ${mqtt:+mqtt://$mqtt}${mqtt:-$out}" >&2
fer_launch "${src[@]}" ! videoconvert ! facelandmarks ! emotionclassify ! \
  facemetapublish $(fer_publish_props webcam) ! videoconvert ! overlay ! \
  videoconvert ! "${sink[@]}"
