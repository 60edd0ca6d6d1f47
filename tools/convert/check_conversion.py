#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""End-to-end check of converted models on a real face image.

    check_conversion.py --tflite-dir DIR --onnx-dir DIR --image FACE.jpg
                        [--overlay out.png] [--bench N]

For each model found:
  * face_detection_{short,full}_range: cv::dnn output vs the independent
    numpy TFLite interpreter (tflite_numpy_ref), on the letterboxed image;
    the best detection is decoded with MediaPipe's SSD anchors.
  * face_landmark_with_attention (split model): the face found by the
    short-range detector is cropped (square, 1.5x the box) to 192x192, the
    manifest is executed (cv::dnn segments + numpy custom ops) and every
    boundary tensor is compared with the numpy interpreter, each ONNX segment
    also in isolation (fed the reference inputs).  Sanity: face flag, mesh
    inside the crop, refined lips/eyes close to the coarse mesh points,
    iris centres inside the eye contours.
Tolerance: max |cv - ref| <= 1e-4 * max |ref| per tensor.
Exit status 1 if any check fails.  Needs python3-opencv.
"""

import argparse
import math
import os
import sys
import time

import numpy as np
import cv2

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from tflite_reader import read_model  # noqa: E402
import tflite_numpy_ref  # noqa: E402
from manifest_runner import ManifestRunner, make_blob  # noqa: E402
from cv2_layers import read_net  # noqa: E402

REL_TOL = 1e-4
FAILURES = []


def check(cond, msg):
    print(("  ok    " if cond else "  FAIL  ") + msg)
    if not cond:
        FAILURES.append(msg)


def rel_err(a, b):
    a = np.asarray(a, np.float64)
    b = np.asarray(b, np.float64).reshape(a.shape)
    return float(np.abs(a - b).max() / max(np.abs(b).max(), 1e-12))


def ssd_anchors(size, strides, n_out):
    """MediaPipe SSD anchors (fixed size) for the BlazeFace detectors;
    layers with equal stride are merged; anchors per cell derived from the
    model's output count."""
    cells = []
    for s in sorted(set(strides)):
        g = int(math.ceil(size / s))
        cells.append((g, strides.count(s)))
    per = n_out / sum(g * g * k for g, k in cells)
    anchors = []
    for g, k in cells:
        reps = int(round(k * per))
        for y in range(g):
            for x in range(g):
                anchors.extend([((x + 0.5) / g, (y + 0.5) / g)] * reps)
    assert len(anchors) == n_out, (len(anchors), n_out)
    return np.array(anchors)


def letterbox(img, size):
    h, w = img.shape[:2]
    s = max(h, w)
    sq = np.zeros((s, s, 3), img.dtype)
    oy, ox = (s - h) // 2, (s - w) // 2
    sq[oy:oy + h, ox:ox + w] = img
    return cv2.resize(sq, (size, size), interpolation=cv2.INTER_AREA), \
        (ox, oy, s)


def bench(net, feeds, outs, n):
    ts = []
    for _ in range(n):
        for k, v in feeds.items():
            net.setInput(make_blob(v), k)
        t0 = time.perf_counter()
        net.forward(outs)
        ts.append(time.perf_counter() - t0)
    return 1000 * float(np.median(ts))


