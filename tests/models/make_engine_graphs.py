#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Small ONNX graphs, each built around one thing the XNNPACK importer
(core/src/inference/xnnpack_net.cpp) must get right when it rebuilds an ONNX graph in
NHWC; tests/core/test_inference_engines.cpp runs each on both engines and
compares. Weights are random with a fixed seed.

  make_engine_graphs.py OUTDIR
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 11
rng = np.random.default_rng(20261202)


def weights(name, *shape):
    return numpy_helper.from_array(rng.standard_normal(shape).astype(np.float32) * 0.5, name)


def ints(name, values):
    return numpy_helper.from_array(np.array(values, np.int64), name)


def floats(name, values):
    return numpy_helper.from_array(np.array(values, np.float32), name)


def io(name, shape):
    return helper.make_tensor_value_info(name, TensorProto.FLOAT, shape)


def save(out_dir, name, nodes, inputs, outputs, inits, domains=()):
    graph = helper.make_graph(nodes, name, inputs, outputs, inits)
    opsets = [helper.make_opsetid("", OPSET)] + [helper.make_opsetid(d, 1) for d in domains]
    model = helper.make_model(graph, opset_imports=opsets, producer_name="gst-fer tests/models")
    model.ir_version = 7
    if not domains:
        onnx.checker.check_model(model)
    onnx.save(model, os.path.join(out_dir, name + ".onnx"))


def node(op, inputs, outputs, **attrs):
    return helper.make_node(op, inputs, outputs, **attrs)


