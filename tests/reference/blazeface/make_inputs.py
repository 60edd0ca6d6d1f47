#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Make the BlazeFace reference inputs from skimage's astronaut.png.

astronaut.png (512x512) is decoded with cv2.imread + BGR->RGB (Debian
python3-opencv 4.6.0) and resized with cv2.resize(..., interpolation=
cv2.INTER_AREA) to 128x128 (short range) and 192x192 (full range). The
resized RGB image is saved as a PNG in tests/data/reference/blazeface/; the
PNG is the definition of the input: the tensor is [1,H,W,3] NHWC float32,
value = float32 correctly rounded (2*p - 255) / 255, i.e. p/127.5 - 1.

Also writes, into WORKDIR, <model>_input.f32 (the tensor, little-endian) for
run_blazeface.mjs.
usage: /usr/bin/python3 make_inputs.py DATA_DIR WORKDIR
"""
import hashlib, json, os, sys
import cv2
import numpy as np

SRC = "/usr/lib/python3/dist-packages/skimage/data/astronaut.png"
MODELS = {"face_detection_short_range": 128, "face_detection_full_range": 192}


def to_tensor(rgb):
    # numerator and denominator are exact in float32, so the IEEE division
    # gives the correctly rounded float32 of (2p-255)/255
    return ((2.0 * rgb.astype(np.float32) - np.float32(255.0)) / np.float32(255.0)).astype("<f4")


def main():
    data_dir, work = sys.argv[1], sys.argv[2]
    os.makedirs(data_dir, exist_ok=True)
    os.makedirs(work, exist_ok=True)
    src = cv2.cvtColor(cv2.imread(SRC, cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)
    meta = {}
    for model, size in MODELS.items():
        rgb = cv2.resize(src, (size, size), interpolation=cv2.INTER_AREA)
        png = os.path.join(data_dir, model + "_input.png")
        cv2.imwrite(png, cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_PNG_COMPRESSION, 9])
        back = cv2.cvtColor(cv2.imread(png, cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)
        assert np.array_equal(back, rgb), "PNG round trip changed pixels"
        t = to_tensor(back).reshape(1, size, size, 3)
        t.tofile(os.path.join(work, model + "_input.f32"))
        meta[model] = {
            "png": "tests/data/reference/blazeface/" + model + "_input.png",
            "png_sha256": hashlib.sha256(open(png, "rb").read()).hexdigest(),
            "rgb_sha256": hashlib.sha256(back.tobytes()).hexdigest(),
            "tensor_sha256": hashlib.sha256(t.tobytes()).hexdigest(),
            "shape": [1, size, size, 3],
            "made_from": {"source": "Debian python3-skimage: skimage/data/astronaut.png",
                          "sha256": hashlib.sha256(open(SRC, "rb").read()).hexdigest(),
                          "decode": "cv2.imread(IMREAD_COLOR) + cvtColor(BGR2RGB)",
                          "resize": "cv2.resize(rgb, (%d, %d), interpolation=cv2.INTER_AREA)" % (size, size),
                          "opencv": cv2.__version__},
            "tensor": "NHWC float32, value = (2*p - 255)/255 correctly rounded to float32 (= p/127.5 - 1), RGB order",
        }
        print(model, meta[model]["png_sha256"])
    with open(os.path.join(work, "inputs.json"), "w") as f:
        json.dump(meta, f, indent=1)


if __name__ == "__main__":
    main()
