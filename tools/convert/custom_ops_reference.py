# SPDX-License-Identifier: LGPL-2.1-or-later
"""Slow numpy reference for MediaPipe's TFLite custom operators (version 2).

Written from the behaviour of MediaPipe's CPU kernels
(mediapipe/util/tflite/operations/) as described in README.md.  All tensors
are in TFLite layout (NHWC / row-major); results are float32.

    landmarks_to_transform_matrix(landmarks, options) -> [1, 4, 4]
    transform_tensor_bilinear(image, matrix, output_shape) -> output_shape
    transform_landmarks(landmarks, matrix, output_shape) -> output_shape
    run_custom(op, inputs, options, output_shape)   # dispatch by name
"""

import math

import numpy as np


def _subset_pairs(idxs):
    """The flexbuffer holds a flat list read as pairs; an odd last entry is
    paired with itself (it only feeds a min/max, so order is irrelevant)."""
    idxs = [int(v) for v in idxs]
    pairs = [(idxs[2 * i], idxs[2 * i + 1]) for i in range(len(idxs) // 2)]
    if len(idxs) % 2:
        pairs.append((idxs[-1], idxs[-1]))
    return pairs


def landmarks_to_transform_matrix(landmarks, options):
    """Landmarks2TransformMatrix v2.

    landmarks: [..., N, 3] (x, y, z per landmark).  Returns the 4x4 matrix
    (shape [1, 4, 4]) mapping output-crop pixel coordinates (x, y, 0, 1) to
    landmark-space coordinates: a rotated, scaled box around the subset."""
    lm = np.asarray(landmarks, np.float64).reshape(-1, 3)
    o = options
    left = lm[int(o["left_rotation_idx"])]
    right = lm[int(o["right_rotation_idx"])]
    rot = float(o.get("target_rotation_radians", 0.0)) - math.atan2(
        right[1] - left[1], right[0] - left[0])
    idx = [i for p in _subset_pairs(o["subset_idxs"]) for i in p]
    pts = lm[idx, :2]
    c, s = math.cos(rot), math.sin(rot)
    rx = pts[:, 0] * c - pts[:, 1] * s           # rotate by +rot
    ry = pts[:, 0] * s + pts[:, 1] * c
    w = rx.max() - rx.min()
    h = ry.max() - ry.min()
    mx = (rx.max() + rx.min()) / 2
    my = (ry.max() + ry.min()) / 2
    # centre back to the original frame (rotate by -rot)
    cx = mx * c + my * s
    cy = -mx * s + my * c
    ow, oh = float(o["output_width"]), float(o["output_height"])
    sx = float(o["scale_x"]) * w / ow
    sy = float(o["scale_y"]) * h / oh
    r = -rot
    cr, sr = math.cos(r), math.sin(r)
    shift = np.array([[1, 0, 0, cx], [0, 1, 0, cy], [0, 0, 1, 0],
                      [0, 0, 0, 1]])
    rotm = np.array([[cr, -sr, 0, 0], [sr, cr, 0, 0], [0, 0, 1, 0],
                     [0, 0, 0, 1]])
    scale = np.diag([sx, sy, 1.0, 1.0])
    shift2 = np.array([[1, 0, 0, -ow / 2], [0, 1, 0, -oh / 2], [0, 0, 1, 0],
                       [0, 0, 0, 1]])
    m = shift @ rotm @ scale @ shift2
    return m.astype(np.float32).reshape(1, 4, 4)


def transform_tensor_bilinear(image, matrix, output_shape):
    """TransformTensorBilinear v2: sample `image` [1, H, W, C] at the points
    matrix * (x, y, 0, 1) for every output pixel, bilinearly; points outside
    [0, W-1] x [0, H-1] give 0.  v2 first applies the half-pixel correction
    T' = S(-0.5) * T * S(+0.5) (pixel centres at +0.5)."""
    img = np.asarray(image, np.float32)
    _, H, W, C = img.shape
    _, OH, OW, OC = output_shape
    m = np.asarray(matrix, np.float64).reshape(4, 4)
    xr = m[0].copy()
    yr = m[1].copy()
    xr[3] += xr[0] * 0.5 + xr[1] * 0.5 - 0.5
    yr[3] += yr[0] * 0.5 + yr[1] * 0.5 - 0.5
    oy, ox = np.meshgrid(np.arange(OH, dtype=np.float64),
                         np.arange(OW, dtype=np.float64), indexing="ij")
    tx = xr[0] * ox + xr[1] * oy + xr[3]
    ty = yr[0] * ox + yr[1] * oy + yr[3]
    inside = (tx >= 0) & (tx <= W - 1) & (ty >= 0) & (ty <= H - 1)
    x0 = np.floor(tx)
    y0 = np.floor(ty)
    fx = (tx - x0)[..., None]
    fy = (ty - y0)[..., None]
    x0 = x0.astype(np.int64)
    y0 = y0.astype(np.int64)
    pad = np.zeros((H + 2, W + 2, OC), np.float32)  # zero ring: reads past
    pad[1:H + 1, 1:W + 1, :] = img[0, :, :, :OC]    # the border give 0

    def rd(yy, xx):
        return pad[np.clip(yy, -1, H) + 1, np.clip(xx, -1, W) + 1]

    q11 = rd(y0, x0)
    q21 = rd(y0, x0 + 1)
    q12 = rd(y0 + 1, x0)
    q22 = rd(y0 + 1, x0 + 1)
    upper = (1 - fx) * q11 + fx * q21
    lower = (1 - fx) * q12 + fx * q22
    out = fy * lower + (1 - fy) * upper
    out[~inside] = 0
    return out.astype(np.float32).reshape(output_shape)


def transform_landmarks(landmarks, matrix, output_shape):
    """TransformLandmarks v2: (x, y) -> rows 0 and 1 of the 4x4 matrix
    applied to (x, y, 0, 1); z (if present) is copied.  The number of values
    per landmark is the last dimension of the landmarks input."""
    lm = np.asarray(landmarks, np.float64)
    dims = lm.shape[-1]
    pts = lm.reshape(-1, dims)
    m = np.asarray(matrix, np.float64).reshape(4, 4)
    out = pts.copy()
    out[:, 0] = m[0, 0] * pts[:, 0] + m[0, 1] * pts[:, 1] + m[0, 3]
    out[:, 1] = m[1, 0] * pts[:, 0] + m[1, 1] * pts[:, 1] + m[1, 3]
    return out.astype(np.float32).reshape(output_shape)


def run_custom(op, inputs, options, output_shape):
    """Run one custom op by name; inputs are numpy arrays."""
    if op == "Landmarks2TransformMatrix":
        return landmarks_to_transform_matrix(inputs[0], options).reshape(
            output_shape)
    if op == "TransformTensorBilinear":
        return transform_tensor_bilinear(inputs[0], inputs[1], output_shape)
    if op == "TransformLandmarks":
        return transform_landmarks(inputs[0], inputs[1], output_shape)
    raise ValueError("unknown custom op %r" % op)
