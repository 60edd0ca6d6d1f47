# SPDX-License-Identifier: LGPL-2.1-or-later
"""Minimal reader for TFLite flatbuffer models.

Only the parts of the TFLite schema that a converter needs are read: the
model's operator codes, buffers and first subgraph (tensors, operators,
graph inputs/outputs), builtin option tables (decoded per operator into a
plain dict) and FlexBuffer custom options.

Field numbers follow the public TFLite schema (schema.fbs); a table field
with index i lives at vtable offset 4 + 2*i.  Unions take two slots: the
type byte first, then the table.
"""

import struct

import numpy as np
import flatbuffers
from flatbuffers import number_types as N
from flatbuffers.table import Table
import flatbuffers.flexbuffers as flexbuffers


class TFLiteError(Exception):
    """Raised for malformed or unsupported TFLite input."""


# TensorType enum -> numpy dtype (None: not representable here)
TENSOR_TYPES = {
    0: ("FLOAT32", np.float32),
    1: ("FLOAT16", np.float16),
    2: ("INT32", np.int32),
    3: ("UINT8", np.uint8),
    4: ("INT64", np.int64),
    5: ("STRING", None),
    6: ("BOOL", np.bool_),
    7: ("INT16", np.int16),
    8: ("COMPLEX64", np.complex64),
    9: ("INT8", np.int8),
    10: ("FLOAT64", np.float64),
}

# BuiltinOperator enum values this project cares about (plus a few common
# ones so that error messages can name them).
BUILTIN_NAMES = {
    0: "ADD", 1: "AVERAGE_POOL_2D", 2: "CONCATENATION", 3: "CONV_2D",
    4: "DEPTHWISE_CONV_2D", 5: "DEPTH_TO_SPACE", 6: "DEQUANTIZE",
    8: "FLOOR", 9: "FULLY_CONNECTED", 14: "LOGISTIC", 17: "MAX_POOL_2D",
    18: "MUL", 19: "RELU", 20: "RELU_N1_TO_1", 21: "RELU6", 22: "RESHAPE",
    23: "RESIZE_BILINEAR", 25: "SOFTMAX", 28: "TANH", 32: "CUSTOM",
    34: "PAD", 36: "GATHER", 39: "TRANSPOSE", 40: "MEAN", 41: "SUB",
    42: "DIV", 43: "SQUEEZE", 45: "STRIDED_SLICE", 47: "EXP", 49: "SPLIT",
    53: "CAST", 54: "PRELU", 55: "MAXIMUM", 57: "MINIMUM", 60: "PADV2",
    65: "SLICE", 67: "TRANSPOSE_CONV", 70: "EXPAND_DIMS", 77: "SHAPE",
    83: "PACK", 88: "UNPACK", 97: "RESIZE_NEAREST_NEIGHBOR",
    98: "LEAKY_RELU", 102: "SPLIT_V", 114: "QUANTIZE", 117: "HARD_SWISH",
    124: "DENSIFY", 126: "BATCH_MATMUL",
}

ACTIVATIONS = {0: "NONE", 1: "RELU", 2: "RELU_N1_TO_1", 3: "RELU6",
               4: "TANH", 5: "SIGN_BIT"}
PADDINGS = {0: "SAME", 1: "VALID"}

