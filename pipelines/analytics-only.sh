#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Analytics only, for headless servers: a camera or file to JSON lines or
# MQTT, with no overlay and no encoding.
#
#   pipelines/analytics-only.sh [options] INPUT
#     INPUT            a video file or a URI (rtsp://, http://, v4l2://, ...)
#     --out FILE|-     JSON lines (default: out/analytics.jsonl; - for stdout)
#     --mqtt HOST[:PORT]  publish to an MQTT broker instead of --out
#     --topic TOPIC    MQTT topic, {source} = --name (default: gst-fer/{source}/faces)
#     --name NAME      stream name in the metadata (default: source)
#     --pace           play a file at its frame rate, as a camera would
#     --duration S     stop after S seconds
#     --force          replace an existing --out file
#
# The cheapest pipeline: decoded frames go to the analytics in the
# decoder's format when facelandmarks reads it (I420, NV12, RGB...; else
# videoconvert converts), nothing is drawn or encoded. Installs what is missing and builds first.
set -euo pipefail
. "$(dirname "$0")/lib/common.sh"

out=out/analytics.jsonl mqtt= topic= name=source pace=false duration= force= input=
while [ $# -gt 0 ]; do
  if fer_common_option "$@"; then shift "$fer_shift"; continue; fi
  case $1 in
    -h|--help) fer_help; exit 0 ;;
    --name) name=$2; shift ;;
    --pace) pace=true ;;
    -*) echo "analytics-only: unknown option $1 (see --help)" >&2; exit 2 ;;
    *) [ -z "$input" ] || { echo "analytics-only: one INPUT only (see multi-stream.sh)" >&2; exit 2; }
       input=$1 ;;
  esac
  shift
done
[ -n "$input" ] || { echo "analytics-only: no INPUT (see --help)" >&2; exit 2; }

fer_prepare
uri=$(fer_uri "$input")
fer_check_out

echo "analytics-only: $uri -> ${mqtt:+mqtt://$mqtt}${mqtt:-$out}" >&2
# shellcheck disable=SC2046  # properties are words
fer_launch livesource uri="$uri" name="$name" pace=$pace ! videoconvert ! facelandmarks ! \
  emotionclassify ! facemetapublish $(fer_publish_props "$name") ! fakesink sync=false async=false
