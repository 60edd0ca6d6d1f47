#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Reference raw outputs of face_landmark_with_attention.tflite.

No packaged runtime executes this model (its MediaPipe custom ops stop
@litertjs/core), so the reference comes from tools/convert/tflite_numpy_ref:
a slow numpy interpreter of the original TFLite graph, in TFLite's own NHWC
layout, with the custom ops in numpy. It shares no code with the path under
test (ONNX conversion, OpenCV's cv::dnn, the C++ custom ops).

    make_reference.py MODEL.tflite OUTDIR

Input: a fixed 192x192 face crop of grace_hopper.jpg (python-matplotlib-data),
saved as OUTDIR/input.png; the tensor is pixel / 255 (RGB, NHWC).
Writes OUTDIR/outputs.f32 (little-endian float32, outputs concatenated in
model order) and OUTDIR/outputs.json (names, shapes, offsets).
"""
import hashlib
import json
import os
import sys

import cv2
import numpy as np

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "..", "..", "..", "tools", "convert"))
from tflite_reader import read_model  # noqa: E402
import tflite_numpy_ref  # noqa: E402

GRACE_HOPPER = "/usr/share/matplotlib/mpl-data/sample_data/grace_hopper.jpg"
# Face square (x, y, side) in grace_hopper.jpg, about 1.5x the face box.
CROP = (95, 40, 250)


def main():
    model_path, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    bgr = cv2.imread(GRACE_HOPPER, cv2.IMREAD_COLOR)
    x, y, s = CROP
    crop = cv2.resize(bgr[y:y + s, x:x + s], (192, 192), interpolation=cv2.INTER_AREA)
    cv2.imwrite(os.path.join(out, "input.png"), crop)
    rgb = cv2.cvtColor(crop, cv2.COLOR_BGR2RGB)
    tensor = (rgb.astype(np.float32) / np.float32(255.0))[None]
    model = read_model(model_path)
    name_in = model.tensors[model.inputs[0]].name
    values = tflite_numpy_ref.run(model, {name_in: tensor})
    blob = b""
    outputs = []
    for t in model.outputs:
        tensor_out = model.tensors[t]
        v = np.asarray(values[tensor_out.name], dtype="<f4")
        outputs.append({"name": tensor_out.name, "shape": list(v.shape),
                        "offset_bytes": len(blob), "count": int(v.size)})
        blob += v.tobytes()
    with open(os.path.join(out, "outputs.f32"), "wb") as f:
        f.write(blob)
    with open(model_path, "rb") as f:
        model_sha = hashlib.sha256(f.read()).hexdigest()
    meta = {"model": {"file": os.path.basename(model_path), "sha256": model_sha},
            "input": {"png": "input.png", "made_from": GRACE_HOPPER, "crop_xys": CROP,
                      "resize": "cv2.INTER_AREA to 192x192",
                      "tensor": "NHWC float32 RGB, pixel / 255"},
            "generator": "tests/reference/landmark_model/make_reference.py "
                         "(tools/convert/tflite_numpy_ref.py)",
            "outputs_file": "outputs.f32",
            "outputs_sha256": hashlib.sha256(blob).hexdigest(),
            "outputs": outputs}
    with open(os.path.join(out, "outputs.json"), "w") as f:
        json.dump(meta, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
