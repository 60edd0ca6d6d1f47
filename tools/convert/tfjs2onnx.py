#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Convert TF.js models to ONNX (opset 11) for OpenCV 4.6 cv::dnn.

    tfjs2onnx.py graph MODEL.json OUT.onnx [--sidecar JSON]
    tfjs2onnx.py faceapi-expression MANIFEST.json OUT.onnx [--sidecar JSON]

graph: a TF.js graph model (model.json with "modelTopology" and
"weightsManifest", the weight files next to it).  Supported TF ops are
listed by --list-ops; anything else fails naming the file, node and op.

faceapi-expression: face-api's FaceExpressionNet, built from its weights
manifest (face_expression_model-weights_manifest.json) with the
architecture of face-api's FaceFeatureExtractor + FaceProcessor (README.md).
The ONNX output is the fully connected layer's logits (no softmax).

The ONNX graph keeps TF.js' boundary: the same input/output names (the
TF.js node names), NHWC input, the batch dimension symbolic ("N") when
TF.js has -1 there, so cv::dnn runs any batch size.

--sidecar JSON writes OUT.onnx.json: the given JSON object, with
source.files filled in ({path: sha256} of the model/manifest JSON and its
weight files, paths relative to --package-dir, default the model's
directory), keys sorted, 2-space indent.

Output is byte-for-byte deterministic; files are written atomically and an
unchanged file is left alone.  Exit status: 0 on success, 1 on conversion
errors, 2 on usage errors.  Run with Debian's /usr/bin/python3
(python3-onnx, python3-numpy).
"""

import argparse
import base64
import hashlib
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from atomic_write import write_if_changed  # noqa: E402
from onnx_emit import GraphEmitter, ConvertError, sanitize  # noqa: E402
from onnx_emit import NCHW, NATIVE  # noqa: E402

PRODUCER = "gst-fer tfjs2onnx"


# ----- TF.js files ---------------------------------------------------------

_DTYPES = {"float32": np.dtype("<f4"), "int32": np.dtype("<i4"),
           "bool": np.dtype("u1")}
_QUANT = {"uint8": np.dtype("u1"), "uint16": np.dtype("<u2"),
          "float16": np.dtype("<f2")}


def load_weights(groups, base_dir, where):
    """Read a TF.js weights manifest (list of groups).  Returns
    (dict name -> numpy array, list of weight file paths read).

    Quantized entries are dequantized as TF.js does: uint8/uint16 to
    `q * scale + min` (computed in double, stored as float32; int32
    weights are rounded), float16 widened to float32."""
    weights, files = {}, []
    for gi, group in enumerate(groups):
        chunks = []
        for p in group["paths"]:
            path = os.path.join(base_dir, p)
            with open(path, "rb") as f:
                chunks.append(f.read())
            files.append(path)
        data = b"".join(chunks)
        off = 0
        for w in group["weights"]:
            name, dtype = w["name"], w.get("dtype", "float32")
            shape = [int(d) for d in w["shape"]]
            count = int(np.prod(shape, dtype=np.int64))
            if dtype not in _DTYPES:
                raise ConvertError("%s: weight %r: dtype %r not supported"
                                   % (where, name, dtype))
            q = w.get("quantization")
            if q:
                qd = q.get("dtype")
                if qd not in _QUANT:
                    raise ConvertError("%s: weight %r: unknown quantization "
                                       "dtype %r" % (where, name, qd))
                src_dt = _QUANT[qd]
            else:
                src_dt = _DTYPES[dtype]
            size = count * src_dt.itemsize
            if off + size > len(data):
                raise ConvertError("%s: weight %r: group %d has %d bytes, "
                                   "needs %d" % (where, name, gi, len(data),
                                                 off + size))
            raw = np.frombuffer(data, src_dt, count, off)
            off += size
            if not q:
                arr = raw.astype(_DTYPES[dtype].newbyteorder("="))
            elif qd == "float16":
                if dtype != "float32":
                    raise ConvertError("%s: weight %r: float16 quantization "
                                       "of %s" % (where, name, dtype))
                arr = raw.astype(np.float32)
            else:
                if "scale" not in q or "min" not in q:
                    raise ConvertError("%s: weight %r: quantization without "
                                       "scale/min" % (where, name))
                v = raw.astype(np.float64) * float(q["scale"]) + \
                    float(q["min"])
                if dtype == "float32":
                    arr = v.astype(np.float32)
                elif dtype == "int32":
                    # JS Math.round: halves round up
                    arr = np.floor(v + 0.5).astype(np.int32)
                else:
                    raise ConvertError("%s: weight %r: %s quantization of "
                                       "%s" % (where, name, qd, dtype))
            if name in weights:
                raise ConvertError("%s: weight %r listed twice"
                                   % (where, name))
            weights[name] = arr.reshape(shape)
        if off != len(data):
            raise ConvertError("%s: weight group %d: %d bytes listed, files "
                               "hold %d" % (where, gi, off, len(data)))
    return weights, files


def decode_attr(a):
    """One TF AttrValue in TF.js' JSON (protobuf JSON mapping) -> Python."""
    if "list" in a:
        lst = a["list"]
        if "i" in lst:
            return [int(v) for v in lst["i"]]
        if "s" in lst:
            return [base64.b64decode(v).decode("utf-8") for v in lst["s"]]
        if "f" in lst:
            return [float(v) for v in lst["f"]]
        if "b" in lst:
            return [bool(v) for v in lst["b"]]
        return []
    if "s" in a:
        return base64.b64decode(a["s"]).decode("utf-8")
    if "i" in a:
        return int(a["i"])
    if "f" in a:
        return float(a["f"])
    if "b" in a:
        return bool(a["b"])
    if "type" in a:
        return a["type"]
    if "shape" in a:
        shp = a["shape"]
        if shp.get("unknownRank"):
            return None
        # protobuf JSON leaves out zero-valued fields: no "size" means 0
        return [int(d.get("size", 0)) for d in shp.get("dim", [])]
    if "tensor" in a:
        return a["tensor"]
    return None


