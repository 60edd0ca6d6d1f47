# SPDX-License-Identifier: LGPL-2.1-or-later
"""Slow, independent numpy interpreter for the TF graphs tfjs2onnx reads.

Executes the TF graph (tfjs2onnx.Graph: TF.js node list + weights) in TF's
own NHWC layout and float64, straight from the TF op semantics -- no ONNX,
no weight rearrangement shared with the converter -- so it checks both the
converter and cv::dnn's execution of its output.

    run(graph, feeds) -> dict node name -> numpy array (every node run)
"""

import numpy as np


def same_pads(size, k, stride, dilation):
    """TF 'SAME': output ceil(size/stride); the padding needed for that is
    split with the smaller half first (top/left)."""
    k_eff = dilation * (k - 1) + 1
    out = (size + stride - 1) // stride
    need = max(0, (out - 1) * stride + k_eff - size)
    return need // 2, need - need // 2


def _geometry(n, x, kh, kw):
    strides = n.attr("strides", [1, 1, 1, 1])
    dil = n.attr("dilations", [1, 1, 1, 1])
    sh, sw, dh, dw = strides[1], strides[2], dil[1], dil[2]
    pad = n.attr("padding")
    if pad == "SAME":
        ph = same_pads(x.shape[1], kh, sh, dh)
        pw = same_pads(x.shape[2], kw, sw, dw)
    elif pad == "VALID":
        ph = pw = (0, 0)
    elif pad == "EXPLICIT":
        e = n.attr("explicit_paddings")
        ph, pw = (e[2], e[3]), (e[4], e[5])
    else:
        raise ValueError(pad)
    oh = (x.shape[1] + ph[0] + ph[1] - dh * (kh - 1) - 1) // sh + 1
    ow = (x.shape[2] + pw[0] + pw[1] - dw * (kw - 1) - 1) // sw + 1
    return sh, sw, dh, dw, ph, pw, oh, ow


def _taps(x, kh, kw, n, fill=0.0):
    """Yield (i, j, window) for every kernel tap: window[b, y, x, c] is
    the input under tap (i, j) for output pixel (y, x)."""
    sh, sw, dh, dw, ph, pw, oh, ow = _geometry(n, x, kh, kw)
    xp = np.pad(x, ((0, 0), ph, pw, (0, 0)), constant_values=fill)
    for i in range(kh):
        for j in range(kw):
            yield i, j, xp[:, i * dh:i * dh + sh * (oh - 1) + 1:sh,
                           j * dw:j * dw + sw * (ow - 1) + 1:sw, :]


def conv2d(x, w, n):
    """x [N,H,W,I], filter HWIO [KH,KW,I,O]."""
    acc = None
    for i, j, win in _taps(x, w.shape[0], w.shape[1], n):
        part = np.tensordot(win, w[i, j], axes=([3], [0]))
        acc = part if acc is None else acc + part
    return acc


def depthwise(x, w, n):
    """x [N,H,W,C], filter [KH,KW,C,M] -> [N,H',W',C*M], channel c*M+m."""
    acc = None
    for i, j, win in _taps(x, w.shape[0], w.shape[1], n):
        part = win[..., :, None] * w[i, j][None, None, None]
        acc = part if acc is None else acc + part
    s = acc.shape
    return acc.reshape(s[0], s[1], s[2], s[3] * s[4])


def max_pool(x, n):
    k = n.attr("ksize")
    return np.max([win for _, _, win in _taps(x, k[1], k[2], n, -np.inf)],
                  axis=0)


def avg_pool(x, n):
    """Mean over the window's pixels inside the input (padding not
    counted)."""
    k = n.attr("ksize")
    total = sum(win for _, _, win in _taps(x, k[1], k[2], n))
    ones = np.ones(x.shape[:3] + (1,))
    count = sum(win for _, _, win in _taps(ones, k[1], k[2], n))
    return total / count


