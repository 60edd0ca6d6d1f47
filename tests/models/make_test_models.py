#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Small ONNX models whose outputs reveal how gst-fer fed them.

Each output is a plain function of the input tensor, so a test that knows the
crop it sent can predict the exact output, and a preprocessing option that is
not honoured (channel order, layout, scale, mean, std, the order of the
feature vector) shows as a wrong number. The tests write the sidecars.

  make_test_models.py OUTDIR
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 11
# waveletencode's feature vector (fer/emotion_model_spec.h): rows x 478 x 3
# landmark values, then rows x 52 blendshapes; 10 rows by default.
ROWS, LANDMARK_VALUES, BLENDSHAPES = 10, 478 * 3, 52
FEATURE_LENGTH = ROWS * (LANDMARK_VALUES + BLENDSHAPES)


def save(graph, path):
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)],
                              producer_name="gst-fer tests/models")
    model.ir_version = 7
    onnx.checker.check_model(model)
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(model.SerializeToString())
    os.replace(tmp, path)


def image_input(shape):
    return helper.make_tensor_value_info("input", TensorProto.FLOAT, ["N"] + shape)


def output(width):
    return helper.make_tensor_value_info("scores", TensorProto.FLOAT, ["N", width])


def channel_means(out, layout):
    """[N,3,8,8] or [N,8,8,3] -> [N,3]: the mean of each input channel."""
    nodes, source = [], "input"
    if layout == "NHWC":
        nodes.append(helper.make_node("Transpose", ["input"], ["nchw"], perm=[0, 3, 1, 2]))
        source = "nchw"
    nodes += [helper.make_node("GlobalAveragePool", [source], ["pooled"]),
              helper.make_node("Flatten", ["pooled"], ["scores"], axis=1)]
    shape = [3, 8, 8] if layout == "NCHW" else [8, 8, 3]
    save(helper.make_graph(nodes, "channel_means_" + layout.lower(), [image_input(shape)], [output(3)]),
         os.path.join(out, "channel_means_%s.onnx" % layout.lower()))


def channel_means_batch1(out, declared_batch):
    """[1,3,8,8] -> [1,3] through a Reshape to a fixed (1, 3): a model that
    cannot take batches. declared_batch: the input's declared batch (1 or "N")."""
    shape = numpy_helper.from_array(np.array([1, 3], np.int64), "shape")
    nodes = [helper.make_node("GlobalAveragePool", ["input"], ["pooled"]),
             helper.make_node("Reshape", ["pooled", "shape"], ["scores"])]
    inputs = [helper.make_tensor_value_info("input", TensorProto.FLOAT, [declared_batch, 3, 8, 8])]
    outputs = [helper.make_tensor_value_info("scores", TensorProto.FLOAT, [1, 3])]
    name = "channel_means_batch1" if declared_batch == 1 else "channel_means_reshape1"
    save(helper.make_graph(nodes, name, inputs, outputs, [shape]), os.path.join(out, name + ".onnx"))


def left_half_means(out):
    """[N,3,8,8] -> [N,3]: the channel means of the left half (x < 4) only."""
    consts = [numpy_helper.from_array(np.array(v, np.int64), n)
              for n, v in (("starts", [0]), ("ends", [4]), ("axes", [3]))]
    nodes = [helper.make_node("Slice", ["input", "starts", "ends", "axes"], ["left"]),
             helper.make_node("GlobalAveragePool", ["left"], ["pooled"]),
             helper.make_node("Flatten", ["pooled"], ["scores"], axis=1)]
    save(helper.make_graph(nodes, "left_half_means", [image_input([3, 8, 8])], [output(3)], consts),
         os.path.join(out, "left_half_means.onnx"))


def gray_pair(out):
    """[N,1,8,8] -> [N,2]: (mean, 2 * mean) of the single channel."""
    weights = numpy_helper.from_array(np.array([1, 2], np.float32).reshape(2, 1, 1, 1), "w")
    nodes = [helper.make_node("GlobalAveragePool", ["input"], ["pooled"]),
             helper.make_node("Conv", ["pooled", "w"], ["pair"], kernel_shape=[1, 1]),
             helper.make_node("Flatten", ["pair"], ["scores"], axis=1)]
    save(helper.make_graph(nodes, "gray_pair", [image_input([1, 8, 8])], [output(2)], [weights]),
         os.path.join(out, "gray_pair.onnx"))


# Positions the feature probe reads: (row, point, coordinate) in the landmark
# band and (row, blendshape) in the blendshape band.
FEATURE_PICKS = [
    ("landmark", 0, 0, 0),
    ("landmark", 2, 1, 1),
    ("blendshape", 0, 0),
    ("blendshape", 9, 51),
]


def feature_index(pick):
    if pick[0] == "landmark":
        _, row, point, coord = pick
        return row * LANDMARK_VALUES + point * 3 + coord
    _, row, shape = pick
    return ROWS * LANDMARK_VALUES + row * BLENDSHAPES + shape


def feature_pick(out):
    """[1, FEATURE_LENGTH] -> [1, 4]: the input values at FEATURE_PICKS."""
    w = np.zeros((FEATURE_LENGTH, len(FEATURE_PICKS)), np.float32)
    for k, pick in enumerate(FEATURE_PICKS):
        w[feature_index(pick), k] = 1
    features = helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, FEATURE_LENGTH])
    nodes = [helper.make_node("MatMul", ["input", "w"], ["scores"])]
    save(helper.make_graph(nodes, "feature_pick", [features], [helper.make_tensor_value_info(
        "scores", TensorProto.FLOAT, [1, len(FEATURE_PICKS)])], [numpy_helper.from_array(w, "w")]),
         os.path.join(out, "feature_pick.onnx"))


# The feature_constant model's output, whatever its input: 8 classes (the
# tests label them in FER+'s order, which ends with contempt).
FEATURE_CONSTANT = [0.05] * 7 + [0.65]


def feature_constant(out):
    """[1, FEATURE_LENGTH] -> [1, 8]: 0 * input + FEATURE_CONSTANT."""
    w = numpy_helper.from_array(np.zeros((FEATURE_LENGTH, 8), np.float32), "w")
    b = numpy_helper.from_array(np.array(FEATURE_CONSTANT, np.float32), "b")
    features = helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, FEATURE_LENGTH])
    nodes = [helper.make_node("MatMul", ["input", "w"], ["product"]),
             helper.make_node("Add", ["product", "b"], ["scores"])]
    save(helper.make_graph(nodes, "feature_constant", [features], [helper.make_tensor_value_info(
        "scores", TensorProto.FLOAT, [1, 8])], [w, b]),
         os.path.join(out, "feature_constant.onnx"))


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: make_test_models.py OUTDIR")
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    channel_means(out, "NCHW")
    channel_means(out, "NHWC")
    channel_means_batch1(out, 1)
    channel_means_batch1(out, "N")
    left_half_means(out)
    gray_pair(out)
    feature_pick(out)
    feature_constant(out)


if __name__ == "__main__":
    main()