class Node:
    """A TF graph node: name, op, input node names, decoded attributes."""

    def __init__(self, name, op, inputs, attrs):
        self.name = name
        self.op = op
        self.inputs = inputs
        self.attrs = attrs

    def attr(self, key, default=None):
        v = self.attrs.get(key)
        return default if v is None else v


class Graph:
    """A TF graph with its weights: nodes (dict name -> Node, plus order),
    weights (dict name -> array), inputs/outputs (node names), files (the
    model/manifest JSON and the weight files, for the sidecar)."""

    def __init__(self, path, nodes, weights, inputs, outputs, files):
        self.path = path
        self.order = [n.name for n in nodes]
        self.nodes = {n.name: n for n in nodes}
        self.weights = weights
        self.inputs = inputs
        self.outputs = outputs
        self.files = files

    def topo(self):
        """Nodes the outputs depend on, producers first (deterministic:
        depth first in input order)."""
        seen, order = set(), []
        for out in self.outputs:
            stack = [(out, False)]
            while stack:
                name, done = stack.pop()
                if done:
                    order.append(self.nodes[name])
                    continue
                if name in seen:
                    continue
                seen.add(name)
                if name not in self.nodes:
                    raise ConvertError("%s: no node named %r"
                                       % (self.path, name))
                stack.append((name, True))
                for i in reversed(self.nodes[name].inputs):
                    if i not in seen:
                        stack.append((i, False))
        return order


def _input_name(where, node_name, ref):
    """'x', 'x:0' -> 'x'; control inputs ('^x') -> None."""
    if ref.startswith("^"):
        return None
    if ":" in ref:
        base, idx = ref.rsplit(":", 1)
        if idx.isdigit():
            if idx != "0":
                raise ConvertError("%s: node %r reads output %s of %r; "
                                   "multi-output ops are not supported"
                                   % (where, node_name, idx, base))
            return base
    return ref


def read_graph_model(path):
    """Parse a TF.js graph model.json and its weights."""
    with open(path, "rb") as f:
        model = json.loads(f.read().decode("utf-8"))
    topo = model.get("modelTopology")
    if not isinstance(topo, dict) or "node" not in topo:
        raise ConvertError("%s: not a TF.js graph model (no modelTopology."
                           "node; format %r)" % (path, model.get("format")))
    if topo.get("library", {}).get("function"):
        raise ConvertError("%s: graph models with functions (control flow) "
                           "are not supported" % path)
    weights, files = load_weights(model.get("weightsManifest", []),
                                  os.path.dirname(os.path.abspath(path)),
                                  path)
    nodes = []
    for n in topo["node"]:
        ins = [_input_name(path, n["name"], r) for r in n.get("input", [])]
        attrs = {k: decode_attr(v) for k, v in n.get("attr", {}).items()}
        nodes.append(Node(n["name"], n["op"], [i for i in ins if i],
                          attrs))
    sig = (model.get("userDefinedMetadata") or {}).get("signature") or \
        model.get("signature") or {}

    def sig_names(key):
        return [_input_name(path, "signature", v.get("name", k))
                for k, v in (sig.get(key) or {}).items()]

    inputs = sig_names("inputs") or \
        [n.name for n in nodes if n.op == "Placeholder"]
    outputs = sig_names("outputs")
    if not outputs:
        used = {i for n in nodes for i in n.inputs}
        outputs = [n.name for n in nodes
                   if n.name not in used and n.op not in ("Const", "NoOp",
                                                           "Placeholder")]
    return Graph(path, nodes, weights, inputs, outputs,
                 [os.path.abspath(path)] + files)


# ----- face-api's FaceExpressionNet as a TF graph ---------------------------

FACEAPI_INPUT = "input"
FACEAPI_OUTPUT = "logits"
FACEAPI_SIZE = 112
FACEAPI_CHANNELS = [32, 64, 128, 256]      # dense0..dense3 outputs
FACEAPI_CLASSES = 7