# Builtin option tables: op name -> list of (field name, kind, default).
# kind: i32, u8 (enums), bool, i32vec, f32.
_OPT_SCHEMAS = {
    "CONV_2D": [("padding", "u8", 0), ("stride_w", "i32", 0),
                ("stride_h", "i32", 0),
                ("fused_activation_function", "u8", 0),
                ("dilation_w_factor", "i32", 1),
                ("dilation_h_factor", "i32", 1)],
    "DEPTHWISE_CONV_2D": [("padding", "u8", 0), ("stride_w", "i32", 0),
                          ("stride_h", "i32", 0),
                          ("depth_multiplier", "i32", 0),
                          ("fused_activation_function", "u8", 0),
                          ("dilation_w_factor", "i32", 1),
                          ("dilation_h_factor", "i32", 1)],
    "MAX_POOL_2D": [("padding", "u8", 0), ("stride_w", "i32", 0),
                    ("stride_h", "i32", 0), ("filter_width", "i32", 0),
                    ("filter_height", "i32", 0),
                    ("fused_activation_function", "u8", 0)],
    "CONCATENATION": [("axis", "i32", 0),
                      ("fused_activation_function", "u8", 0)],
    "ADD": [("fused_activation_function", "u8", 0)],
    "SUB": [("fused_activation_function", "u8", 0)],
    "MUL": [("fused_activation_function", "u8", 0)],
    "RESHAPE": [("new_shape", "i32vec", None)],
    "RESIZE_BILINEAR": [("new_height", "i32", 0), ("new_width", "i32", 0),
                        ("align_corners", "bool", False),
                        ("half_pixel_centers", "bool", False)],
    "STRIDED_SLICE": [("begin_mask", "i32", 0), ("end_mask", "i32", 0),
                      ("ellipsis_mask", "i32", 0),
                      ("new_axis_mask", "i32", 0),
                      ("shrink_axis_mask", "i32", 0),
                      ("offset", "bool", False)],
}
_OPT_SCHEMAS["AVERAGE_POOL_2D"] = _OPT_SCHEMAS["MAX_POOL_2D"]


class _T:
    """Thin helper around a flatbuffers Table."""

    def __init__(self, buf, pos):
        self.tab = Table(buf, pos)
        self.buf = buf

    def _off(self, field):
        return self.tab.Offset(4 + 2 * field)

    def has(self, field):
        return self._off(field) != 0

    def scalar(self, field, flags, default=0):
        o = self._off(field)
        if o == 0:
            return default
        return self.tab.Get(flags, o + self.tab.Pos)

    def string(self, field):
        o = self._off(field)
        if o == 0:
            return None
        return self.tab.String(o + self.tab.Pos).decode("utf-8", "replace")

    def table(self, field):
        o = self._off(field)
        if o == 0:
            return None
        return _T(self.buf, self.tab.Indirect(o + self.tab.Pos))

    def vec_len(self, field):
        o = self._off(field)
        return 0 if o == 0 else self.tab.VectorLen(o)

    def vec_tables(self, field):
        o = self._off(field)
        if o == 0:
            return []
        start = self.tab.Vector(o)
        return [_T(self.buf, self.tab.Indirect(start + 4 * i))
                for i in range(self.tab.VectorLen(o))]

    def vec_numpy(self, field, dtype):
        """Vector of scalars as a (copied) numpy array, or None if absent."""
        o = self._off(field)
        if o == 0:
            return None
        start = self.tab.Vector(o)
        n = self.tab.VectorLen(o)
        dt = np.dtype(dtype).newbyteorder("<")
        return np.frombuffer(bytes(self.buf[start:start + n * dt.itemsize]),
                             dtype=dt).copy()

    def vec_bytes(self, field):
        o = self._off(field)
        if o == 0:
            return None
        start = self.tab.Vector(o)
        n = self.tab.VectorLen(o)
        return bytes(self.buf[start:start + n])


class Tensor:
    def __init__(self, index, name, shape, dtype_name, dtype, buffer,
                 quant):
        self.index = index
        self.name = name
        self.shape = shape          # list of ints
        self.dtype_name = dtype_name
        self.dtype = dtype
        self.buffer = buffer        # buffer index
        self.quant = quant          # dict(scale, zero_point, axis) or None
        self.data = None            # numpy array for constant tensors
        self.sparse = False         # sparse constant (needs DENSIFY)

    def __repr__(self):
        return "Tensor(%d %r %s %s%s)" % (self.index, self.name, self.shape,
                                          self.dtype_name,
                                          " const" if self.data is not None
                                          else "")


class Operator:
    def __init__(self, index, opname, version, inputs, outputs, options,
                 custom_code=None, custom_options=None):
        self.index = index
        self.opname = opname            # builtin name or "CUSTOM"
        self.version = version
        self.inputs = inputs            # tensor indices (-1 = optional absent)
        self.outputs = outputs
        self.options = options          # decoded builtin options dict
        self.custom_code = custom_code  # for CUSTOM ops
        self.custom_options = custom_options  # decoded FlexBuffer value

    @property
    def kind(self):
        return self.custom_code if self.opname == "CUSTOM" else self.opname

    def __repr__(self):
        return "Op(%d %s v%d in=%s out=%s)" % (self.index, self.kind,
                                               self.version, self.inputs,
                                               self.outputs)