def main(out_dir):
    os.makedirs(out_dir, exist_ok=True)
    to_nchw, to_nhwc = [0, 3, 1, 2], [0, 2, 3, 1]

    # NHWC in, transposed to NCHW, strided convolution with uneven pads and
    # a grouped one, back to NHWC: both Transposes fold away.
    save(out_dir, "layout_round_trip", [
        node("Transpose", ["x"], ["x_nchw"], perm=to_nchw),
        node("Conv", ["x_nchw", "w1", "b1"], ["c1"], kernel_shape=[3, 3], strides=[2, 2],
             pads=[1, 0, 1, 1]),
        node("Relu", ["c1"], ["r1"]),
        node("Conv", ["r1", "w2"], ["c2"], kernel_shape=[3, 3], group=2, auto_pad="SAME_UPPER"),
        node("Transpose", ["c2"], ["y"], perm=to_nhwc),
    ], [io("x", [1, 13, 11, 3])], [io("y", [1, 6, 6, 8])],
        [weights("w1", 6, 3, 3, 3), weights("b1", 6), weights("w2", 8, 3, 3, 3)])

    # An NCHW graph output: XNNPACK writes NHWC, the output is permuted back.
    save(out_dir, "nchw_output", [
        node("Transpose", ["x"], ["x_nchw"], perm=to_nchw),
        node("Conv", ["x_nchw", "w", "b"], ["y"], kernel_shape=[1, 1]),
    ], [io("x", [1, 5, 7, 3])], [io("y", [1, 4, 5, 7])], [weights("w", 4, 3, 1, 1), weights("b", 4)])

    # MediaPipe's residual blocks: channels zero-padded (a Pad node on the
    # channel dim) before the Add with the wider branch.
    save(out_dir, "channel_pad_add", [
        node("Transpose", ["x"], ["x_nchw"], perm=to_nchw),
        node("Conv", ["x_nchw", "w1", "b1"], ["narrow"], kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
        node("Pad", ["narrow", "pads"], ["padded"], mode="constant"),
        node("Conv", ["x_nchw", "w2", "b2"], ["wide"], kernel_shape=[1, 1]),
        node("Add", ["padded", "wide"], ["sum"]),
        node("PRelu", ["sum", "slope"], ["y"]),
    ], [io("x", [1, 8, 8, 4])], [io("y", [1, 10, 8, 8])],
        [weights("w1", 6, 4, 3, 3), weights("b1", 6), ints("pads", [0, 0, 0, 0, 0, 4, 0, 0]),
         weights("w2", 10, 4, 1, 1), weights("b2", 10), weights("slope", 10, 1, 1)])

    # Flatten of NCHW data (kept NHWC) into a Gemm: the Gemm's weight columns
    # are permuted instead of the data.
    save(out_dir, "flatten_gemm", [
        node("Transpose", ["x"], ["x_nchw"], perm=to_nchw),
        node("Conv", ["x_nchw", "w", "b"], ["c"], kernel_shape=[3, 3], strides=[2, 2]),
        node("Flatten", ["c"], ["flat"], axis=1),
        node("Gemm", ["flat", "fc", "fc_b"], ["y"], transB=1),
    ], [io("x", [1, 9, 9, 3])], [io("y", [1, 7])],
        [weights("w", 5, 3, 3, 3), weights("b", 5), weights("fc", 7, 5 * 4 * 4), weights("fc_b", 7)])

    # Two heads concatenated into one graph output (this XNNPACK has no
    # Concat: each head writes its slice of the output buffer).
    save(out_dir, "concat_output", [
        node("Transpose", ["x"], ["x_nchw"], perm=to_nchw),
        node("Conv", ["x_nchw", "w1", "b1"], ["h1"], kernel_shape=[1, 1]),
        node("Transpose", ["h1"], ["h1_nhwc"], perm=to_nhwc),
        node("Reshape", ["h1_nhwc", "s1"], ["r1"]),
        node("MaxPool", ["x_nchw"], ["pooled"], kernel_shape=[2, 2], strides=[2, 2]),
        node("Conv", ["pooled", "w2", "b2"], ["h2"], kernel_shape=[1, 1]),
        node("Transpose", ["h2"], ["h2_nhwc"], perm=to_nhwc),
        node("Reshape", ["h2_nhwc", "s2"], ["r2"]),
        node("Concat", ["r1", "r2"], ["y"], axis=1),
    ], [io("x", [1, 8, 8, 3])], [io("y", [1, 8 * 8 * 2 + 4 * 4 * 2, 4])],
        [weights("w1", 8, 3, 1, 1), weights("b1", 8), ints("s1", [1, 8 * 8 * 2, 4]),
         weights("w2", 8, 3, 1, 1), weights("b2", 8), ints("s2", [1, 4 * 4 * 2, 4])])

    # Depthwise convolution with a channel multiplier, the project's own
    # depthwise node, bilinear upsampling, average and global pooling.
    save(out_dir, "depthwise_resize_pool", [
        node("Transpose", ["x"], ["x_nchw"], perm=to_nchw),
        node("Conv", ["x_nchw", "dw", "dw_b"], ["d"], kernel_shape=[3, 3], group=4, pads=[1, 1, 1, 1]),
        helper.make_node("DepthwiseConv2D", ["d", "dw2", "dw2_b"], ["d2"], domain="gst_fer",
                         pads=[0, 1, 1, 0], strides=[2, 2]),
        node("Resize", ["d2", "roi", "scales"], ["up"], mode="linear",
             coordinate_transformation_mode="half_pixel"),
        node("AveragePool", ["up"], ["avg"], kernel_shape=[3, 3], strides=[1, 1]),
        node("GlobalAveragePool", ["avg"], ["g"]),
        node("Flatten", ["g"], ["f"], axis=1),
        node("Softmax", ["f"], ["y"], axis=1),
    ], [io("x", [1, 10, 10, 4])], [io("y", [1, 8])],
        [weights("dw", 8, 1, 3, 3), weights("dw_b", 8), weights("dw2", 8, 1, 3, 3), weights("dw2_b", 8),
         floats("roi", []), floats("scales", [1, 1, 2, 2])], domains=["gst_fer"])

    # A free batch dimension: Reshape with -1, Sub/Mul by constants
    # (fer-train's standardisation), Gemm, Relu, Gemm.
    save(out_dir, "batch_mlp", [
        node("Sub", ["x", "mean"], ["centred"]),
        node("Mul", ["centred", "scale"], ["standard"]),
        node("Gemm", ["standard", "w1", "b1"], ["h"], transB=1),
        node("Relu", ["h"], ["hr"]),
        node("MatMul", ["hr", "w2"], ["y"]),
    ], [io("x", ["N", 12])], [io("y", ["N", 5])],
        [weights("mean", 1, 12), weights("scale", 1, 12), weights("w1", 16, 12), weights("b1", 16),
         weights("w2", 16, 5)])

    # An operator the XNNPACK engine does not map: auto falls back to cv::dnn.
    save(out_dir, "unmapped_operator", [
        node("Transpose", ["x"], ["x_nchw"], perm=to_nchw),
        node("Conv", ["x_nchw", "w"], ["c"], kernel_shape=[1, 1]),
        node("Tanh", ["c"], ["y"]),
    ], [io("x", [1, 4, 4, 3])], [io("y", [1, 2, 4, 4])], [weights("w", 2, 3, 1, 1)])


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
