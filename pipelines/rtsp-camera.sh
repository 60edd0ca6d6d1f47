#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# An RTSP camera to JSON lines, with the overlaid video served again over
# RTSP for viewers.
#
#   pipelines/rtsp-camera.sh [options] rtsp://CAMERA/PATH
#     --out FILE|-       JSON lines (default: out/camera.jsonl; - for stdout)
#     --mqtt HOST[:PORT] publish to an MQTT broker instead of --out
#     --topic TOPIC      MQTT topic, {source} = --name (default: gst-fer/{source}/faces)
#     --name NAME        stream name in the metadata (default: camera)
#     --serve-port PORT  RTSP port of the overlaid video (default: 8554);
#                        watch it at rtsp://127.0.0.1:PORT/overlay
#     --serve-address A  address to serve on (default: 127.0.0.1; 0.0.0.0
#                        for other machines)
#     --duration S       stop after S seconds (default: until Ctrl-C)
#     --force            replace an existing --out file
#
# The camera is read by livesource: when it drops, the JSON lines get a
# source-lost line, it is retried with backoff and a source-restored line
# follows when it is back. Frames are dropped (and counted) rather than
# delayed when the analytics fall behind. Installs what is missing and
# builds first.
set -euo pipefail
. "$(dirname "$0")/lib/common.sh"

out=out/camera.jsonl mqtt= topic= name=camera serve_port=8554 serve_address=127.0.0.1
duration= force= input=
while [ $# -gt 0 ]; do
  if fer_common_option "$@"; then shift "$fer_shift"; continue; fi
  case $1 in
    -h|--help) fer_help; exit 0 ;;
    --name) name=$2; shift ;;
    --serve-port) serve_port=$2; shift ;;
    --serve-address) serve_address=$2; shift ;;
    -*) echo "rtsp-camera: unknown option $1 (see --help)" >&2; exit 2 ;;
    *) [ -z "$input" ] || { echo "rtsp-camera: one camera only (see multi-stream.sh)" >&2; exit 2; }
       input=$1 ;;
  esac
  shift
done
[ -n "$input" ] || { echo "rtsp-camera: no camera URI (see --help)" >&2; exit 2; }

fer_prepare
uri=$(fer_uri "$input")
fer_check_out

# The overlaid video goes as RTP over loopback UDP to fer-rtsp-server,
# which serves it to any number of viewers; nothing is encoded twice.
rtp_port=$(( 20000 + RANDOM % 20000 ))
rtp_caps="application/x-rtp,media=video,clock-rate=90000,encoding-name=H264,payload=96"
fer-rtsp-server --address "$serve_address" --port "$serve_port" --mount \
  "overlay=( udpsrc address=127.0.0.1 port=$rtp_port caps=\"$rtp_caps\" ! rtph264depay ! h264parse ! rtph264pay name=pay0 pt=96 config-interval=1 )" \
  > >(sed 's/^/rtsp-camera: /' >&2) &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null || true' EXIT
echo "rtsp-camera: $uri -> ${mqtt:+mqtt://$mqtt}${mqtt:-$out}; overlay at rtsp://$serve_address:$serve_port/overlay" >&2

# shellcheck disable=SC2046  # properties are words
fer_launch livesource uri="$uri" name="$name" ! videoconvert ! \
  facelandmarks ! emotionclassify ! facemetapublish $(fer_publish_props "$name") ! \
  videoconvert ! overlay ! videoconvert ! video/x-raw,format=I420 ! \
  x264enc tune=zerolatency speed-preset=ultrafast key-int-max=25 ! \
  rtph264pay pt=96 config-interval=1 ! udpsink host=127.0.0.1 port=$rtp_port sync=false async=false