class Model:
    def __init__(self, path, tensors, operators, inputs, outputs,
                 description):
        self.path = path
        self.tensors = tensors
        self.operators = operators
        self.inputs = inputs
        self.outputs = outputs
        self.description = description


def _decode_options(opname, tab, path, op_index):
    schema = _OPT_SCHEMAS.get(opname)
    if schema is None or tab is None:
        return {}
    out = {}
    for i, (name, kind, default) in enumerate(schema):
        if kind == "i32":
            out[name] = tab.scalar(i, N.Int32Flags, default)
        elif kind == "u8":
            out[name] = tab.scalar(i, N.Uint8Flags, default)
        elif kind == "bool":
            out[name] = bool(tab.scalar(i, N.BoolFlags, default))
        elif kind == "i32vec":
            v = tab.vec_numpy(i, np.int32)
            out[name] = None if v is None else [int(x) for x in v]
        else:  # pragma: no cover - schema table is static
            raise AssertionError(kind)
    return out


def _flex_to_plain(v):
    """Make FlexBuffer-decoded values JSON friendly and deterministic."""
    if isinstance(v, dict):
        return {str(k): _flex_to_plain(v[k]) for k in sorted(v)}
    if isinstance(v, (list, tuple)):
        return [_flex_to_plain(x) for x in v]
    if isinstance(v, (bytes, bytearray)):
        return list(v)
    if isinstance(v, np.generic):
        return v.item()
    return v


def read_model(path):
    """Parse a .tflite file. Raises TFLiteError with the file name."""
    try:
        with open(path, "rb") as f:
            buf = bytearray(f.read())
    except OSError as e:
        raise TFLiteError("%s: cannot read: %s" % (path, e.strerror))
    if len(buf) < 8 or bytes(buf[4:8]) != b"TFL3":
        raise TFLiteError("%s: not a TFLite flatbuffer (file identifier %r, "
                          "expected 'TFL3')" % (path, bytes(buf[4:8])))
    try:
        return _read(path, buf)
    except TFLiteError:
        raise
    except (IndexError, struct.error, ValueError, UnicodeError) as e:
        raise TFLiteError("%s: malformed TFLite flatbuffer (%s)" % (path, e))


