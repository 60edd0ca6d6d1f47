# SPDX-License-Identifier: LGPL-2.1-or-later
"""Translate a run of TFLite builtin operators into one ONNX graph.

Layout: inside the ONNX graph every 4-D activation is kept NCHW (what
cv::dnn and ONNX convolution expect); tensors of any other rank keep TFLite's
row-major layout ("native").  Graph inputs and outputs always carry the
TFLite shape and layout (NHWC for 4-D) and the TFLite tensor name; Transpose
(or, when the permutation does not move any data, Reshape) nodes are
inserted at the boundaries and wherever an op needs the other layout.

Only ONNX opset 11 operators that OpenCV 4.6's ONNX importer handles are
emitted.

tfjs2onnx.py reuses this: it lowers TF.js nodes to these TFLite-style
operators and subclasses GraphEmitter for the few it adds.
"""

import re

import numpy as np
import onnx
from onnx import helper, numpy_helper, TensorProto

OPSET = 11

NCHW = "nchw"
NATIVE = "native"
TO_NCHW = [0, 3, 1, 2]
TO_NHWC = [0, 2, 3, 1]

# cv::dnn 4.6 has a vectorised depthwise convolution only for 3x3 kernels on
# inputs of at least DEPTHWISE_FAST_WIDTH columns; on narrower inputs it is
# 3-5x slower than the arithmetic needs (docs/performance.md). Such
# convolutions are written as nodes DepthwiseConv2D of the CUSTOM_DOMAIN,
# which the engine runs with its own cv::dnn layer
# (core/src/inference/depthwise_conv_layer.h) and the Python tools with
# cv2_layers.py. Same attributes and semantics as ONNX Conv with group = C.
DEPTHWISE_FAST_WIDTH = 18
CUSTOM_DOMAIN = "gst_fer"
CUSTOM_DOMAIN_VERSION = 1


class ConvertError(Exception):
    """Raised for a TFLite construct the converter cannot translate."""


def sanitize(name):
    """TFLite names are kept unless they hold characters that tools choke
    on; those are replaced with '_'."""
    s = re.sub(r"[^A-Za-z0-9_./:-]", "_", name)
    return s or "tensor"


def _perm_is_trivial(shape_nhwc):
    """True when NHWC<->NCHW does not move any data (C == 1 or H*W == 1)."""
    n, h, w, c = shape_nhwc
    return c == 1 or h * w == 1


def same_padding(in_size, k, stride, dilation):
    """TFLite SAME padding for one spatial dim: (before, after)."""
    eff = (k - 1) * dilation + 1
    out = (in_size + stride - 1) // stride
    total = max((out - 1) * stride + eff - in_size, 0)
    return total // 2, total - total // 2


def value_info(name, shape):
    """Float graph input/output; a negative dimension (TF.js' -1 batch)
    becomes the symbolic dimension "N", which cv::dnn 4.6 accepts (it
    then runs any batch size)."""
    return helper.make_tensor_value_info(
        name, TensorProto.FLOAT, [d if d >= 0 else "N" for d in shape])


def _onnx_dtype(np_dtype):
    return {np.dtype(np.float32): TensorProto.FLOAT,
            np.dtype(np.int64): TensorProto.INT64,
            np.dtype(np.int32): TensorProto.INT32}[np.dtype(np_dtype)]


def supported_builtins():
    """Names of the TFLite builtin operators GraphEmitter translates."""
    return {k[3:] for k in dir(GraphEmitter) if k.startswith("op_")}