def _activation(name, x, n, args):
    if name is None:
        return x
    if name == "Relu":
        return np.maximum(x, 0)
    if name == "Relu6":
        return np.minimum(np.maximum(x, 0), 6)
    if name == "Sigmoid":
        return 1 / (1 + np.exp(-x))
    if name == "Tanh":
        return np.tanh(x)
    if name == "LeakyRelu":
        return np.where(x < 0, x * n.attr("leakyrelu_alpha", 0.2), x)
    if name == "Prelu":
        return np.where(x < 0, x * args[-1], x)
    raise ValueError("activation %s" % name)


def _fused(y, n, args):
    ops = n.attr("fused_ops", [])
    if ops and ops[0] == "BiasAdd":
        y = y + args[0]
        ops = ops[1:]
    return _activation(ops[0] if ops else None, y, n, args)


def _softmax(x):
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def _eval(n, a, feeds, weights):
    op = n.op
    if op == "Const":
        w = weights[n.name]
        return w.astype(np.float64) if w.dtype.kind == "f" else w
    if op == "Placeholder":
        return np.asarray(feeds[n.name], np.float64)
    if op in ("Identity", "StopGradient"):
        return a[0]
    if op in ("Conv2D", "_FusedConv2D"):
        y = conv2d(a[0], a[1], n)
        return _fused(y, n, a[2:]) if op == "_FusedConv2D" else y
    if op in ("DepthwiseConv2dNative", "FusedDepthwiseConv2dNative"):
        y = depthwise(a[0], a[1], n)
        return _fused(y, n, a[2:]) if op.startswith("Fused") else y
    if op == "MaxPool":
        return max_pool(a[0], n)
    if op == "AvgPool":
        return avg_pool(a[0], n)
    if op in ("Add", "AddV2", "BiasAdd"):
        return a[0] + a[1]
    if op == "Sub":
        return a[0] - a[1]
    if op == "Mul":
        return a[0] * a[1]
    if op in ("Relu", "Relu6", "Sigmoid", "Tanh"):
        return _activation(op, a[0], n, a)
    if op == "LeakyRelu":
        return np.where(a[0] < 0, a[0] * n.attr("alpha", 0.2), a[0])
    if op == "Prelu":
        return np.where(a[0] < 0, a[0] * a[1], a[0])
    if op == "Softmax":
        return _softmax(a[0])
    if op in ("FusedBatchNorm", "FusedBatchNormV3"):
        x, scale, offset, mean, var = a[:5]
        return (x - mean) / np.sqrt(var + n.attr("epsilon", 1e-4)) * scale \
            + offset
    if op == "Mean":
        axes = tuple(int(v) for v in np.asarray(a[1]).reshape(-1))
        return a[0].mean(axis=axes, keepdims=n.attr("keep_dims", False))
    if op == "Reshape":
        return a[0].reshape([int(v) for v in np.asarray(a[1]).reshape(-1)])
    if op == "Squeeze":
        dims = n.attr("squeeze_dims", []) or n.attr("axis", [])
        return np.squeeze(a[0], axis=tuple(dims)) if dims else \
            a[0].reshape([d for i, d in enumerate(a[0].shape)
                          if i == 0 or d != 1])
    if op in ("MatMul", "_FusedMatMul"):
        x = a[0].T if n.attr("transpose_a", False) else a[0]
        w = a[1].T if n.attr("transpose_b", False) else a[1]
        y = x @ w
        return _fused(y, n, a[2:]) if op == "_FusedMatMul" else y
    if op == "ConcatV2":
        return np.concatenate(a[:-1], axis=int(np.asarray(a[-1])))
    if op in ("Pad", "PadV2"):
        value = float(np.asarray(a[2])) if len(a) > 2 else 0.0
        return np.pad(a[0], [tuple(p) for p in np.asarray(a[1])],
                      constant_values=value)
    raise NotImplementedError("op %s (node %s)" % (op, n.name))


def run(graph, feeds):
    """Execute every node the graph's outputs need; returns all values."""
    vals = {}
    for n in graph.topo():
        vals[n.name] = _eval(n, [vals[i] for i in n.inputs], feeds,
                             graph.weights)
    return vals