def check_detector(tfl, onnx_path, img, nbench):
    print("== %s" % os.path.basename(onnx_path))
    m = read_model(tfl)
    T = m.tensors
    inp = T[m.inputs[0]]
    size = inp.shape[1]
    lb, (ox, oy, s) = letterbox(img, size)
    x = (lb.astype(np.float32) / 127.5 - 1.0)[None]
    ref = tflite_numpy_ref.run(m, {inp.name: x})
    net = read_net(onnx_path)
    names = [T[t].name for t in m.outputs]
    net.setInput(x, inp.name)
    outs = dict(zip(names, net.forward(names)))
    for n in names:
        e = rel_err(outs[n], ref[n])
        check(e <= REL_TOL, "%s %s rel err %.2e vs numpy TFLite"
              % (n, list(outs[n].shape), e))
    reg = next(outs[n] for n in names if outs[n].shape[-1] == 16)[0]
    sco = next(outs[n] for n in names if outs[n].shape[-1] == 1)[0, :, 0]
    strides = [8, 16, 16, 16] if size == 128 else [4]
    anchors = ssd_anchors(size, strides, len(sco))
    i = int(np.argmax(sco))
    prob = 1 / (1 + math.exp(-float(sco[i])))
    cx, cy = reg[i, 0] / size + anchors[i, 0], reg[i, 1] / size + anchors[i, 1]
    w, h = reg[i, 2] / size, reg[i, 3] / size
    box = [(cx - w / 2) * s - ox, (cy - h / 2) * s - oy, w * s, h * s]
    print("  best face: score %.3f box x=%.0f y=%.0f w=%.0f h=%.0f (px)"
          % (prob, *box))
    check(prob > 0.5, "detector finds a face")
    if nbench:
        print("  cv::dnn %.2f ms (median, 1 thread)"
              % bench(net, {inp.name: x}, names, nbench))
    return box


def crop_face(img, box, size=192, scale=1.5):
    x, y, w, h = box
    side = max(w, h) * scale
    cx, cy = x + w / 2, y + h / 2
    x0, y0 = cx - side / 2, cy - side / 2
    k = size / side
    M = np.array([[k, 0, -x0 * k], [0, k, -y0 * k]], np.float32)
    return cv2.warpAffine(img, M, (size, size), flags=cv2.INTER_AREA,
                          borderMode=cv2.BORDER_CONSTANT)


