#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Install the generators' node dependencies (exact versions, lock file) into
# $FER_CACHE_DIR/reference/node, never into the repository.
set -eu
HERE="$(cd "$(dirname "$0")" && pwd)"
CACHE="${FER_CACHE_DIR:-$HOME/.cache/gst-fer}"
DEST="$CACHE/reference/node"
mkdir -p "$DEST"
cp "$HERE/package.json" "$HERE/package-lock.json" "$DEST/"
(cd "$DEST" && npm ci --ignore-scripts --no-audit --no-fund --silent)
echo "node_modules ready in $DEST/node_modules"
