#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Decode the multi-face stills (E) to raw RGB24, exactly as ../decode_images.py
does for A (cv2.imread(IMREAD_COLOR) + BGR->RGB, Debian's python3-opencv).

Writes, into WORKDIR (default /tmp/gst-fer-reference/multi_images):
  <name>.rgb   raw RGB24, row-major, no padding
  images.json  the same format as ../decode_images.py writes
Run with /usr/bin/python3 after ../fetch_packages.sh.
"""
import os, sys

import cv2

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from decode_images import CACHE, write_images  # noqa: E402  (the shared decoder and writer)

PKGS = os.path.join(CACHE, "reference/pkgs")
FACEAPI = os.path.join(PKGS, "vladmandic-face-api-1.7.15/package/demo")
TRACKING = os.path.join(PKGS, "tracking-1.1.3/package/examples/assets")

# name -> (path on disk, human-readable source)
IMAGES = {"faceapi_sample%d" % i: (os.path.join(FACEAPI, "sample%d.jpg" % i),
                                   "npm @vladmandic/face-api@1.7.15: package/demo/sample%d.jpg (group photo)" % i)
          for i in range(1, 7)}
IMAGES["tracking_faces"] = (os.path.join(TRACKING, "faces.jpg"),
                            "npm tracking@1.1.3: package/examples/assets/faces.jpg (3 faces)")


def check_orientation(name, path, rgb):
    # cv2.imread applies EXIF orientation; none of these files is rotated by it
    # (checked here so that a C++ reader ignoring EXIF sees the same pixels)
    raw_bgr = cv2.imread(path, cv2.IMREAD_COLOR | cv2.IMREAD_IGNORE_ORIENTATION)
    if raw_bgr.shape != rgb.shape or (cv2.cvtColor(raw_bgr, cv2.COLOR_BGR2RGB) != rgb).any():
        raise SystemExit(name + ": EXIF orientation changes the decoded pixels")


def main():
    write_images(IMAGES, sys.argv[1] if len(sys.argv) > 1 else "/tmp/gst-fer-reference/multi_images",
                 check=check_orientation)


if __name__ == "__main__":
    main()