def check_split(tfl, manifest_path, crop, overlay, nbench):
    print("== %s" % os.path.basename(manifest_path))
    m = read_model(tfl)
    x = (crop.astype(np.float32) / 255.0)[None]
    ref = tflite_numpy_ref.run(m, {"input_1": x})
    runner = ManifestRunner(manifest_path)
    man = runner.manifest
    vals = runner.run({man["inputs"][0]["name"]: x})
    for name in sorted(runner.shapes):
        e = rel_err(vals[name], ref[name])
        check(e <= REL_TOL, "chain   %-32s %-16s rel err %.2e"
              % (name, runner.shapes[name], e))
    for st in man["stages"]:
        if st["kind"] != "onnx":
            continue
        got = runner.run_onnx(st, {k: ref[k].astype(np.float32)
                                   for k in st["inputs"]})
        for name in st["outputs"]:
            e = rel_err(got[name], ref[name])
            check(e <= REL_TOL, "%s alone: %-22s rel err %.2e"
                  % (st["file"].split(".")[-2], name, e))

    outs = {o["name"]: vals[o["name"]].reshape(-1) for o in man["outputs"]}
    mesh = outs["output_mesh_identity"].reshape(468, 3)
    flag = float(outs["conv_faceflag"][0])
    print("  face flag logit %.2f -> sigmoid %.4f" % (flag,
                                                      1 / (1 + math.exp(-flag))))
    check(flag > 0, "face flag says face (logit > 0)")
    inside = np.mean((mesh[:, :2] >= 0).all(1) & (mesh[:, :2] < 192).all(1))
    check(inside > 0.95, "%.1f%% of mesh points inside the crop"
          % (100 * inside))
    ext = mesh[:, :2].max(0) - mesh[:, :2].min(0)
    check(60 < ext.min() and ext.max() < 190,
          "mesh extent %.0fx%.0f px of 192 (face ~1/1.5 of crop)" % tuple(ext))
    subsets = {}
    for st in man["stages"]:
        if st.get("op") == "Landmarks2TransformMatrix":
            subsets[st["options"]["left_rotation_idx"]] = \
                st["options"]["subset_idxs"]
    pairs = [("output_lips", 61), ("output_left_eye", 33),
             ("output_right_eye", 362)]
    for name, key in pairs:
        pts = outs[name].reshape(-1, 2)
        idx = subsets[key][:len(pts)]
        d = np.linalg.norm(pts - mesh[idx, :2], axis=1)
        check(np.median(d) < 3.0 and d.max() < 10.0,
              "%s vs coarse mesh: median %.2f px, max %.2f px"
              % (name, np.median(d), d.max()))
    for iris, eye in (("output_left_iris", "output_left_eye"),
                      ("output_right_iris", "output_right_eye")):
        c = outs[iris].reshape(-1, 2)[0]
        contour = outs[eye].reshape(-1, 2)[:16]
        lo, hi = contour.min(0), contour.max(0)
        check(bool((c > lo).all() and (c < hi).all()),
              "%s centre (%.1f, %.1f) inside eye contour box "
              "[%.1f..%.1f]x[%.1f..%.1f]" % (iris, c[0], c[1], lo[0], hi[0],
                                             lo[1], hi[1]))
    if overlay:
        k = 4
        big = cv2.resize(crop, (192 * k, 192 * k),
                         interpolation=cv2.INTER_CUBIC)[:, :, ::-1].copy()
        for p in mesh:
            cv2.circle(big, (int(p[0] * k), int(p[1] * k)), 2, (0, 255, 0),
                       -1)
        colours = {"output_lips": (0, 0, 255),
                   "output_left_eye": (255, 0, 0),
                   "output_right_eye": (255, 0, 255),
                   "output_left_iris": (0, 255, 255),
                   "output_right_iris": (0, 255, 255)}
        for name, col in colours.items():
            for p in outs[name].reshape(-1, 2):
                cv2.circle(big, (int(p[0] * k), int(p[1] * k)), 3, col, -1)
        cv2.imwrite(overlay, big)
        print("  overlay written to %s" % overlay)
    if nbench:
        runner.timing.clear()
        for _ in range(nbench):
            runner.run({man["inputs"][0]["name"]: x})
        for i, st in enumerate(man["stages"]):
            if st["kind"] == "onnx":
                feeds = {k: vals[k] for k in st["inputs"]}
                print("  %s cv::dnn %.2f ms (median, 1 thread)"
                      % (st["file"], bench(runner.nets[st["file"]], feeds,
                                           st["outputs"], nbench)))
        cust = sum(float(np.median(runner.timing[i]))
                   for i, st in enumerate(man["stages"])
                   if st["kind"] == "custom")
        print("  all custom stages (numpy reference) %.2f ms" % (1000 * cust))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--tflite-dir", required=True)
    ap.add_argument("--onnx-dir", required=True)
    ap.add_argument("--image", required=True)
    ap.add_argument("--overlay", help="write a PNG of the landmarks")
    ap.add_argument("--bench", type=int, default=0,
                    help="time cv::dnn over N runs")
    a = ap.parse_args(argv)
    cv2.setNumThreads(1)
    img = cv2.imread(a.image)
    if img is None:
        print("cannot read %s" % a.image, file=sys.stderr)
        return 2
    img = np.ascontiguousarray(img[:, :, ::-1])  # RGB
    box = None
    for name in ("face_detection_short_range", "face_detection_full_range"):
        tfl = os.path.join(a.tflite_dir, name + ".tflite")
        onx = os.path.join(a.onnx_dir, name + ".onnx")
        if os.path.exists(tfl) and os.path.exists(onx):
            b = check_detector(tfl, onx, img, a.bench)
            box = box or b
    name = "face_landmark_with_attention"
    tfl = os.path.join(a.tflite_dir, name + ".tflite")
    man = os.path.join(a.onnx_dir, name + ".manifest.json")
    if os.path.exists(tfl) and os.path.exists(man):
        if box is None:
            h, w = img.shape[:2]
            box = [w * 0.25, h * 0.25, w * 0.5, h * 0.5]
        check_split(tfl, man, crop_face(img, box), a.overlay, a.bench)
    print("%d checks failed" % len(FAILURES) if FAILURES else
          "all checks passed")
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main())
