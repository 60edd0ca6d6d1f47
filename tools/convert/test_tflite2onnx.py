#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Unit tests for tflite2onnx: tiny synthetic TFLite models, one per
operator feature, converted and run with cv::dnn (if python3-opencv is
installed) against the numpy TFLite interpreter.

    /usr/bin/python3 tools/convert/test_tflite2onnx.py -v
"""

import json
import os
import sys
import tempfile
import unittest

import numpy as np
import flatbuffers

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import tflite2onnx  # noqa: E402
from tflite_reader import read_model  # noqa: E402
import tflite_numpy_ref  # noqa: E402
from cv2_layers import read_net  # noqa: E402

try:
    import cv2
except ImportError:  # conversion is still checked, execution skipped
    cv2 = None

# BuiltinOperator codes and BuiltinOptions union indices (TFLite schema)
OPS = {"ADD": 0, "AVERAGE_POOL_2D": 1, "CONCATENATION": 2, "CONV_2D": 3,
       "DEPTHWISE_CONV_2D": 4, "DEQUANTIZE": 6, "LOGISTIC": 14,
       "MAX_POOL_2D": 17, "MUL": 18, "RELU": 19, "RELU_N1_TO_1": 20,
       "RELU6": 21, "RESHAPE": 22, "RESIZE_BILINEAR": 23, "TANH": 28,
       "CUSTOM": 32, "PAD": 34, "SUB": 41, "STRIDED_SLICE": 45,
       "PRELU": 54, "FLOOR": 8}
UNION = {"CONV_2D": 1, "DEPTHWISE_CONV_2D": 2, "AVERAGE_POOL_2D": 5,
         "MAX_POOL_2D": 5, "CONCATENATION": 10, "ADD": 11,
         "RESIZE_BILINEAR": 15, "RESHAPE": 17, "MUL": 21, "PAD": 22,
         "SUB": 28, "STRIDED_SLICE": 32}
# option table layouts: list of (field kind) in schema order
OPT_FIELDS = {
    "CONV_2D": ["padding:u8", "stride_w:i32", "stride_h:i32", "act:u8",
                "dilation_w:i32", "dilation_h:i32"],
    "DEPTHWISE_CONV_2D": ["padding:u8", "stride_w:i32", "stride_h:i32",
                          "depth_multiplier:i32", "act:u8", "dilation_w:i32",
                          "dilation_h:i32"],
    "MAX_POOL_2D": ["padding:u8", "stride_w:i32", "stride_h:i32",
                    "filter_w:i32", "filter_h:i32", "act:u8"],
    "CONCATENATION": ["axis:i32", "act:u8"],
    "ADD": ["act:u8"], "MUL": ["act:u8"], "SUB": ["act:u8"], "PAD": [],
    "RESHAPE": [],
    "RESIZE_BILINEAR": ["new_h:i32", "new_w:i32", "align_corners:bool",
                        "half_pixel:bool"],
    "STRIDED_SLICE": ["begin_mask:i32", "end_mask:i32", "ellipsis_mask:i32",
                      "new_axis_mask:i32", "shrink_axis_mask:i32"],
}
OPT_FIELDS["AVERAGE_POOL_2D"] = OPT_FIELDS["MAX_POOL_2D"]


class TinyModel:
    """Collects tensors/ops and writes a .tflite flatbuffer."""

    def __init__(self):
        self.tensors = []   # (name, shape, type, data bytes or None)
        self.ops = []       # (opname, inputs, outputs, options, custom)
        self.inputs, self.outputs = [], []

    def tensor(self, name, shape, data=None, ttype=0):
        if data is not None:
            data = np.ascontiguousarray(data)
            ttype = {np.dtype(np.float32): 0, np.dtype(np.float16): 1,
                     np.dtype(np.int32): 2}[data.dtype]
        self.tensors.append((name, list(shape), ttype, data))
        return len(self.tensors) - 1

    def const(self, name, arr):
        arr = np.asarray(arr)
        return self.tensor(name, arr.shape, arr)

    def op(self, name, inputs, outputs, custom=None, **opts):
        self.ops.append((name, inputs, outputs, opts, custom))

    def build(self):
        b = flatbuffers.Builder(1024)

        def vec_i32(vals):
            return b.CreateNumpyVector(np.asarray(vals, np.int32))

        def vec_tables(offs):
            b.StartVector(4, len(offs), 4)
            for o in reversed(offs):
                b.PrependUOffsetTRelative(o)
            return b.EndVector()

        # buffers: 0 is the empty buffer
        buf_offs, tensor_buf = [], []
        b.StartObject(1)
        buf_offs.append(b.EndObject())
        for name, shape, ttype, data in self.tensors:
            if data is None:
                tensor_buf.append(0)
                continue
            d = b.CreateNumpyVector(np.frombuffer(data.tobytes(), np.uint8))
            b.StartObject(1)
            b.PrependUOffsetTRelativeSlot(0, d, 0)
            buf_offs.append(b.EndObject())
            tensor_buf.append(len(buf_offs) - 1)
        t_offs = []
        for (name, shape, ttype, data), bi in zip(self.tensors, tensor_buf):
            n = b.CreateString(name)
            s = vec_i32(shape)
            b.StartObject(4)
            b.PrependUOffsetTRelativeSlot(0, s, 0)
            b.PrependInt8Slot(1, ttype, 0)
            b.PrependUint32Slot(2, bi, 0)
            b.PrependUOffsetTRelativeSlot(3, n, 0)
            t_offs.append(b.EndObject())
        codes, code_offs = [], []
        op_offs = []
        for name, ins, outs, opts, custom in self.ops:
            key = (name, custom)
            if key not in codes:
                codes.append(key)
            ci = codes.index(key)
            opt_off = None
            if name in OPT_FIELDS:
                vals = []
                for f in OPT_FIELDS[name]:
                    fname, kind = f.split(":")
                    vals.append((kind, opts.get(fname, 0)))
                b.StartObject(max(len(vals), 1))
                for i, (kind, v) in enumerate(vals):
                    if kind == "i32":
                        b.PrependInt32Slot(i, int(v), 0)
                    elif kind == "u8":
                        b.PrependUint8Slot(i, int(v), 0)
                    else:
                        b.PrependBoolSlot(i, bool(v), False)
                opt_off = b.EndObject()
            cust_off = None
            if custom is not None:
                fb = flatbuffers.flexbuffers.Dumps(opts.get("flex", {}))
                cust_off = b.CreateNumpyVector(np.frombuffer(fb, np.uint8))
            iv, ov = vec_i32(ins), vec_i32(outs)
            b.StartObject(6)
            b.PrependUint32Slot(0, ci, 0)
            b.PrependUOffsetTRelativeSlot(1, iv, 0)
            b.PrependUOffsetTRelativeSlot(2, ov, 0)
            if opt_off is not None:
                b.PrependUint8Slot(3, UNION[name], 0)
                b.PrependUOffsetTRelativeSlot(4, opt_off, 0)
            if cust_off is not None:
                b.PrependUOffsetTRelativeSlot(5, cust_off, 0)
            op_offs.append(b.EndObject())
        for name, custom in codes:
            cs = b.CreateString(custom) if custom else None
            b.StartObject(4)
            code = OPS[name]
            b.PrependInt8Slot(0, min(code, 127), 0)
            if cs is not None:
                b.PrependUOffsetTRelativeSlot(1, cs, 0)
            b.PrependInt32Slot(2, 2 if custom else 1, 1)
            b.PrependInt32Slot(3, code, 0)
            code_offs.append(b.EndObject())
        tv, opv = vec_tables(t_offs), vec_tables(op_offs)
        iv, ov = vec_i32(self.inputs), vec_i32(self.outputs)
        b.StartObject(5)
        b.PrependUOffsetTRelativeSlot(0, tv, 0)
        b.PrependUOffsetTRelativeSlot(1, iv, 0)
        b.PrependUOffsetTRelativeSlot(2, ov, 0)
        b.PrependUOffsetTRelativeSlot(3, opv, 0)
        sg = b.EndObject()
        cv, sgv, bv = vec_tables(code_offs), vec_tables([sg]), \
            vec_tables(buf_offs)
        b.StartObject(5)
        b.PrependUint32Slot(0, 3, 0)
        b.PrependUOffsetTRelativeSlot(1, cv, 0)
        b.PrependUOffsetTRelativeSlot(2, sgv, 0)
        b.PrependUOffsetTRelativeSlot(4, bv, 0)
        b.Finish(b.EndObject(), file_identifier=b"TFL3")
        return bytes(b.Output())


def rnd(*shape, seed=0):
    return np.random.RandomState(seed).uniform(-1, 1, shape).astype(
        np.float32)


class ConvertAndRun(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()

    def tearDown(self):
        self.tmp.cleanup()

    def convert(self, tm, split=False):
        src = os.path.join(self.tmp.name, "m.tflite")
        with open(src, "wb") as f:
            f.write(tm.build())
        dst = os.path.join(self.tmp.name, "m.onnx")
        files = tflite2onnx.convert(src, dst, split, log=lambda *_: None)
        return src, dst, files

    def check(self, tm, tol=1e-4):
        src, dst, _ = self.convert(tm)
        m = read_model(src)
        feeds = {m.tensors[t].name: rnd(*m.tensors[t].shape, seed=i + 1)
                 for i, t in enumerate(m.inputs)}
        ref = tflite_numpy_ref.run(m, feeds)
        if cv2 is None:
            self.skipTest("python3-opencv not installed")
        net = read_net(dst)
        for k, v in feeds.items():
            net.setInput(v, k)
        names = [m.tensors[t].name for t in m.outputs]
        outs = net.forward(names)
        for n, o in zip(names, outs):
            r = ref[n]
            o = np.asarray(o).reshape(r.shape)
            err = np.abs(o - r).max() / max(np.abs(r).max(), 1e-6)
            self.assertLess(err, tol, "%s: rel err %g" % (n, err))
        return m

    # -- convolutions -----------------------------------------------------
    def conv_model(self, h, w, cin, cout, k, stride, padding, act=0,
                   dil=1, depthwise=False, mult=1):
        tm = TinyModel()
        x = tm.tensor("x", [1, h, w, cin])
        if depthwise:
            wt = tm.const("w", rnd(1, k, k, cin * mult, seed=5)
                          .astype(np.float16))
            wdq = tm.tensor("w_dq", [1, k, k, cin * mult])
            bias = tm.const("b", rnd(cin * mult, seed=6))
            cout = cin * mult
        else:
            wt = tm.const("w", rnd(cout, k, k, cin, seed=5)
                          .astype(np.float16))
            wdq = tm.tensor("w_dq", [cout, k, k, cin])
            bias = tm.const("b", rnd(cout, seed=6))
        eff = (k - 1) * dil + 1
        if padding == 0:
            oh, ow = -(-h // stride), -(-w // stride)
        else:
            oh, ow = (h - eff) // stride + 1, (w - eff) // stride + 1
        y = tm.tensor("y", [1, oh, ow, cout])
        tm.op("DEQUANTIZE", [wt], [wdq])
        name = "DEPTHWISE_CONV_2D" if depthwise else "CONV_2D"
        tm.op(name, [x, wdq, bias], [y], padding=padding, stride_w=stride,
              stride_h=stride, act=act, dilation_w=dil, dilation_h=dil,
              depth_multiplier=mult)
        tm.inputs, tm.outputs = [x], [y]
        return tm

    def test_conv_same_asymmetric(self):
        for h, w, k, s in [(8, 8, 3, 2), (7, 9, 3, 2), (6, 6, 4, 1),
                           (5, 5, 5, 3)]:
            with self.subTest(h=h, w=w, k=k, s=s):
                self.check(self.conv_model(h, w, 3, 4, k, s, 0, act=3))

    def test_conv_valid_dilated(self):
        self.check(self.conv_model(9, 9, 2, 3, 3, 1, 1, act=1, dil=2))

    def test_depthwise(self):
        self.check(self.conv_model(8, 8, 4, 0, 3, 2, 0, act=4,
                                   depthwise=True))
        self.check(self.conv_model(7, 7, 3, 0, 3, 1, 0, depthwise=True,
                                   mult=2))

    def onnx_nodes(self, tm):
        import onnx
        _, dst, _ = self.convert(tm)
        return onnx.load(dst).graph.node

    def test_narrow_depthwise_is_custom_op(self):
        # cv::dnn 4.6 is slow below 18 input columns: the engine's own layer
        for w, k, s, act, custom in [(12, 3, 1, 0, True), (12, 3, 2, 0, True),
                                     (4, 3, 1, 1, True), (3, 3, 1, 0, True),
                                     (9, 5, 2, 3, True), (18, 3, 1, 0, False)]:
            with self.subTest(w=w, k=k, s=s):
                tm = self.conv_model(w, w, 4, 0, k, s, 0, act=act,
                                     depthwise=True)
                self.check(tm)
                nodes = self.onnx_nodes(tm)
                custom_nodes = [n for n in nodes if n.domain == "gst_fer"]
                self.assertEqual(bool(custom_nodes), custom,
                                 [n.op_type for n in nodes])
                if custom:
                    self.assertEqual(custom_nodes[0].op_type,
                                     "DepthwiseConv2D")
        # a depth multiplier keeps the standard Conv
        tm = self.conv_model(7, 7, 3, 0, 3, 1, 0, depthwise=True, mult=2)
        self.assertFalse([n for n in self.onnx_nodes(tm)
                          if n.domain == "gst_fer"])

    def test_same_asymmetric_conv_is_same_upper(self):
        tm = self.conv_model(8, 8, 3, 4, 3, 2, 0)
        (conv,) = [n for n in self.onnx_nodes(tm) if n.op_type == "Conv"]
        attrs = {a.name: a for a in conv.attribute}
        self.assertEqual(attrs["auto_pad"].s, b"SAME_UPPER")
        self.assertNotIn("pads", attrs)

    def test_conv_over_whole_input_is_gemm(self):
        tm = self.conv_model(3, 3, 8, 20, 3, 1, 1, act=1)
        self.check(tm)
        kinds = [n.op_type for n in self.onnx_nodes(tm)]
        self.assertIn("Gemm", kinds)
        self.assertNotIn("Conv", kinds)
        if cv2 is None:
            self.skipTest("python3-opencv not installed")
        # a batch of two gives each item's own result
        net = read_net(os.path.join(self.tmp.name, "m.onnx"))
        x = rnd(2, 3, 3, 8, seed=3)
        net.setInput(x, "x")
        both = net.forward("y")
        net.setInput(x[1:], "x")
        one = net.forward("y")
        self.assertEqual(both.shape[0], 2)
        np.testing.assert_allclose(both[1].reshape(one.shape), one, rtol=1e-5)

    # -- pooling ------------------------------------------------------------
    def pool_model(self, kind, h, k, s, padding):
        tm = TinyModel()
        x = tm.tensor("x", [1, h, h, 3])
        o = -(-h // s) if padding == 0 else (h - k) // s + 1
        y = tm.tensor("y", [1, o, o, 3])
        tm.op(kind, [x], [y], padding=padding, stride_w=s, stride_h=s,
              filter_w=k, filter_h=k)
        tm.inputs, tm.outputs = [x], [y]
        return tm

    def test_pools(self):
        for kind in ("MAX_POOL_2D", "AVERAGE_POOL_2D"):
            for h, k, s, p in [(8, 2, 2, 0), (7, 3, 2, 0), (7, 3, 2, 1)]:
                with self.subTest(kind=kind, h=h, k=k, s=s, p=p):
                    self.check(self.pool_model(kind, h, k, s, p))

    # -- elementwise ------------------------------------------------------
    def test_elementwise(self):
        tm = TinyModel()
        x = tm.tensor("x", [1, 4, 5, 6])
        x2 = tm.tensor("x2", [1, 4, 5, 6])
        cc = tm.const("cc", rnd(6, seed=7))
        sc = tm.const("sc", np.array([0.5], np.float32))
        al = tm.const("alpha", rnd(1, 1, 6, seed=8))
        a = tm.tensor("a", [1, 4, 5, 6])
        b_ = tm.tensor("b", [1, 4, 5, 6])
        c = tm.tensor("c", [1, 4, 5, 6])
        d = tm.tensor("d", [1, 4, 5, 6])
        e = tm.tensor("e", [1, 4, 5, 6])
        f = tm.tensor("f", [1, 4, 5, 6])
        g = tm.tensor("g", [1, 4, 5, 6])
        tm.op("ADD", [x, cc], [a], act=1)
        tm.op("MUL", [a, sc], [b_])
        tm.op("SUB", [b_, x2], [c], act=2)
        tm.op("PRELU", [x2, al], [d])
        tm.op("LOGISTIC", [d], [e])
        tm.op("RELU6", [x], [f])
        tm.op("TANH", [f], [g])
        tm.inputs, tm.outputs = [x, x2], [c, e, g]
        self.check(tm)

    # -- shape ops --------------------------------------------------------
    def test_pad_concat_reshape(self):
        tm = TinyModel()
        x = tm.tensor("x", [1, 4, 5, 3])
        p = tm.const("p", np.array([[0, 0], [1, 2], [0, 1], [0, 3]],
                                   np.int32))
        xp = tm.tensor("xp", [1, 7, 6, 6])
        cat = tm.tensor("cat", [1, 7, 6, 12])
        cat2 = tm.tensor("cat2", [1, 14, 6, 12])
        r = tm.tensor("r", [1, 42, 12])
        r2 = tm.tensor("r2", [1, 6, 7, 12])
        tm.op("PAD", [x, p], [xp])
        tm.op("CONCATENATION", [xp, xp], [cat], axis=-1)
        tm.op("CONCATENATION", [cat, cat], [cat2], axis=1, act=1)
        tm.op("RESHAPE", [cat], [r])
        tm.op("RESHAPE", [r], [r2])
        tm.inputs, tm.outputs = [x], [cat2, r, r2]
        self.check(tm)

    def test_strided_slice(self):
        tm = TinyModel()
        x = tm.tensor("x", [1, 6, 7, 8])
        b_ = tm.const("b", np.array([0, 1, 0, 2], np.int32))
        e = tm.const("e", np.array([1, 6, 7, 8], np.int32))
        s = tm.const("s", np.array([1, 2, 1, 3], np.int32))
        y = tm.tensor("y", [1, 3, 7, 2])
        b2 = tm.const("b2", np.array([0, 2, 0, 0], np.int32))
        y2 = tm.tensor("y2", [1, 7, 8])
        tm.op("STRIDED_SLICE", [x, b_, e, s], [y], begin_mask=4, end_mask=0)
        tm.op("STRIDED_SLICE", [x, b2, e, tm.const("s1", np.ones(4, np.int32))],
              [y2], shrink_axis_mask=2, end_mask=13)
        tm.inputs, tm.outputs = [x], [y, y2]
        self.check(tm)

    def test_resize_bilinear(self):
        for ac, hp, (h, oh) in [(0, 1, (6, 12)), (1, 0, (5, 9)),
                                (0, 0, (4, 8)), (0, 1, (24, 48))]:
            with self.subTest(align_corners=ac, half_pixel=hp, h=h):
                tm = TinyModel()
                x = tm.tensor("x", [1, h, h, 4])
                sz = tm.const("size", np.array([oh, oh], np.int32))
                y = tm.tensor("y", [1, oh, oh, 4])
                tm.op("RESIZE_BILINEAR", [x, sz], [y], align_corners=ac,
                      half_pixel=hp)
                tm.inputs, tm.outputs = [x], [y]
                self.check(tm)

    # -- custom ops / manifest ---------------------------------------------
    def test_split_manifest(self):
        tm = TinyModel()
        x = tm.tensor("x", [1, 1, 1, 10])
        mtx = tm.tensor("matrix", [1, 4, 4])
        x2 = tm.tensor("x_scaled", [1, 1, 1, 10])
        r = tm.tensor("r", [1, 5, 2])
        t = tm.tensor("t", [1, 5, 2])
        out = tm.tensor("out", [1, 1, 1, 10])
        tm.op("MUL", [x, tm.const("two", np.array([2], np.float32))], [x2])
        tm.op("RESHAPE", [x2], [r])
        tm.op("CUSTOM", [r, mtx], [t], custom="TransformLandmarks")
        tm.op("RESHAPE", [t], [out])
        tm.inputs, tm.outputs = [x, mtx], [out]
        src, dst, files = self.convert(tm)
        self.assertFalse(os.path.exists(dst))
        with open(os.path.join(self.tmp.name, "m.manifest.json")) as f:
            man = json.load(f)
        kinds = [s["kind"] for s in man["stages"]]
        self.assertEqual(kinds, ["onnx", "custom"])
        self.assertEqual(man["stages"][1]["outputs"], ["out"])
        self.assertEqual(man["stages"][1]["output_shape"], [1, 1, 1, 10])
        self.assertEqual(man["stages"][0]["outputs"], ["r"])

    def test_independent_branches_are_separate_parts(self):
        # after the custom op, two chains that only share its output
        tm = TinyModel()
        x = tm.tensor("x", [1, 1, 1, 10])
        mtx = tm.tensor("matrix", [1, 4, 4])
        r = tm.tensor("r", [1, 5, 2])
        t = tm.tensor("t", [1, 5, 2])
        a = tm.tensor("a", [1, 5, 2])
        a2 = tm.tensor("a2", [1, 5, 2])
        b = tm.tensor("b", [1, 5, 2])
        tm.op("RESHAPE", [x], [r])
        tm.op("CUSTOM", [r, mtx], [t], custom="TransformLandmarks")
        tm.op("MUL", [t, tm.const("two", np.array([2], np.float32))], [a])
        tm.op("MUL", [t, tm.const("three", np.array([3], np.float32))], [b])
        tm.op("ADD", [a, tm.const("one", np.array([1], np.float32))], [a2])
        tm.inputs, tm.outputs = [x, mtx], [a2, b]
        self.convert(tm)
        with open(os.path.join(self.tmp.name, "m.manifest.json")) as f:
            stages = json.load(f)["stages"]
        self.assertEqual([s["kind"] for s in stages],
                         ["onnx", "custom", "onnx", "onnx"])
        self.assertEqual([(s["inputs"], s["outputs"]) for s in stages[2:]],
                         [(["t"], ["a2"]), (["t"], ["b"])])

    def test_errors(self):
        tm = TinyModel()
        x = tm.tensor("x", [1, 4, 4, 1])
        y = tm.tensor("y", [1, 4, 4, 1])
        tm.op("FLOOR", [x], [y])
        tm.inputs, tm.outputs = [x], [y]
        with self.assertRaisesRegex(Exception, r"m\.tflite.*FLOOR"):
            self.convert(tm)
        tm.ops = [("CUSTOM", [x], [y], {}, "MysteryOp")]
        with self.assertRaisesRegex(Exception, r"m\.tflite.*MysteryOp"):
            self.convert(tm)

    def test_deterministic(self):
        tm = self.conv_model(8, 8, 3, 4, 3, 2, 0)
        _, dst, _ = self.convert(tm)
        a = open(dst, "rb").read()
        os.unlink(dst)
        self.convert(tm)
        self.assertEqual(a, open(dst, "rb").read())


if __name__ == "__main__":
    unittest.main()
