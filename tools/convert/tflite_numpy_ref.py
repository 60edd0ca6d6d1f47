# SPDX-License-Identifier: LGPL-2.1-or-later
"""Slow, independent numpy interpreter for the TFLite models we convert.

It executes the TFLite graph directly in TFLite's own NHWC layout (no ONNX
involved), with MediaPipe custom ops from custom_ops_reference, so it can
check both the converter and cv::dnn's execution of the result.

    run(model, feeds) -> dict tensor name -> numpy array (every tensor)
"""

import numpy as np

from partition import fold_constants
import custom_ops_reference


def _act(x, a):
    if a == 0:
        return x
    if a == 1:
        return np.maximum(x, 0)
    if a == 2:
        return np.clip(x, -1, 1)
    if a == 3:
        return np.clip(x, 0, 6)
    if a == 4:
        return np.tanh(x)
    raise ValueError("activation %d" % a)


def _same(in_size, k, stride, dilation):
    """TFLite SAME padding (kept separate from the converter's own copy so
    that the two are checked against each other): output ceil(in/stride),
    the odd pixel of padding goes after (bottom/right)."""
    out = -(-in_size // stride)
    need = max(0, (out - 1) * stride + dilation * (k - 1) + 1 - in_size)
    before = need // 2
    return before, need - before


def _pads(x, kh, kw, o):
    dh, dw = o.get("dilation_h_factor", 1), o.get("dilation_w_factor", 1)
    if o["padding"] == 0:
        return (_same(x.shape[1], kh, o["stride_h"], dh),
                _same(x.shape[2], kw, o["stride_w"], dw), dh, dw)
    return (0, 0), (0, 0), dh, dw


def _windows(xp, kh, kw, sh, sw, dh, dw, oh, ow):
    for i in range(kh):
        for j in range(kw):
            yield i, j, xp[:, i * dh:i * dh + (oh - 1) * sh + 1:sh,
                           j * dw:j * dw + (ow - 1) * sw + 1:sw, :]


def conv(x, w, b, o, depthwise, out_shape):
    kh, kw = w.shape[1], w.shape[2]
    (pt, pb), (pl, pr), dh, dw = _pads(x, kh, kw, o)
    xp = np.pad(x, ((0, 0), (pt, pb), (pl, pr), (0, 0)))
    oh, ow = out_shape[1], out_shape[2]
    acc = np.zeros(out_shape, np.float64)
    if depthwise:
        mult = w.shape[3] // x.shape[3]
        if mult > 1:
            xp = np.repeat(xp, mult, axis=3)
    for i, j, win in _windows(xp, kh, kw, o["stride_h"], o["stride_w"],
                              dh, dw, oh, ow):
        if depthwise:
            acc += win * w[0, i, j, :]
        else:
            acc += win @ w[:, i, j, :].T.astype(np.float64)
    if b is not None:
        acc += b
    return _act(acc, o["fused_activation_function"])


def pool(x, o, out_shape, kind):
    kh, kw = o["filter_height"], o["filter_width"]
    (pt, pb), (pl, pr), _, _ = _pads(x, kh, kw, dict(o, dilation_h_factor=1))
    fill = -np.inf if kind == "max" else 0.0
    xp = np.pad(x, ((0, 0), (pt, pb), (pl, pr), (0, 0)),
                constant_values=fill)
    oh, ow = out_shape[1], out_shape[2]
    wins = [w for _, _, w in _windows(xp, kh, kw, o["stride_h"],
                                      o["stride_w"], 1, 1, oh, ow)]
    if kind == "max":
        r = np.max(np.stack(wins), axis=0)
    else:
        ones = np.pad(np.ones_like(x), ((0, 0), (pt, pb), (pl, pr), (0, 0)))
        cnt = [w for _, _, w in _windows(ones, kh, kw, o["stride_h"],
                                         o["stride_w"], 1, 1, oh, ow)]
        r = np.sum(np.stack(wins), axis=0) / np.sum(np.stack(cnt), axis=0)
    return _act(r, o["fused_activation_function"])


def resize_bilinear(x, out_shape, align_corners, half_pixel):
    """TFLite RESIZE_BILINEAR reference."""
    _, H, W, _ = x.shape
    OH, OW = out_shape[1], out_shape[2]

    def coords(osize, isize):
        if align_corners and osize > 1:
            scale = (isize - 1) / (osize - 1)
        else:
            scale = isize / osize
        o = np.arange(osize, dtype=np.float64)
        v = (o + 0.5) * scale - 0.5 if half_pixel else o * scale
        lo = np.floor(v)
        frac = v - lo
        lo0 = np.maximum(lo, 0).astype(np.int64)
        hi = np.minimum(np.ceil(v), isize - 1).astype(np.int64)
        frac = v - lo0
        return lo0, hi, frac

    ylo, yhi, fy = coords(OH, H)
    xlo, xhi, fx = coords(OW, W)
    fy = fy[None, :, None, None]
    fx = fx[None, None, :, None]
    top = x[:, ylo][:, :, xlo] * (1 - fx) + x[:, ylo][:, :, xhi] * fx
    bot = x[:, yhi][:, :, xlo] * (1 - fx) + x[:, yhi][:, :, xhi] * fx
    return top * (1 - fy) + bot * fy


def strided_slice(x, begin, end, strides, o):
    sl = []
    for i, dim in enumerate(x.shape):
        b, e, s = int(begin[i]), int(end[i]), int(strides[i])
        if o["begin_mask"] >> i & 1:
            b = None
        if o["end_mask"] >> i & 1:
            e = None
        if o["shrink_axis_mask"] >> i & 1:
            sl.append(b)
        else:
            sl.append(slice(b, e, s))
    return x[tuple(sl)]


def run(model, feeds):
    consts, ops = fold_constants(model)
    T = model.tensors
    vals = {t: v.astype(np.float64) if v.dtype.kind == "f" else v
            for t, v in consts.items()}
    for t in model.inputs:
        vals[t] = np.asarray(feeds[T[t].name], np.float64).reshape(
            T[t].shape)
    for op in ops:
        ins = [vals[t] if t >= 0 else None for t in op.inputs]
        out_shape = T[op.outputs[0]].shape
        o = op.options
        k = op.opname
        if k == "CONV_2D":
            r = conv(ins[0], ins[1], ins[2] if len(ins) > 2 else None, o,
                     False, out_shape)
        elif k == "DEPTHWISE_CONV_2D":
            r = conv(ins[0], ins[1], ins[2] if len(ins) > 2 else None, o,
                     True, out_shape)
        elif k == "MAX_POOL_2D":
            r = pool(ins[0], o, out_shape, "max")
        elif k == "AVERAGE_POOL_2D":
            r = pool(ins[0], o, out_shape, "avg")
        elif k == "PRELU":
            x, a = ins
            r = np.maximum(x, 0) + a * np.minimum(x, 0)
        elif k == "ADD":
            r = _act(ins[0] + ins[1], o["fused_activation_function"])
        elif k == "SUB":
            r = _act(ins[0] - ins[1], o["fused_activation_function"])
        elif k == "MUL":
            r = _act(ins[0] * ins[1], o["fused_activation_function"])
        elif k == "RELU":
            r = np.maximum(ins[0], 0)
        elif k == "RELU6":
            r = np.clip(ins[0], 0, 6)
        elif k == "TANH":
            r = np.tanh(ins[0])
        elif k == "LOGISTIC":
            r = 1 / (1 + np.exp(-ins[0]))
        elif k == "PAD":
            r = np.pad(ins[0], np.asarray(ins[1], np.int64))
        elif k == "RESHAPE":
            r = ins[0].reshape(out_shape)
        elif k == "CONCATENATION":
            r = _act(np.concatenate(ins, axis=o["axis"]),
                     o["fused_activation_function"])
        elif k == "STRIDED_SLICE":
            r = strided_slice(ins[0], ins[1], ins[2], ins[3], o)
        elif k == "RESIZE_BILINEAR":
            r = resize_bilinear(ins[0], out_shape, o["align_corners"],
                                o["half_pixel_centers"])
        elif k == "CUSTOM":
            r = custom_ops_reference.run_custom(op.custom_code, ins,
                                                op.custom_options or {},
                                                out_shape)
        else:
            raise NotImplementedError(k)
        r = np.asarray(r)
        if list(r.shape) != list(out_shape):
            raise AssertionError("op %s: shape %s != %s"
                                 % (op, r.shape, out_shape))
        vals[op.outputs[0]] = r
    return {T[t].name: v for t, v in vals.items()}