def _read(path, buf):
    root = flatbuffers.encode.Get(flatbuffers.packer.uoffset, buf, 0)
    model = _T(buf, root)
    # Model: 0 version, 1 operator_codes, 2 subgraphs, 3 description,
    #        4 buffers
    codes = []
    for oc in model.vec_tables(1):
        # OperatorCode: 0 deprecated_builtin_code (int8), 1 custom_code,
        #               2 version, 3 builtin_code (int32)
        dep = oc.scalar(0, N.Int8Flags, 0)
        new = oc.scalar(3, N.Int32Flags, 0)
        code = max(int(dep), int(new))
        codes.append((code, oc.string(1), oc.scalar(2, N.Int32Flags, 1)))

    buffers = []
    for b in model.vec_tables(4):
        # Buffer: 0 data, 1 offset (u64), 2 size (u64)
        off = b.scalar(1, N.Uint64Flags, 0)
        size = b.scalar(2, N.Uint64Flags, 0)
        if off > 1:
            if off + size > len(buf):
                raise TFLiteError("%s: buffer data beyond end of file" % path)
            buffers.append(bytes(buf[off:off + size]))
        else:
            buffers.append(b.vec_bytes(0) or b"")

    subgraphs = model.vec_tables(2)
    if not subgraphs:
        raise TFLiteError("%s: model has no subgraph" % path)
    if len(subgraphs) > 1:
        raise TFLiteError("%s: %d subgraphs; only single-subgraph models are "
                          "supported" % (path, len(subgraphs)))
    sg = subgraphs[0]
    # SubGraph: 0 tensors, 1 inputs, 2 outputs, 3 operators, 4 name
    tensors = []
    for i, t in enumerate(sg.vec_tables(0)):
        # Tensor: 0 shape, 1 type, 2 buffer, 3 name, 4 quantization
        shape = t.vec_numpy(0, np.int32)
        shape = [] if shape is None else [int(x) for x in shape]
        ttype = t.scalar(1, N.Int8Flags, 0)
        if ttype not in TENSOR_TYPES:
            raise TFLiteError("%s: tensor %d has unknown type %d"
                              % (path, i, ttype))
        tname, dtype = TENSOR_TYPES[ttype]
        bidx = t.scalar(2, N.Uint32Flags, 0)
        name = t.string(3) or ("tensor_%d" % i)
        quant = None
        q = t.table(4)
        if q is not None:
            # QuantizationParameters: 0 min, 1 max, 2 scale, 3 zero_point,
            # 4/5 details union, 6 quantized_dimension
            scale = q.vec_numpy(2, np.float32)
            zp = q.vec_numpy(3, np.int64)
            if scale is not None and len(scale):
                quant = {"scale": scale,
                         "zero_point": zp if zp is not None
                         else np.zeros(len(scale), np.int64),
                         "axis": q.scalar(6, N.Int32Flags, 0)}
        tensor = Tensor(i, name, shape, tname, dtype, bidx, quant)
        if bidx >= len(buffers):
            raise TFLiteError("%s: tensor %r refers to missing buffer %d"
                              % (path, name, bidx))
        raw = buffers[bidx]
        if t.has(6):                # sparsity parameters: data is packed
            tensor.sparse = True
        elif raw:
            if dtype is None:
                raise TFLiteError("%s: constant tensor %r has unsupported "
                                  "type %s" % (path, name, tname))
            arr = np.frombuffer(raw, dtype=np.dtype(dtype).newbyteorder("<"))
            n = int(np.prod(shape)) if shape else 1
            if arr.size != n:
                raise TFLiteError("%s: constant tensor %r has %d elements, "
                                  "shape %s needs %d"
                                  % (path, name, arr.size, shape, n))
            tensor.data = arr.astype(np.dtype(dtype)).reshape(shape)
        tensors.append(tensor)

    def ivec(tab, field):
        v = tab.vec_numpy(field, np.int32)
        return [] if v is None else [int(x) for x in v]

    operators = []
    for i, op in enumerate(sg.vec_tables(3)):
        # Operator: 0 opcode_index, 1 inputs, 2 outputs,
        #           3 builtin_options_type, 4 builtin_options,
        #           5 custom_options, 6 custom_options_format
        ci = op.scalar(0, N.Uint32Flags, 0)
        if ci >= len(codes):
            raise TFLiteError("%s: operator %d has bad opcode index %d"
                              % (path, i, ci))
        code, custom_code, version = codes[ci]
        opname = BUILTIN_NAMES.get(code, "BUILTIN_%d" % code)
        inputs = ivec(op, 1)
        outputs = ivec(op, 2)
        for t in inputs + outputs:
            if t >= len(tensors):
                raise TFLiteError("%s: operator %d (%s) refers to missing "
                                  "tensor %d" % (path, i, opname, t))
        custom_options = None
        if opname == "CUSTOM":
            raw = op.vec_bytes(5)
            if raw:
                try:
                    custom_options = _flex_to_plain(flexbuffers.Loads(raw))
                except Exception as e:  # flexbuffers raises various types
                    raise TFLiteError("%s: operator %d (custom %r): cannot "
                                      "decode FlexBuffer options: %s"
                                      % (path, i, custom_code, e))
            options = {}
        else:
            options = _decode_options(opname, op.table(4), path, i)
        operators.append(Operator(i, opname, version, inputs, outputs,
                                  options, custom_code, custom_options))

    return Model(path, tensors, operators, ivec(sg, 1), ivec(sg, 2),
                 model.string(3))


def _main(argv):
    """Debug helper: print a summary of a .tflite file."""
    import collections
    m = read_model(argv[1])
    print("description:", m.description)
    for t in m.inputs:
        print("input ", m.tensors[t])
    for t in m.outputs:
        print("output", m.tensors[t])
    print(collections.Counter(o.kind for o in m.operators))
    if len(argv) > 2:
        for o in m.operators:
            print(o, o.options or o.custom_options or "",
                  [m.tensors[t].name for t in o.inputs],
                  [m.tensors[t].shape for t in o.inputs], "->",
                  [(m.tensors[t].name, m.tensors[t].shape)
                   for t in o.outputs])


if __name__ == "__main__":
    import sys
    _main(sys.argv)
