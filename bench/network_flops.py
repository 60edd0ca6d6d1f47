#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Floating-point operations of one inference of each built-in network, for
the achieved GFLOP/s column of docs/performance.md.

Counts 2 FLOPs per multiply-add of Conv (dense, grouped, depthwise, and the
project's gst_fer.DepthwiseConv2D) and Gemm/MatMul; elementwise ops,
pooling and resizing are left out (under 2 % of every network here). Batch 1.

  bench/network_flops.py [MODEL_DIR]    (default: build/models)
"""
import os
import sys

import numpy as np
import onnx
from onnx import numpy_helper

NETWORKS = [
    "face_detection_short_range.onnx", "face_detection_full_range.onnx",
    "face_landmark_with_attention.part0.onnx", "face_landmark_with_attention.part1.onnx",
    "face_landmark_with_attention.part2.onnx", "face_landmark_with_attention.part3.onnx",
    "minixception-fer2013.onnx", "faceapi-expression.onnx",
]


def attrs_of(node):
    return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}


def window_output(node, x, kh, kw, channels):
    """NCHW output shape of a Conv or pooling node."""
    a = attrs_of(node)
    sh, sw = a.get("strides", [1, 1])
    if a.get("auto_pad", b"NOTSET") in (b"SAME_UPPER", b"SAME_LOWER"):
        return [x[0], channels, -(-x[2] // sh), -(-x[3] // sw)]
    pt, pl, pb, pr = a.get("pads", [0, 0, 0, 0])
    return [x[0], channels, (x[2] + pt + pb - kh) // sh + 1, (x[3] + pl + pr - kw) // sw + 1]


def flops(path):
    """Shapes are propagated by hand: shape inference stops at the custom
    depthwise node."""
    model = onnx.load(path)
    consts = {t.name: numpy_helper.to_array(t) for t in model.graph.initializer}
    shapes = {}
    for i in model.graph.input:
        if i.name not in consts:
            shapes[i.name] = [d.dim_value or 1 for d in i.type.tensor_type.shape.dim]
    total = 0
    for node in model.graph.node:
        x = shapes.get(node.input[0]) if node.input else None
        op, a = node.op_type, attrs_of(node)
        if op in ("Conv", "DepthwiseConv2D"):
            w = consts[node.input[1]].shape
            y = window_output(node, x, w[2], w[3], w[0])
            total += 2 * int(np.prod(y)) * int(np.prod(w[1:]))
        elif op in ("Gemm", "MatMul"):
            w = consts[node.input[1]].shape
            out = w[0] if a.get("transB", 0) else w[1]
            y = [x[0], out]
            total += 2 * x[0] * int(np.prod(w))
        elif op == "Transpose":
            y = [x[p] for p in a["perm"]]
        elif op in ("MaxPool", "AveragePool"):
            k = a["kernel_shape"]
            y = window_output(node, x, k[0], k[1], x[1])
        elif op == "GlobalAveragePool":
            y = [x[0], x[1], 1, 1]
        elif op == "Pad":
            pads = consts[node.input[1]]
            y = [d + int(pads[i]) + int(pads[i + len(x)]) for i, d in enumerate(x)]
        elif op == "Resize":
            scales = consts[node.input[2]]
            y = [int(d * s) for d, s in zip(x, scales)]
        elif op == "Flatten":
            y = [x[0], int(np.prod(x[1:]))]
        elif op == "Reshape":
            target = [int(v) for v in consts[node.input[1]]]
            known = int(np.prod([v for v in target if v > 0]))
            y = [v if v > 0 else int(np.prod(x)) // known for v in target]
        elif op == "Concat":
            y = list(x)
            y[a["axis"]] = sum(shapes[i][a["axis"]] for i in node.input)
        else:  # elementwise: the first operand's shape
            y = x if x is not None else list(consts[node.input[0]].shape)
        shapes[node.output[0]] = y
    return total


def main():
    model_dir = sys.argv[1] if len(sys.argv) > 1 else "build/models"
    print("| network | MFLOP per inference |")
    print("|---|---|")
    for name in NETWORKS:
        print("| %s | %.1f |" % (name, flops(os.path.join(model_dir, name)) / 1e6))


if __name__ == "__main__":
    main()