def faceapi_expression_graph(manifest_path):
    """face-api FaceExpressionNet (FaceFeatureExtractor + FaceProcessor)
    as a TF graph over the manifest's weights.  See README.md."""
    with open(manifest_path, "rb") as f:
        groups = json.loads(f.read().decode("utf-8"))
    if not isinstance(groups, list):
        raise ConvertError("%s: not a TF.js weights manifest (a JSON list)"
                           % manifest_path)
    weights, files = load_weights(
        groups, os.path.dirname(os.path.abspath(manifest_path)),
        manifest_path)
    nodes = []

    def want(name, shape):
        if name not in weights:
            raise ConvertError("%s: weight %r missing" % (manifest_path,
                                                          name))
        if list(weights[name].shape) != list(shape):
            raise ConvertError("%s: weight %r has shape %s, expected %s"
                               % (manifest_path, name,
                                  list(weights[name].shape), list(shape)))
        nodes.append(Node(name, "Const", [], {}))
        return name

    def node(name, op, inputs, **attrs):
        nodes.append(Node(name, op, inputs, attrs))
        return name

    def conv(name, x, w, b, stride, act):
        fused = ["BiasAdd"] + (["Relu"] if act else [])
        return node(name, "_FusedConv2D", [x, w, b], fused_ops=fused,
                    num_args=1, padding="SAME", strides=[1, stride, stride, 1])

    def sep_conv(prefix, x, cin, cout, stride, act):
        # tf.separableConv2d(x, dw, pw, stride, 'same') + bias:
        # depthwise (stride, SAME), then pointwise 1x1 (stride 1) + bias
        dw = want(prefix + "/depthwise_filter", [3, 3, cin, 1])
        pw = want(prefix + "/pointwise_filter", [1, 1, cin, cout])
        b = want(prefix + "/bias", [cout])
        d = node(prefix + "/depthwise", "DepthwiseConv2dNative", [x, dw],
                 padding="SAME", strides=[1, stride, stride, 1])
        return conv(prefix + ("/relu" if act else "/out"), d, pw, b, 1, act)

    x = node(FACEAPI_INPUT, "Placeholder", [], dtype="DT_FLOAT",
             shape=[-1, FACEAPI_SIZE, FACEAPI_SIZE, 3])
    cin = 3
    for k, cout in enumerate(FACEAPI_CHANNELS):
        p = "dense%d" % k
        if k == 0:      # regular 3x3 conv, stride 2, + bias, relu
            out1 = conv(p + "/conv0/relu", x,
                        want(p + "/conv0/filters", [3, 3, cin, cout]),
                        want(p + "/conv0/bias", [cout]), 2, True)
        else:
            out1 = sep_conv(p + "/conv0", x, cin, cout, 2, True)
        out2 = sep_conv(p + "/conv1", out1, cout, cout, 1, False)
        s = node(p + "/add1", "AddV2", [out1, out2])
        in3 = node(p + "/relu1", "Relu", [s])
        out3 = sep_conv(p + "/conv2", in3, cout, cout, 1, False)
        s23 = node(p + "/add2a", "AddV2", [out2, out3])
        s = node(p + "/add2", "AddV2", [out1, s23])
        in4 = node(p + "/relu2", "Relu", [s])
        out4 = sep_conv(p + "/conv3", in4, cout, cout, 1, False)
        s34 = node(p + "/add3a", "AddV2", [out3, out4])
        s234 = node(p + "/add3b", "AddV2", [out2, s34])
        s = node(p + "/add3", "AddV2", [out1, s234])
        x = node(p + "/out", "Relu", [s])
        cin = cout
    pooled = node("avgpool", "AvgPool", [x], ksize=[1, 7, 7, 1],
                  strides=[1, 2, 2, 1], padding="VALID")
    shape = "flatten/shape"
    nodes.append(Node(shape, "Const", [], {}))
    weights[shape] = np.array([-1, cin], np.int32)
    flat = node("flatten", "Reshape", [pooled, shape])
    node(FACEAPI_OUTPUT, "_FusedMatMul",
         [flat, want("fc/weights", [cin, FACEAPI_CLASSES]),
          want("fc/bias", [FACEAPI_CLASSES])],
         fused_ops=["BiasAdd"], num_args=1, transpose_a=False,
         transpose_b=False)
    used = {i for n in nodes for i in n.inputs}
    extra = sorted(set(weights) - used)
    if extra:
        raise ConvertError("%s: unexpected weights %s (not a face "
                           "expression model?)" % (manifest_path, extra))
    return Graph(manifest_path, nodes, weights, [FACEAPI_INPUT],
                 [FACEAPI_OUTPUT], [os.path.abspath(manifest_path)] + files)


# ----- lowering TF ops to the emitter's (TFLite-style) operators ------------

class _Tensor:
    def __init__(self, index, name, shape, dtype_name):
        self.index = index
        self.name = name
        self.shape = shape
        self.dtype_name = dtype_name


class _Op:
    def __init__(self, index, opname, inputs, outputs, options, node):
        self.index = index
        self.opname = opname
        self.inputs = inputs
        self.outputs = outputs
        self.options = options
        self.node = node            # the TF node it comes from

    @property
    def kind(self):
        return self.opname


class _Model:
    def __init__(self, path):
        self.path = path
        self.tensors = []


_ACT_CODES = {None: 0, "Relu": 1, "Relu6": 3, "Tanh": 4}
_PAD = {"SAME": 0, "VALID": 1, "EXPLICIT": 2}


