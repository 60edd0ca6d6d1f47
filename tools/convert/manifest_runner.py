# SPDX-License-Identifier: LGPL-2.1-or-later
"""Execute a split model (NAME.manifest.json + parts) with OpenCV cv::dnn
and the numpy custom-op reference.  A Python model of what the C++ runtime
does; used by check_conversion.py.

    r = ManifestRunner("out/face_landmark_with_attention.manifest.json")
    tensors = r.run({"input_1": x})        # every boundary tensor by name
"""

import json
import os
import time

import numpy as np
import cv2

import custom_ops_reference
from cv2_layers import read_net


def make_blob(arr):
    """A numpy array as an N-d cv::Mat.  cv2 reads a 3-D numpy array as a
    2-D multi-channel image, so ranks other than 4 go through a reshape of
    a 4-D blob."""
    arr = np.ascontiguousarray(arr, np.float32)
    if arr.ndim == 4:
        return arr
    return arr.reshape(arr.shape + (1,) * (4 - arr.ndim)) \
        if arr.ndim < 4 else arr


class ManifestRunner:
    def __init__(self, manifest_path, threads=1):
        with open(manifest_path) as f:
            self.manifest = json.load(f)
        base = os.path.dirname(os.path.abspath(manifest_path))
        cv2.setNumThreads(threads)
        self.nets = {}
        for st in self.manifest["stages"]:
            if st["kind"] == "onnx":
                net = read_net(os.path.join(base, st["file"]))
                net.setPreferableBackend(cv2.dnn.DNN_BACKEND_OPENCV)
                net.setPreferableTarget(cv2.dnn.DNN_TARGET_CPU)
                self.nets[st["file"]] = net
        self.shapes = self.manifest["tensors"]
        self.timing = {}

    def run_onnx(self, st, vals):
        net = self.nets[st["file"]]
        for name in st["inputs"]:
            net.setInput(make_blob(vals[name]), name)
        outs = net.forward(st["outputs"])
        res = {}
        for name, v in zip(st["outputs"], outs):
            res[name] = np.asarray(v, np.float32).reshape(self.shapes[name])
        return res

    def run(self, feeds, ref_custom=None):
        """feeds: dict input name -> array.  ref_custom: optional dict of
        tensor values to feed the custom stages instead of our own (to
        isolate ONNX errors)."""
        vals = {k: np.asarray(v, np.float32) for k, v in feeds.items()}
        for i, st in enumerate(self.manifest["stages"]):
            t0 = time.perf_counter()
            if st["kind"] == "onnx":
                vals.update(self.run_onnx(st, vals))
            else:
                ins = [vals[n] for n in st["inputs"]]
                vals[st["outputs"][0]] = custom_ops_reference.run_custom(
                    st["op"], ins, st["options"], st["output_shape"])
            self.timing.setdefault(i, []).append(time.perf_counter() - t0)
        return vals