class GraphEmitter:
    """Builds one ONNX model from a list of TFLite operators.

    model:   tflite_reader.Model
    consts:  dict tensor index -> numpy array (after constant folding)
    ops:     operators to translate, in execution order
    inputs:  tensor indices that become graph inputs
    outputs: tensor indices that become graph outputs
    names:   dict tensor index -> boundary name
    """

    def __init__(self, model, consts, ops, inputs, outputs, names,
                 graph_name, doc="", producer="gst-fer tflite2onnx"):
        self.m = model
        self.consts = consts
        self.ops = ops
        self.inputs = inputs
        self.outputs = outputs
        self.names = names
        self.graph_name = graph_name
        self.doc = doc
        self.producer = producer
        self.nodes = []
        self.inits = []
        self.used = set(names[t] for t in inputs + outputs)
        self.vals = {}          # tensor index -> {layout: onnx value name}
        self.const_cache = {}   # (tensor index, tag) -> initializer name
        self.claimed = set()    # graph output names already produced
        self.op = None

    # ----- naming / bookkeeping -----------------------------------------
    def uname(self, base):
        base = sanitize(base)
        name, i = base, 1
        while name in self.used:
            name = "%s_%d" % (base, i)
            i += 1
        self.used.add(name)
        return name

    def tname(self, t):
        return self.m.tensors[t].name

    def shape(self, t):
        return list(self.m.tensors[t].shape)

    def fail(self, msg):
        op = self.op
        where = ("operator %d (%s)" % (op.index, op.kind)) if op else "graph"
        raise ConvertError("%s: %s: %s" % (self.m.path, where, msg))

    def node(self, op_type, inputs, outputs, domain=None, **attrs):
        self.nodes.append(helper.make_node(op_type, inputs, outputs,
                                           name=outputs[0], domain=domain,
                                           **attrs))

    def init(self, base, array):
        name = self.uname(base)
        self.inits.append(numpy_helper.from_array(np.ascontiguousarray(array),
                                                  name))
        return name

    def i64(self, base, values):
        return self.init(base, np.asarray(values, dtype=np.int64))

    # ----- values and layouts ----------------------------------------------
    def is_const(self, t):
        return t in self.consts

    def const(self, t):
        if t not in self.consts:
            self.fail("input tensor %r must be constant" % self.tname(t))
        return self.consts[t]

    def get(self, t, layout=None):
        """ONNX value name of tensor t in the given layout (default: NCHW
        for 4-D tensors, native otherwise)."""
        rank = len(self.shape(t))
        if layout is None or rank != 4:
            layout = NCHW if rank == 4 else NATIVE
        if t in self.consts and t not in self.vals:
            arr = self.consts[t].astype(np.float32) \
                if self.consts[t].dtype.kind == "f" else self.consts[t]
            if layout == NCHW:
                arr = arr.transpose(TO_NCHW)
            key = (t, layout)
            if key not in self.const_cache:
                self.const_cache[key] = self.init(self.tname(t) + "/" + layout,
                                                  arr)
            return self.const_cache[key]
        have = self.vals.get(t)
        if not have:
            self.fail("tensor %r is not available (internal ordering error)"
                      % self.tname(t))
        if layout in have:
            return have[layout]
        src_layout, src = next(iter(have.items()))
        shp = self.shape(t)
        nchw_shape = [shp[i] for i in TO_NCHW]
        dst = self.uname(self.tname(t) + "/" + layout)
        if _perm_is_trivial(shp):
            target = nchw_shape if layout == NCHW else shp
            self.node("Reshape", [src, self.i64(dst + "/shape", target)],
                      [dst])
        else:
            self.node("Transpose", [src], [dst],
                      perm=TO_NCHW if layout == NCHW else TO_NHWC)
        have[layout] = dst
        return dst

    def put(self, t, layout=None, base=None):
        """Allocate the ONNX value name for TFLite tensor t, stored in the
        given layout (default as in get())."""
        rank = len(self.shape(t))
        if layout is None or rank != 4:
            layout = NCHW if rank == 4 else NATIVE
        if layout == NATIVE and t in self.outputs and \
                self.names[t] not in self.claimed:
            name = self.names[t]          # a graph output: final name
            self.claimed.add(name)
        else:
            name = self.uname(self.tname(t) +
                              ("/nchw" if layout == NCHW else ""))
        self.vals.setdefault(t, {})[layout] = name
        return name

    def alias(self, t_out, t_in):
        """t_out holds exactly the data of t_in (same shape)."""
        self.vals[t_out] = dict(self.vals.get(t_in) or {})
        if not self.vals[t_out]:
            self.vals[t_out] = {NATIVE if len(self.shape(t_in)) != 4
                                else NCHW: self.get(t_in)}

    def activation(self, name_in, act, t_out, layout=None):
        """Apply a TFLite fused activation; returns nothing, registers
        the final value for t_out."""
        if act == 0:
            return name_in
        out = self.put(t_out, layout)
        if act == 1:
            self.node("Relu", [name_in], [out])
        elif act in (2, 3):
            self._clip(name_in, -1.0 if act == 2 else 0.0,
                       1.0 if act == 2 else 6.0, out)
        elif act == 4:
            self.node("Tanh", [name_in], [out])
        else:
            self.fail("unsupported fused activation %d" % act)
        return out

    def _clip(self, x, lo, hi, out):
        """out = min(max(x, lo), hi) as hi - Relu((hi-lo) - Relu(x - lo)).
        OpenCV 4.6 imports Clip only in its opset<11 attribute form, and
        Min/Max only between two tensors; Relu and Sub(constant, tensor)
        import fine.  Rounding error <= 1 ulp of hi - lo."""
        base = out + "/clip"
        if lo != 0.0:
            shifted = self.uname(base + "_shift")
            self.node("Add", [x, self.init(base + "_neglo",
                                           np.array(-lo, np.float32))],
                      [shifted])
            x = shifted
        a = self.uname(base + "_lo")
        self.node("Relu", [x], [a])
        b = self.uname(base + "_flip")
        self.node("Sub", [self.init(base + "_range",
                                    np.array(hi - lo, np.float32)), a], [b])
        c = self.uname(base + "_hi")
        self.node("Relu", [b], [c])
        self.node("Sub", [self.init(base + "_max", np.array(hi, np.float32)),
                          c], [out])

    def _emit_with_act(self, op_type, inputs, t_out, act, layout=None,
                       **attrs):
        if act == 0:
            out = self.put(t_out, layout)
        else:
            out = self.uname(self.tname(t_out) + "/preact")
        self.node(op_type, inputs, [out], **attrs)
        if act:
            self.activation(out, act, t_out, layout)

    # ----- graph assembly ---------------------------------------------------
    def build(self):
        for t in self.inputs:
            self.vals[t] = {NATIVE: self.names[t]}
        for op in self.ops:
            self.op = op
            fn = getattr(self, "op_" + op.opname, None)
            if fn is None:
                self.fail("operator type not supported by this converter")
            fn(op)
            for t in op.outputs:
                if t not in self.vals:
                    self.fail("produced no value for %r" % self.tname(t))
        self.op = None
        g_outputs = []
        for t in self.outputs:
            want = self.names[t]
            have = self.vals.get(t, {})
            if have.get(NATIVE) != want:
                if len(self.shape(t)) == 4 and NCHW in have:
                    src = have[NCHW]
                    if _perm_is_trivial(self.shape(t)):
                        self.node("Reshape",
                                  [src, self.i64(want + "/shape",
                                                 self.shape(t))], [want])
                    else:
                        self.node("Transpose", [src], [want], perm=TO_NHWC)
                else:
                    src = self.get(t, NATIVE)
                    self.node("Reshape",
                              [src, self.i64(want + "/shape", self.shape(t))],
                              [want])
            g_outputs.append(value_info(want, self.shape(t)))
        g_inputs = [value_info(self.names[t], self.shape(t))
                    for t in self.inputs]
        graph = helper.make_graph(self.nodes, self.graph_name, g_inputs,
                                  g_outputs, initializer=self.inits,
                                  doc_string=self.doc)
        custom = [helper.make_opsetid(CUSTOM_DOMAIN, CUSTOM_DOMAIN_VERSION)] \
            if any(n.domain == CUSTOM_DOMAIN for n in self.nodes) else []
        model = helper.make_model(
            graph, producer_name=self.producer,
            producer_version="1",
            opset_imports=[helper.make_opsetid("", OPSET)] + custom)
        model.ir_version = 6  # ONNX 1.6 era IR: fine for OpenCV 4.6
        onnx.checker.check_model(model)
        return model

    # ----- operators ----------------------------------------------------------
    def _check_float(self, op):
        for t in list(op.inputs[:1]) + list(op.outputs):
            if t >= 0 and self.m.tensors[t].dtype_name != "FLOAT32":
                self.fail("only FLOAT32 activations are supported (tensor %r "
                          "is %s)" % (self.tname(t),
                                      self.m.tensors[t].dtype_name))

    def _spatial(self, op, in_shape, kh, kw, o):
        sh, sw = o["stride_h"], o["stride_w"]
        dh, dw = o.get("dilation_h_factor", 1), o.get("dilation_w_factor", 1)
        if sh <= 0 or sw <= 0:
            self.fail("bad strides %d,%d" % (sh, sw))
        if o["padding"] == 0:
            pt, pb = same_padding(in_shape[1], kh, sh, dh)
            pl, pr = same_padding(in_shape[2], kw, sw, dw)
        elif o["padding"] == 1:
            pt = pb = pl = pr = 0
        else:
            self.fail("unknown padding %d" % o["padding"])
        out_h = (in_shape[1] + pt + pb - ((kh - 1) * dh + 1)) // sh + 1
        out_w = (in_shape[2] + pl + pr - ((kw - 1) * dw + 1)) // sw + 1
        want = self.shape(op.outputs[0])
        if [out_h, out_w] != want[1:3]:
            self.fail("computed output %dx%d but TFLite says %s"
                      % (out_h, out_w, want))
        return dict(strides=[sh, sw], dilations=[dh, dw],
                    pads=[pt, pl, pb, pr])

    def op_CONV_2D(self, op, depthwise=False):
        self._check_float(op)
        x, w_t = op.inputs[0], op.inputs[1]
        b_t = op.inputs[2] if len(op.inputs) > 2 else -1
        w = self.const(w_t).astype(np.float32)
        in_shape = self.shape(x)
        if len(in_shape) != 4:
            self.fail("input must be 4-D")
        if depthwise:
            # [1, KH, KW, C*M] -> [C*M, 1, KH, KW], group = C
            cm = w.shape[3]
            w_onnx = w.reshape(w.shape[1], w.shape[2], cm).transpose(2, 0, 1)
            w_onnx = w_onnx.reshape(cm, 1, w.shape[1], w.shape[2])
            group = in_shape[3]
            if cm != group * max(op.options["depth_multiplier"], 1) and \
                    cm % group != 0:
                self.fail("depthwise channel mismatch")
        else:
            # [O, KH, KW, I] -> [O, I, KH, KW]
            w_onnx = w.transpose(0, 3, 1, 2)
            group = 1
            if w.shape[3] != in_shape[3]:
                self.fail("conv input channels %d != kernel %d"
                          % (in_shape[3], w.shape[3]))
        kh, kw = w_onnx.shape[2], w_onnx.shape[3]
        attrs = self._spatial(op, in_shape, kh, kw, op.options)
        act = op.options["fused_activation_function"]
        bias = [self.init(self.tname(b_t), self.const(b_t).astype(np.float32))] \
            if b_t >= 0 else []
        if group == 1 and in_shape[:3] == [1, kh, kw] and \
                attrs["pads"] == [0, 0, 0, 0]:
            self._dense_conv(x, w_onnx, bias, op.outputs[0], act)
            return
        ins = [self.get(x), self.init(self.tname(w_t), w_onnx)] + bias
        if depthwise and w_onnx.shape[0] == group and \
                in_shape[2] < DEPTHWISE_FAST_WIDTH and \
                attrs["dilations"] == [1, 1]:
            self._emit_with_act("DepthwiseConv2D", ins, op.outputs[0], act,
                                domain=CUSTOM_DOMAIN, pads=attrs["pads"],
                                strides=attrs["strides"])
            return
        pt, pl, pb, pr = attrs["pads"]
        if op.options["padding"] == 0 and (pt, pl) != (pb, pr) and \
                attrs["dilations"] == [1, 1]:
            # TFLite's SAME puts the odd pad at the end, as ONNX's SAME_UPPER
            # does. cv::dnn (4.6) applies those pads inside the convolution;
            # unequal explicit pads cost a separate padding layer (more than
            # half of the time of a strided depthwise convolution).
            del attrs["pads"]
            attrs["auto_pad"] = "SAME_UPPER"
        self._emit_with_act("Conv", ins, op.outputs[0], act,
                            kernel_shape=[kh, kw], group=group, **attrs)

    def _dense_conv(self, x, w_onnx, bias, t_out, act):
        """A convolution whose kernel covers its whole input (one output
        pixel) as a fully connected layer: cv::dnn (4.6) runs it about 10
        times faster as Gemm than as Conv."""
        k = w_onnx.shape[0]
        flat = self.uname(self.tname(t_out) + "/flat")
        self.node("Flatten", [self.get(x)], [flat], axis=1)  # keeps batches
        weights = self.init(self.tname(t_out) + "/dense",
                            w_onnx.reshape(k, -1))
        if not bias:
            bias = [self.init(self.tname(t_out) + "/zero_bias",
                              np.zeros(k, np.float32))]
        dense = self.uname(self.tname(t_out) + "/gemm")
        self.node("Gemm", [flat, weights] + bias, [dense], transB=1)
        self._emit_with_act("Reshape", [dense, self.i64(dense + "/shape",
                                                        [-1, k, 1, 1])],
                            t_out, act)

    def op_DEPTHWISE_CONV_2D(self, op):
        self.op_CONV_2D(op, depthwise=True)

    def _pool(self, op, onnx_type, **extra):
        self._check_float(op)
        x = op.inputs[0]
        o = op.options
        kh, kw = o["filter_height"], o["filter_width"]
        attrs = self._spatial(op, self.shape(x), kh, kw, o)
        del attrs["dilations"]
        self._emit_with_act(onnx_type, [self.get(x)], op.outputs[0],
                            o["fused_activation_function"],
                            kernel_shape=[kh, kw], **attrs, **extra)

    def op_MAX_POOL_2D(self, op):
        self._pool(op, "MaxPool")

    def op_AVERAGE_POOL_2D(self, op):
        # TFLite averages over the valid (unpadded) window only.
        self._pool(op, "AveragePool", count_include_pad=0)

    def _act_only(self, op, act):
        self._check_float(op)
        t = op.inputs[0]
        layout = NCHW if len(self.shape(t)) == 4 else NATIVE
        self.activation(self.get(t, layout), act, op.outputs[0], layout)

    def op_RELU(self, op):
        self._act_only(op, 1)

    def op_RELU6(self, op):
        self._act_only(op, 3)

    def op_RELU_N1_TO_1(self, op):
        self._act_only(op, 2)

    def op_TANH(self, op):
        self._act_only(op, 4)

    def op_LOGISTIC(self, op):
        self._check_float(op)
        t = op.inputs[0]
        self.node("Sigmoid", [self.get(t)], [self.put(op.outputs[0])])

    def op_PRELU(self, op):
        self._check_float(op)
        x, a_t = op.inputs
        shp = self.shape(x)
        alpha = self.const(a_t).astype(np.float32)
        if len(shp) == 4:
            a4 = alpha.reshape([1] * (4 - alpha.ndim) + list(alpha.shape))
            a4 = a4.transpose(TO_NCHW)[0]          # [C, H', W']
            if a4.shape[1] * a4.shape[2] != 1:
                if np.all(a4 == a4[:, :1, :1]):
                    a4 = a4[:, :1, :1]
                else:
                    self.fail("spatially varying PReLU alpha is not supported")
            slope = a4
        else:
            slope = alpha
        self.node("PRelu", [self.get(x), self.init(self.tname(a_t), slope)],
                  [self.put(op.outputs[0])])

    def _binary(self, op, onnx_type):
        self._check_float(op)
        a, b = op.inputs
        out_t = op.outputs[0]
        rank = len(self.shape(out_t))
        names = []
        for t in (a, b):
            if self.is_const(t):
                c = self.const(t).astype(np.float32)
                if rank == 4:
                    c4 = c.reshape([1] * (4 - c.ndim) + list(c.shape))
                    c4 = c4.transpose(TO_NCHW)
                    # drop leading singleton dims (keeps per-channel
                    # constants in the [C,1,1] form cv::dnn likes)
                    while c4.ndim > 1 and c4.shape[0] == 1:
                        c4 = c4[0]
                    c = c4
                if c.size == 1:
                    c = c.reshape([])
                names.append(self.init(self.tname(t), c))
            else:
                if len(self.shape(t)) != rank:
                    self.fail("broadcast between ranks %d and %d not "
                              "supported" % (len(self.shape(t)), rank))
                names.append(self.get(t))
        act = op.options.get("fused_activation_function", 0)
        self._emit_with_act(onnx_type, names, out_t, act)

    def op_ADD(self, op):
        self._binary(op, "Add")

    def op_MUL(self, op):
        self._binary(op, "Mul")

    def op_SUB(self, op):
        self._binary(op, "Sub")

    def op_PAD(self, op):
        self._check_float(op)
        x, p_t = op.inputs[:2]
        pads = self.const(p_t).astype(np.int64).reshape(-1, 2)
        shp = self.shape(x)
        if pads.shape[0] != len(shp):
            self.fail("paddings rank mismatch")
        if len(shp) == 4:
            pads = pads[TO_NCHW]
        onnx_pads = list(pads[:, 0]) + list(pads[:, 1])
        self.node("Pad", [self.get(x), self.i64(self.tname(p_t), onnx_pads)],
                  [self.put(op.outputs[0])], mode="constant")

    def op_RESHAPE(self, op):
        x, out_t = op.inputs[0], op.outputs[0]
        in_shp, out_shp = self.shape(x), self.shape(out_t)
        if int(np.prod(in_shp)) != int(np.prod(out_shp)):
            self.fail("element count changes %s -> %s" % (in_shp, out_shp))
        have = self.vals.get(x, {})
        if len(in_shp) == 4 and NCHW in have and NATIVE not in have and \
                not _perm_is_trivial(in_shp):
            src = self.get(x, NATIVE)
        elif len(in_shp) == 4 and NATIVE not in have and \
                not self.is_const(x):
            src = have[NCHW]       # trivial permutation: same memory order
        else:
            src = self.get(x, NATIVE)
        if len(out_shp) == 4:
            if _perm_is_trivial(out_shp):
                target, layout = [out_shp[i] for i in TO_NCHW], NCHW
            else:
                target, layout = out_shp, NATIVE
        else:
            target, layout = out_shp, NATIVE
        out = self.put(out_t, layout)
        self.node("Reshape", [src, self.i64(out + "/shape", target)], [out])

    def op_CONCATENATION(self, op):
        self._check_float(op)
        out_t = op.outputs[0]
        rank = len(self.shape(out_t))
        axis = op.options["axis"]
        if axis < 0:
            axis += rank
        if rank == 4:
            axis = TO_NCHW.index(axis)
        ins = [self.get(t) for t in op.inputs]
        self._emit_with_act("Concat", ins, out_t,
                            op.options["fused_activation_function"],
                            axis=axis)

    def op_STRIDED_SLICE(self, op):
        x, b_t, e_t, s_t = op.inputs
        o = op.options
        if o["ellipsis_mask"] or o["new_axis_mask"] or o.get("offset"):
            self.fail("ellipsis/new_axis/offset masks are not supported")
        shp = self.shape(x)
        begin = [int(v) for v in self.const(b_t)]
        end = [int(v) for v in self.const(e_t)]
        strides = [int(v) for v in self.const(s_t)]
        starts, ends, steps = [], [], []
        identity = True
        for i, dim in enumerate(shp):
            st = strides[i]
            if st == 0:
                self.fail("zero stride")
            b = begin[i]
            e = end[i]
            if o["begin_mask"] >> i & 1:
                b = 0 if st > 0 else dim - 1
            if o["end_mask"] >> i & 1:
                e = dim if st > 0 else -dim - 1
            if o["shrink_axis_mask"] >> i & 1:
                b = b + dim if b < 0 else b
                e, st = b + 1, 1
            if not (st == 1 and (b == 0 or b == -dim) and e >= dim):
                identity = False
            starts.append(b)
            ends.append(e)
            steps.append(st)
        # cv::dnn (4.6) wants the sliced axes consecutive: give all of them
        axes = list(range(len(shp)))
        out_t = op.outputs[0]
        if identity and self.shape(out_t) == shp:
            self.alias(out_t, x)
            return
        # slice in native layout, then reshape (drops shrunk axes)
        src = self.get(x, NATIVE)
        tmp = self.uname(self.tname(out_t) + "/slice")
        self.node("Slice", [src, self.i64(tmp + "/starts", starts),
                            self.i64(tmp + "/ends", ends),
                            self.i64(tmp + "/axes", axes),
                            self.i64(tmp + "/steps", steps)], [tmp])
        out = self.put(out_t, NATIVE)
        self.node("Reshape", [tmp, self.i64(out + "/shape",
                                            self.shape(out_t))], [out])

    def op_RESIZE_BILINEAR(self, op):
        self._check_float(op)
        x, out_t = op.inputs[0], op.outputs[0]
        o = op.options
        if o["align_corners"] and o["half_pixel_centers"]:
            self.fail("align_corners and half_pixel_centers both set")
        mode = ("align_corners" if o["align_corners"] else
                "half_pixel" if o["half_pixel_centers"] else "asymmetric")
        oshp = self.shape(out_t)
        if len(op.inputs) > 1 and self.is_const(op.inputs[1]):
            size = [int(v) for v in self.const(op.inputs[1])]
            if size != oshp[1:3]:
                self.fail("size input %s disagrees with output shape %s"
                          % (size, oshp))
        ishp = self.shape(x)
        scales = np.array([1, 1, oshp[1] / ishp[1], oshp[2] / ishp[2]],
                          np.float32)
        roi = self.init("resize_roi", np.zeros([0], np.float32))
        self.node("Resize", [self.get(x), roi,
                             self.init(self.tname(out_t) + "/scales", scales)],
                  [self.put(out_t)], mode="linear",
                  coordinate_transformation_mode=mode)
