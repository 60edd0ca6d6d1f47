#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Several cameras or files in one process, one JSON lines stream.
#
#   pipelines/multi-stream.sh [options] INPUT...
#     INPUT            a video file or a URI (rtsp://, http://, v4l2://...);
#                      stream i is named cam<i> (or --names)
#     --out FILE|-     JSON lines of every stream (default: out/multi.jsonl;
#                      - for standard output); each line has "source"
#     --mqtt HOST[:PORT]  publish to an MQTT broker instead of --out
#     --topic TOPIC    MQTT topic, {source} = stream name (default:
#                      gst-fer/{source}/faces)
#     --names A,B,...  stream names instead of cam0, cam1, ...
#     --pace           play files at their frame rate, as cameras would
#                      (frames are then dropped when the analytics fall behind)
#     --duration S     stop after S seconds (cameras run until Ctrl-C)
#     --force          replace an existing --out file
#
# Each stream: livesource (reconnects lost cameras, drops late frames) !
# facelandmarks ! emotionclassify ! facemetapublish; track ids are per
# stream. Progress: one line per stream every 5 s; at the end, frames and
# faces per stream. Installs what is missing and builds first.
set -euo pipefail
. "$(dirname "$0")/lib/common.sh"

out=out/multi.jsonl mqtt= topic= names= pace=false duration= force=
inputs=()
while [ $# -gt 0 ]; do
  if fer_common_option "$@"; then shift "$fer_shift"; continue; fi
  case $1 in
    -h|--help) fer_help; exit 0 ;;
    --names) names=$2; shift ;;
    --pace) pace=true ;;
    -*) echo "multi-stream: unknown option $1 (see --help)" >&2; exit 2 ;;
    *) inputs+=("$1") ;;
  esac
  shift
done
[ ${#inputs[@]} -gt 0 ] || { echo "multi-stream: no INPUT (see --help)" >&2; exit 2; }
IFS=, read -r -a name_list <<< "$names"

fer_prepare
fer_check_out

branches=()
for i in "${!inputs[@]}"; do
  uri=$(fer_uri "${inputs[$i]}")
  name=${name_list[$i]:-cam$i}
  # shellcheck disable=SC2046  # properties are words
  branches+=(livesource uri="$uri" name="$name" pace=$pace ! videoconvert !
    facelandmarks ! emotionclassify ! facemetapublish $(fer_publish_props "$name") !
    fakesink sync=false async=false)
done
echo "multi-stream: ${#inputs[@]} streams -> ${mqtt:+mqtt://$mqtt}${mqtt:-$out}" >&2
fer_launch "${branches[@]}"