def _conv_out(size, k, stride, dilation, padding, before=0, after=0):
    eff = (k - 1) * dilation + 1
    if padding == "SAME":
        return -(-size // stride)
    if padding == "VALID":
        return (size - eff) // stride + 1
    return (size + before + after - eff) // stride + 1


def _dim_mul(a, b):
    return -1 if a < 0 or b < 0 else a * b


def _broadcast(a, b):
    n = max(len(a), len(b))
    a = [1] * (n - len(a)) + list(a)
    b = [1] * (n - len(b)) + list(b)
    out = []
    for x, y in zip(a, b):
        if x == y or y == 1:
            out.append(x)
        elif x == 1:
            out.append(y)
        elif x < 0 or y < 0:
            out.append(max(x, y))
        else:
            return None
    return out


class Lowering:
    """Translates the TF nodes an output depends on into the operator list
    GraphEmitter (onnx_emit.py) consumes: the TFLite builtin names and
    options it knows, plus a few of our own (MEAN, SOFTMAX,
    FULLY_CONNECTED, LEAKY_RELU, IDENTITY) handled by TfjsEmitter.
    Weights are rearranged here (HWIO -> OHWI, depthwise HWCM ->
    1HW(C*M)); shapes are inferred (batch -1 = unknown)."""

    def __init__(self, graph):
        self.g = graph
        self.m = _Model(graph.path)
        self.consts = {}
        self.ops = []
        self.t = {}          # TF node name -> tensor index
        self.node = None

    def fail(self, msg):
        n = self.node
        where = ("node %r (op %s)" % (n.name, n.op)) if n else "graph"
        raise ConvertError("%s: %s: %s" % (self.g.path, where, msg))

    # tensors
    def tensor(self, name, shape, dtype_name="FLOAT32"):
        t = _Tensor(len(self.m.tensors), name, list(shape), dtype_name)
        self.m.tensors.append(t)
        return t.index

    def const(self, name, arr):
        arr = np.ascontiguousarray(arr)
        dn = {"f": "FLOAT32", "i": "INT32", "u": "INT32",
              "b": "BOOL"}[arr.dtype.kind]
        idx = self.tensor(name, arr.shape, dn)
        self.consts[idx] = arr
        return idx

    def shape(self, idx):
        return self.m.tensors[idx].shape

    def inp(self, k):
        n = self.node
        if k >= len(n.inputs):
            self.fail("needs at least %d inputs" % (k + 1))
        return self.t[n.inputs[k]]

    def cval(self, k, what):
        idx = self.inp(k)
        if idx not in self.consts:
            self.fail("%s (input %d) must be a constant" % (what, k))
        return self.consts[idx]

    def emit(self, opname, inputs, out_shape, name=None, **options):
        out = self.tensor(name or self.node.name, out_shape)
        self.ops.append(_Op(len(self.ops), opname, list(inputs), [out],
                            options, self.node))
        return out

    def result(self, idx):
        self.t[self.node.name] = idx

    # driver
    def run(self):
        order = self.g.topo()
        bad = [n for n in order if "l_" + n.op not in dir(self)]
        if bad:
            raise ConvertError("%s: unsupported op(s): %s (supported: %s)"
                               % (self.g.path, "; ".join(
                                   "node %r (op %s)" % (n.name, n.op)
                                   for n in bad[:10]) +
                                  (" ..." if len(bad) > 10 else ""),
                                  ", ".join(supported_ops())))
        for n in order:
            self.node = n
            getattr(self, "l_" + n.op)(n)
        self.node = None
        for name in self.g.inputs:
            if name not in self.t:
                raise ConvertError("%s: input %r is not used by the outputs"
                                   % (self.g.path, name))
        ins = [self.t[name] for name in self.g.inputs]
        outs, names, seen = [], {}, set()
        for name in self.g.inputs:
            names[self.t[name]] = self._unique(sanitize(name), seen)
        for name in self.g.outputs:
            idx = self.t[name]
            if idx in self.consts or idx in names:
                # a constant, an input, or an output listed twice: copy
                self.node = self.g.nodes[name]
                idx = self.emit("IDENTITY", [idx], self.shape(idx),
                                name=name + "/copy")
                self.node = None
            outs.append(idx)
            names[idx] = self._unique(sanitize(name), seen)
        return ins, outs, names

    @staticmethod
    def _unique(base, seen):
        n, i = base, 1
        while n in seen:
            n = "%s_%d" % (base, i)
            i += 1
        seen.add(n)
        return n

    # ----- node handlers (l_<TF op>) -------------------------------------
    def l_Const(self, n):
        if n.name not in self.g.weights:
            self.fail("constant has no entry in the weights manifest")
        self.result(self.const(n.name, self.g.weights[n.name]))

    def l_Placeholder(self, n):
        if n.name not in self.g.inputs:
            self.fail("placeholder is not a graph input")
        if n.attr("dtype", "DT_FLOAT") != "DT_FLOAT":
            self.fail("only float inputs are supported")
        shape = n.attr("shape")
        if shape is None or len(shape) == 0:
            self.fail("input shape unknown")
        if any(d < 0 for d in shape[1:]) or shape[0] < -1 or \
                any(d == 0 for d in shape):
            self.fail("only the batch dimension may be unknown: %s" % shape)
        self.result(self.tensor(n.name, shape))

    def l_Identity(self, n):
        self.result(self.inp(0))

    l_StopGradient = l_Identity

    def _nhwc(self, n):
        if n.attr("data_format", "NHWC") != "NHWC":
            self.fail("data_format %r (only NHWC)" % n.attr("data_format"))

    def _spatial_opts(self, n, x_shape, kh, kw):
        """Options (TFLite-style) + output shape for a conv/pool window."""
        strides = n.attr("strides", [1, 1, 1, 1])
        dil = n.attr("dilations", [1, 1, 1, 1])
        if len(strides) != 4 or strides[0] != 1 or strides[3] != 1:
            self.fail("strides %s" % strides)
        if len(dil) != 4 or dil[0] != 1 or dil[3] != 1:
            self.fail("dilations %s" % dil)
        padding = n.attr("padding")
        if padding not in _PAD:
            self.fail("padding %r" % padding)
        if len(x_shape) != 4:
            self.fail("input must be 4-D, is %s" % x_shape)
        o = dict(padding=_PAD[padding], stride_h=strides[1],
                 stride_w=strides[2], dilation_h_factor=dil[1],
                 dilation_w_factor=dil[2])
        pads = [0, 0, 0, 0]
        if padding == "EXPLICIT":
            e = n.attr("explicit_paddings", [])
            if len(e) != 8 or e[0] or e[1] or e[6] or e[7]:
                self.fail("explicit_paddings %s" % e)
            pads = e[2:6]                   # top, bottom, left, right
            o["explicit_paddings"] = pads
        oh = _conv_out(x_shape[1], kh, strides[1], dil[1], padding,
                       pads[0], pads[1])
        ow = _conv_out(x_shape[2], kw, strides[2], dil[2], padding,
                       pads[2], pads[3])
        if oh <= 0 or ow <= 0:
            self.fail("empty output")
        return o, oh, ow

    def _fused(self, n, default_ops):
        """Split fused_ops into (has BiasAdd, activation name, args)."""
        ops = n.attr("fused_ops", default_ops)
        num_args = n.attr("num_args", 0)
        args = n.inputs[2:]
        if len(args) != num_args:
            self.fail("num_args %d but %d extra inputs" % (num_args,
                                                           len(args)))
        bias = bool(ops) and ops[0] == "BiasAdd"
        rest = ops[1:] if bias else ops
        if len(rest) > 1 or (rest and rest[0] not in
                             ("Relu", "Relu6", "Sigmoid", "Tanh", "Elu",
                              "LeakyRelu", "Prelu")):
            self.fail("fused_ops %s not supported (BiasAdd + Relu, Relu6, "
                      "Sigmoid, Tanh, LeakyRelu or Prelu)" % ops)
        act = rest[0] if rest else None
        if act == "Elu":
            self.fail("fused Elu is not supported")
        want = int(bias) + int(act == "Prelu")
        if num_args != want:
            self.fail("fused_ops %s with num_args %d" % (ops, num_args))
        return bias, act

    def _activation_after(self, n, pre, act, out_shape):
        """Apply an activation not expressible as a TFLite fused one."""
        if act == "Sigmoid":
            return self.emit("LOGISTIC", [pre], out_shape)
        if act == "LeakyRelu":
            return self.emit("LEAKY_RELU", [pre], out_shape,
                             alpha=n.attr("leakyrelu_alpha", 0.2))
        if act == "Prelu":
            return self.emit("PRELU", [pre, self.t[n.inputs[-1]]],
                             out_shape)
        raise AssertionError(act)

    def _conv(self, n, depthwise, fused):
        self._nhwc(n)
        x = self.inp(0)
        xs = self.shape(x)
        w = self.cval(1, "filter")
        if w.ndim != 4:
            self.fail("filter must be 4-D")
        kh, kw, cin, m = w.shape
        if len(xs) != 4 or xs[3] != cin:
            self.fail("input %s does not match filter %s" % (xs,
                                                             list(w.shape)))
        o, oh, ow = self._spatial_opts(n, xs, kh, kw)
        if depthwise:
            # [KH,KW,C,M] -> [1,KH,KW,C*M]; output channel c*M + m in both
            wt = w.astype(np.float32).reshape(1, kh, kw, cin * m)
            cout = cin * m
            o["depth_multiplier"] = m
            opname = "DEPTHWISE_CONV_2D"
        else:
            wt = w.astype(np.float32).transpose(3, 0, 1, 2)   # OHWI
            cout = m
            opname = "CONV_2D"
        ins = [x, self.const(n.name + "/filter", wt)]
        bias, act = (self._fused(n, []) if fused else (False, None))
        if bias:
            b = self.cval(2, "bias")
            if b.shape != (cout,):
                self.fail("bias shape %s, expected [%d]" % (list(b.shape),
                                                            cout))
            ins.append(self.const(n.name + "/bias", b.astype(np.float32)))
        out_shape = [xs[0], oh, ow, cout]
        code = _ACT_CODES.get(act)
        o["fused_activation_function"] = 0 if code is None else code
        if code is None:
            pre = self.emit(opname, ins, out_shape, name=n.name + "/preact",
                            **o)
            self.result(self._activation_after(n, pre, act, out_shape))
        else:
            self.result(self.emit(opname, ins, out_shape, **o))

    def l_Conv2D(self, n):
        self._conv(n, False, False)

    def l__FusedConv2D(self, n):
        self._conv(n, False, True)

    def l_DepthwiseConv2dNative(self, n):
        self._conv(n, True, False)

    def l_FusedDepthwiseConv2dNative(self, n):
        self._conv(n, True, True)

    def _pool(self, n, opname):
        self._nhwc(n)
        x = self.inp(0)
        k = n.attr("ksize")
        if not k or len(k) != 4 or k[0] != 1 or k[3] != 1:
            self.fail("ksize %s" % k)
        o, oh, ow = self._spatial_opts(n, self.shape(x), k[1], k[2])
        if o["padding"] == 2:
            self.fail("EXPLICIT padding for pools is not supported")
        del o["dilation_h_factor"], o["dilation_w_factor"]
        xs = self.shape(x)
        self.result(self.emit(opname, [x], [xs[0], oh, ow, xs[3]],
                              filter_height=k[1], filter_width=k[2],
                              fused_activation_function=0, **o))

    def l_MaxPool(self, n):
        self._pool(n, "MAX_POOL_2D")

    def l_AvgPool(self, n):
        self._pool(n, "AVERAGE_POOL_2D")

    def _binary(self, n, opname):
        a, b = self.inp(0), self.inp(1)
        if a in self.consts and b in self.consts:
            self.fail("both inputs constant (not folded)")
        out = _broadcast(self.shape(a), self.shape(b))
        if out is None:
            self.fail("shapes %s and %s do not broadcast"
                      % (self.shape(a), self.shape(b)))
        for t in (a, b):
            if t not in self.consts and self.shape(t) != out:
                self.fail("non-constant input %s broadcast to %s is not "
                          "supported" % (self.shape(t), out))
            if t in self.consts and self.consts[t].dtype.kind != "f":
                self.fail("non-float constant")
        self.result(self.emit(opname, [a, b], out,
                              fused_activation_function=0))

    def l_Add(self, n):
        self._binary(n, "ADD")

    l_AddV2 = l_Add

    def l_Sub(self, n):
        self._binary(n, "SUB")

    def l_Mul(self, n):
        self._binary(n, "MUL")

    def l_BiasAdd(self, n):
        self._nhwc(n)
        b = self.cval(1, "bias")
        xs = self.shape(self.inp(0))
        if b.ndim != 1 or b.shape[0] != xs[-1]:
            self.fail("bias %s for input %s" % (list(b.shape), xs))
        self._binary(n, "ADD")

    def _unary(self, n, opname, **options):
        x = self.inp(0)
        if x in self.consts:
            self.fail("constant input (not folded)")
        self.result(self.emit(opname, [x], self.shape(x), **options))

    def l_Relu(self, n):
        self._unary(n, "RELU")

    def l_Relu6(self, n):
        self._unary(n, "RELU6")

    def l_Sigmoid(self, n):
        self._unary(n, "LOGISTIC")

    def l_Tanh(self, n):
        self._unary(n, "TANH")

    def l_LeakyRelu(self, n):
        self._unary(n, "LEAKY_RELU", alpha=n.attr("alpha", 0.2))

    def l_Prelu(self, n):
        x = self.inp(0)
        self.cval(1, "alpha")
        self.result(self.emit("PRELU", [x, self.inp(1)], self.shape(x)))

    def l_Softmax(self, n):
        self._unary(n, "SOFTMAX")

    def _fused_bn(self, n):
        self._nhwc(n)
        if n.attr("is_training", False):
            self.fail("is_training")
        x = self.inp(0)
        scale, offset, mean, var = [self.cval(k, w).astype(np.float64)
                                    for k, w in ((1, "scale"),
                                                 (2, "offset"), (3, "mean"),
                                                 (4, "variance"))]
        eps = n.attr("epsilon", 1e-4)
        a = scale / np.sqrt(var + eps)
        b = offset - mean * a
        xs = self.shape(x)
        mul = self.emit("MUL", [x, self.const(n.name + "/scale",
                                              a.astype(np.float32))],
                        xs, name=n.name + "/mul",
                        fused_activation_function=0)
        self.result(self.emit("ADD", [mul, self.const(
            n.name + "/offset", b.astype(np.float32))], xs,
            fused_activation_function=0))

    l_FusedBatchNorm = _fused_bn
    l_FusedBatchNormV3 = _fused_bn

    def l_Mean(self, n):
        x = self.inp(0)
        xs = self.shape(x)
        axes = [int(a) for a in np.asarray(self.cval(1, "axes")).reshape(-1)]
        axes = sorted({a + len(xs) if a < 0 else a for a in axes})
        if not axes or any(a < 0 or a >= len(xs) for a in axes):
            self.fail("axes %s for rank %d" % (axes, len(xs)))
        keep = n.attr("keep_dims", False)
        if 0 in axes:
            self.fail("mean over the batch axis")
        out = [1 if i in axes else d for i, d in enumerate(xs)
               if keep or i not in axes]
        self.result(self.emit("MEAN", [x], out, axes=axes, keep_dims=keep))

    def _reshape_to(self, n, x, out):
        xs = self.shape(x)
        known_in = int(np.prod([d for d in xs[1:]], dtype=np.int64))
        known_out = int(np.prod([d for d in out[1:]], dtype=np.int64))
        if xs[0] != out[0] or known_in != known_out:
            self.fail("reshape %s -> %s must keep the batch dimension"
                      % (xs, out))
        if x in self.consts:
            self.result(self.const(n.name, self.consts[x].reshape(
                [max(d, 1) if i == 0 else d for i, d in enumerate(out)])))
        else:
            self.result(self.emit("RESHAPE", [x], out))

    def l_Reshape(self, n):
        x = self.inp(0)
        xs = self.shape(x)
        shp = [int(v) for v in np.asarray(self.cval(1, "shape")).reshape(-1)]
        if shp.count(-1) > 1:
            self.fail("more than one -1 in shape %s" % shp)
        # resolve the unknown dimension; the batch stays as it is
        rest_in = int(np.prod(xs[1:], dtype=np.int64))
        if -1 in shp:
            k = shp.index(-1)
            if k == 0:
                if xs[0] < 0:
                    known = int(np.prod(shp[1:], dtype=np.int64))
                    if known != rest_in:
                        self.fail("cannot keep the batch dimension in "
                                  "reshape %s -> %s" % (xs, shp))
                else:
                    known = int(np.prod(shp[1:], dtype=np.int64))
                    shp[0] = xs[0] * rest_in // known
            else:
                if shp[0] != xs[0] and not (xs[0] < 0 and shp[0] == -1):
                    self.fail("reshape %s -> %s changes the batch "
                              "dimension" % (xs, shp))
                others = int(np.prod([d for i, d in enumerate(shp)
                                      if i not in (0, k)], dtype=np.int64))
                shp[k] = rest_in // max(others, 1)
        self._reshape_to(n, x, shp)

    def l_Squeeze(self, n):
        x = self.inp(0)
        xs = self.shape(x)
        dims = n.attr("squeeze_dims", []) or n.attr("axis", [])
        dims = {d + len(xs) if d < 0 else d for d in dims}
        if not dims:
            dims = {i for i, d in enumerate(xs) if d == 1 and i > 0}
        if 0 in dims or any(xs[d] != 1 for d in dims):
            self.fail("squeeze_dims %s of %s" % (sorted(dims), xs))
        self._reshape_to(n, x, [d for i, d in enumerate(xs)
                                if i not in dims])

    def _matmul(self, n, fused):
        if n.attr("transpose_a", False):
            self.fail("transpose_a is not supported")
        x = self.inp(0)
        xs = self.shape(x)
        w = self.cval(1, "weights").astype(np.float32)
        if len(xs) != 2 or w.ndim != 2:
            self.fail("only [N,K] x constant [K,M] is supported")
        if not n.attr("transpose_b", False):
            w = w.T                                       # -> [M, K]
        if w.shape[1] != xs[1]:
            self.fail("inner dimensions %s x %s" % (xs, list(w.shape)))
        bias, act = (self._fused(n, []) if fused else (False, None))
        b = self.cval(2, "bias").astype(np.float32) if bias else \
            np.zeros(w.shape[0], np.float32)
        if b.shape != (w.shape[0],):
            self.fail("bias shape %s" % list(b.shape))
        ins = [x, self.const(n.name + "/weights", w),
               self.const(n.name + "/bias", b)]
        out_shape = [xs[0], w.shape[0]]
        code = _ACT_CODES.get(act)
        if code is None:
            pre = self.emit("FULLY_CONNECTED", ins, out_shape,
                            name=n.name + "/preact",
                            fused_activation_function=0)
            self.result(self._activation_after(n, pre, act, out_shape))
        else:
            self.result(self.emit("FULLY_CONNECTED", ins, out_shape,
                                  fused_activation_function=code))

    def l_MatMul(self, n):
        self._matmul(n, False)

    def l__FusedMatMul(self, n):
        self._matmul(n, True)

    def l_ConcatV2(self, n):
        k = n.attr("N", len(n.inputs) - 1)
        if k != len(n.inputs) - 1:
            self.fail("N = %d with %d inputs" % (k, len(n.inputs)))
        axis = int(np.asarray(self.cval(k, "axis")).reshape(-1)[0])
        ins = [self.t[i] for i in n.inputs[:k]]
        shapes = [self.shape(i) for i in ins]
        rank = len(shapes[0])
        if axis < 0:
            axis += rank
        if any(len(s) != rank for s in shapes) or not 0 < axis < rank:
            self.fail("axis %d of shapes %s" % (axis, shapes))
        out = list(shapes[0])
        out[axis] = sum(s[axis] for s in shapes)
        self.result(self.emit("CONCATENATION", ins, out, axis=axis,
                              fused_activation_function=0))

    def l_Pad(self, n):
        x = self.inp(0)
        xs = self.shape(x)
        p = np.asarray(self.cval(1, "paddings")).astype(np.int64)
        if p.shape != (len(xs), 2) or (p < 0).any() or p[0].any():
            self.fail("paddings %s" % p.tolist())
        if len(n.inputs) > 2 and float(np.asarray(
                self.cval(2, "constant_values")).reshape(-1)[0]) != 0.0:
            self.fail("only zero padding is supported")
        out = [d + int(a + b) for d, (a, b) in zip(xs, p)]
        self.result(self.emit("PAD", [x, self.inp(1)], out))

    l_PadV2 = l_Pad


def supported_ops():
    """The TF op names the graph converter translates."""
    return sorted(k[2:] for k in dir(Lowering) if k.startswith("l_"))


class TfjsEmitter(GraphEmitter):
    """GraphEmitter plus the operators TFLite models did not need."""

    def fail(self, msg):
        op = self.op
        n = op.node if op is not None else None
        where = ("node %r (op %s)" % (n.name, n.op)) if n else "graph"
        raise ConvertError("%s: %s: %s" % (self.m.path, where, msg))

    def _spatial(self, op, in_shape, kh, kw, o):
        if o["padding"] != 2:
            return GraphEmitter._spatial(self, op, in_shape, kh, kw, o)
        pt, pb, pl, pr = o["explicit_paddings"]
        sh, sw = o["stride_h"], o["stride_w"]
        dh, dw = o.get("dilation_h_factor", 1), o.get("dilation_w_factor", 1)
        return dict(strides=[sh, sw], dilations=[dh, dw],
                    pads=[pt, pl, pb, pr])

    def op_IDENTITY(self, op):
        self.node("Identity", [self.get(op.inputs[0])],
                  [self.put(op.outputs[0])])

    def op_LEAKY_RELU(self, op):
        self._check_float(op)
        self.node("LeakyRelu", [self.get(op.inputs[0])],
                  [self.put(op.outputs[0])], alpha=float(op.options["alpha"]))

    def op_SOFTMAX(self, op):
        # on the TF layout's last axis: with axis = rank-1, opset-11
        # Softmax's "flatten to 2-D" rule is exactly a last-axis softmax
        self._check_float(op)
        x = op.inputs[0]
        rank = len(self.shape(x))
        self.node("Softmax", [self.get(x, NATIVE)],
                  [self.put(op.outputs[0], NATIVE)], axis=rank - 1)

    def op_MEAN(self, op):
        self._check_float(op)
        x, out_t = op.inputs[0], op.outputs[0]
        shp = self.shape(x)
        axes, keep = op.options["axes"], op.options["keep_dims"]
        if len(shp) != 4 or axes != [1, 2]:
            self.fail("only the spatial mean of a 4-D tensor (axes 1, 2) "
                      "is supported, not axes %s of rank %d"
                      % (axes, len(shp)))
        if keep:
            self.node("GlobalAveragePool", [self.get(x, NCHW)],
                      [self.put(out_t, NCHW)])
            return
        pooled = self.uname(self.tname(out_t) + "/pool")
        self.node("GlobalAveragePool", [self.get(x, NCHW)], [pooled])
        out = self.put(out_t, NATIVE)
        self.node("Reshape", [pooled, self.i64(out + "/shape",
                                               self.shape(out_t))], [out])

    def op_FULLY_CONNECTED(self, op):
        # Gemm with transB=1 and a constant [M,K] weight: cv::dnn 4.6
        # imports it as InnerProduct (transB=0 is mis-sized there)
        self._check_float(op)
        x, w_t, b_t = op.inputs
        ins = [self.get(x, NATIVE),
               self.init(self.tname(w_t), self.const(w_t)),
               self.init(self.tname(b_t), self.const(b_t))]
        self._emit_with_act("Gemm", ins, op.outputs[0],
                            op.options["fused_activation_function"],
                            transB=1)


def convert_graph(graph, dst, log=print):
    low = Lowering(graph)
    ins, outs, names = low.run()
    stem = os.path.basename(dst)
    if stem.endswith(".onnx"):
        stem = stem[:-5]
    em = TfjsEmitter(low.m, low.consts, low.ops, ins, outs, names, stem,
                     doc="converted from %s" % os.path.basename(graph.path),
                     producer=PRODUCER)
    write_if_changed(dst, em.build().SerializeToString())
    log("wrote %s" % dst)
    return dst


def _sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def write_sidecar(graph, dst, template, package_dir=None, log=print):
    """OUT.onnx.json: template + source.files {relative path: sha256}."""
    try:
        side = json.loads(template)
    except ValueError as e:
        raise ConvertError("--sidecar: not JSON: %s" % e)
    if not isinstance(side, dict):
        raise ConvertError("--sidecar: must be a JSON object")
    root = os.path.abspath(package_dir or os.path.dirname(graph.path))
    files = {}
    for p in graph.files:
        rel = os.path.relpath(p, root)
        files[rel] = _sha256(p)
    src = side.setdefault("source", {})
    if not isinstance(src, dict):
        raise ConvertError("--sidecar: source must be an object")
    src["files"] = files
    path = dst + ".json"
    text = json.dumps(side, indent=2, sort_keys=True) + "\n"
    write_if_changed(path, text.encode("utf-8"))
    log("wrote %s" % path)
    return path


def main(argv=None):
    ap = argparse.ArgumentParser(
        prog="tfjs2onnx.py",
        description=__doc__.split("\n\n")[0],
        epilog=__doc__.split("\n\n", 2)[2],
        formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--list-ops", action="store_true",
                    help="print the supported TF ops and exit")
    ap.add_argument("kind", nargs="?",
                    choices=["graph", "faceapi-expression"])
    ap.add_argument("input", nargs="?",
                    help="model.json (graph) or weights manifest")
    ap.add_argument("output", nargs="?", help="OUTDIR/NAME.onnx")
    ap.add_argument("--sidecar", metavar="JSON",
                    help="also write OUTPUT.json from this JSON object")
    ap.add_argument("--package-dir", metavar="DIR",
                    help="source file paths in the sidecar are relative "
                         "to DIR (default: the input's directory)")
    ap.add_argument("-q", "--quiet", action="store_true",
                    help="do not list the files written")
    a = ap.parse_args(argv)
    if a.list_ops:
        print(" ".join(supported_ops()))
        return 0
    if not (a.kind and a.input and a.output):
        ap.error("KIND INPUT OUTPUT are required")
    if not a.output.endswith(".onnx"):
        ap.error("output must end in .onnx: %r" % a.output)
    log = (lambda *_: None) if a.quiet else print
    try:
        if a.kind == "graph":
            graph = read_graph_model(a.input)
        else:
            graph = faceapi_expression_graph(a.input)
        convert_graph(graph, a.output, log=log)
        if a.sidecar is not None:
            write_sidecar(graph, a.output, a.sidecar, a.package_dir, log=log)
    except (ConvertError, OSError, ValueError, KeyError) as e:
        msg = str(e) if isinstance(e, (ConvertError, OSError)) else \
            "%s: malformed model: %s: %s" % (a.input, type(e).__name__, e)
        print("tfjs2onnx.py: error: %s" % msg, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
