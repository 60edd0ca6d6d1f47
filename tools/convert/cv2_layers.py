# SPDX-License-Identifier: LGPL-2.1-or-later
"""The converter's custom ONNX operators for python3-opencv (cv2.dnn).

The engine runs gst_fer.DepthwiseConv2D with its own C++ cv::dnn layer
(core/src/inference/depthwise_conv_layer.h). The Python tools that run converted
models with cv2 (check_conversion.py, manifest_runner.py, the converter
tests) use read_net(), which registers this NumPy implementation of the same
operator first: ONNX Conv semantics with group = channels, dilation 1.
"""
import numpy as np

try:
    import cv2
except ImportError:  # the tools that need it say so
    cv2 = None

from onnx_emit import CUSTOM_DOMAIN


class DepthwiseConv2D:
    """cv2.dnn custom layer: y[n,c] = b[c] + sum_uv w[c,0,u,v] * x[n,c,...]."""

    def __init__(self, params, blobs):
        self.weights = blobs[0]
        self.bias = blobs[1].reshape(-1) if len(blobs) > 1 else \
            np.zeros(self.weights.shape[0], np.float32)
        self.pads = [int(p) for p in params.get("pad", (0, 0, 0, 0))]
        self.strides = [int(s) for s in params.get("stride", (1, 1))]

    def _out_size(self, h, w):
        pt, pl, pb, pr = self.pads
        kh, kw = self.weights.shape[2:]
        sh, sw = self.strides
        return (h + pt + pb - kh) // sh + 1, (w + pl + pr - kw) // sw + 1

    def getMemoryShapes(self, inputs):
        n, c, h, w = inputs[0]
        return [[n, c, *self._out_size(h, w)]]

    def forward(self, inputs):
        x = inputs[0]
        pt, pl, pb, pr = self.pads
        sh, sw = self.strides
        kh, kw = self.weights.shape[2:]
        oh, ow = self._out_size(*x.shape[2:])
        xp = np.pad(x, ((0, 0), (0, 0), (pt, pb), (pl, pr)))
        y = np.zeros((x.shape[0], x.shape[1], oh, ow), np.float64)
        for u in range(kh):
            for v in range(kw):
                tap = self.weights[:, 0, u, v].astype(np.float64)
                y += tap[None, :, None, None] * \
                    xp[:, :, u:u + sh * (oh - 1) + 1:sh,
                       v:v + sw * (ow - 1) + 1:sw]
        y += self.bias[None, :, None, None]
        return [y.astype(np.float32)]


_registered = False
_LOG_LEVEL_ERROR = 2  # cv::utils::logging::LOG_LEVEL_ERROR


def read_net(path):
    """cv2.dnn.readNetFromONNX with the converter's custom layers known and
    the importer's per-node warning about their domain silenced."""
    global _registered
    if not _registered:
        cv2.dnn_registerLayer(CUSTOM_DOMAIN + ".DepthwiseConv2D",
                              DepthwiseConv2D)
        _registered = True
    level = cv2.getLogLevel()
    cv2.setLogLevel(_LOG_LEVEL_ERROR)
    try:
        return cv2.dnn.readNetFromONNX(path)
    finally:
        cv2.setLogLevel(level)
