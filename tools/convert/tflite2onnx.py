#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Convert a TFLite model to ONNX (opset 11) for OpenCV 4.6 cv::dnn.

    tflite2onnx.py INPUT.tflite OUTDIR/NAME.onnx [--split]

Models made only of builtin operators are written to OUTDIR/NAME.onnx.

Models containing MediaPipe custom operators (Landmarks2TransformMatrix,
TransformTensorBilinear, TransformLandmarks; version 2) cannot be one ONNX
graph.  For them (automatically, or for any model with --split) the tool
writes instead

    OUTDIR/NAME.manifest.json   ordered execution plan (see README.md)
    OUTDIR/NAME.part0.onnx, OUTDIR/NAME.part1.onnx, ...

and NAME.onnx itself is not written (a stale one is removed).

Every ONNX graph input/output keeps the TFLite tensor's name, shape and
layout (NHWC for 4-D tensors).  Output is byte-for-byte deterministic.
Exit status: 0 on success, 1 on conversion errors, 2 on usage errors.

Must run under Debian's /usr/bin/python3 (python3-onnx, python3-numpy,
python3-flatbuffers).
"""

import argparse
import hashlib
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from tflite_reader import read_model, TFLiteError  # noqa: E402
from partition import fold_constants, plan, split_branches, PlanError  # noqa: E402
from atomic_write import write_if_changed  # noqa: E402
from onnx_emit import GraphEmitter, ConvertError, sanitize  # noqa: E402
from onnx_emit import supported_builtins  # noqa: E402

MANIFEST_FORMAT = "gst-fer-split-model"
MANIFEST_VERSION = 1


def check_supported(model, ops):
    """Fail early, naming the file and every unsupported builtin op."""
    known = supported_builtins()
    bad = {}
    for op in ops:
        if op.opname == "DEQUANTIZE":
            # constant ones were folded; what is left reads activations
            bad.setdefault("DEQUANTIZE (non-constant input)",
                           []).append(op.index)
        elif op.opname != "CUSTOM" and op.opname not in known:
            bad.setdefault(op.opname, []).append(op.index)
    if bad:
        raise ConvertError("%s: unsupported operator(s): %s (supported: %s)"
                           % (model.path, "; ".join(
                               "%s at operator %s" % (k, ", ".join(
                                   map(str, v[:5])) + (" ..." if len(v) > 5
                                                       else ""))
                               for k, v in sorted(bad.items())),
                              ", ".join(sorted(known | {"DEQUANTIZE"}))))


def boundary_names(model):
    """Unique, sanitised names for every tensor (used at boundaries)."""
    names, seen = {}, set()
    for t in model.tensors:
        base = sanitize(t.name)
        n, i = base, 1
        while n in seen:
            n = "%s_%d" % (base, i)
            i += 1
        seen.add(n)
        names[t.index] = n
    return names


def convert(src, dst, force_split=False, log=print):
    model = read_model(src)
    for t in model.inputs + model.outputs:
        if model.tensors[t].dtype_name != "FLOAT32":
            raise ConvertError("%s: graph input/output %r is %s; only FLOAT32 "
                               "is supported" % (src, model.tensors[t].name,
                                                 model.tensors[t].dtype_name))
    consts, ops = fold_constants(model)
    check_supported(model, ops)
    stages = plan(model, ops, consts)
    names = boundary_names(model)
    base = os.path.basename(src)
    out_dir = os.path.dirname(os.path.abspath(dst))
    stem = os.path.basename(dst)
    if stem.endswith(".onnx"):
        stem = stem[:-5]
    os.makedirs(out_dir, exist_ok=True)

    split = force_split or any(st.kind == "custom" for st in stages)
    if not split:
        (st,) = stages
        em = GraphEmitter(model, consts, st.ops, list(model.inputs),
                          list(model.outputs), names, stem,
                          doc="converted from %s" % base)
        write_if_changed(dst, em.build().SerializeToString())
        log("wrote %s" % dst)
        return [dst]

    stages = split_branches(stages)
    written = []
    stage_json = []
    boundary = {}
    part = 0
    for st in stages:
        for t in st.inputs + st.outputs:
            boundary[names[t]] = list(model.tensors[t].shape)
        if st.kind == "onnx":
            fname = "%s.part%d.onnx" % (stem, part)
            em = GraphEmitter(model, consts, st.ops, st.inputs, st.outputs,
                              names, "%s_part%d" % (stem, part),
                              doc="part %d of %s" % (part, base))
            path = os.path.join(out_dir, fname)
            write_if_changed(path, em.build().SerializeToString())
            written.append(path)
            part += 1
            stage_json.append({"kind": "onnx", "file": fname,
                               "inputs": [names[t] for t in st.inputs],
                               "outputs": [names[t] for t in st.outputs]})
        else:
            op = st.ops[0]
            for t in st.inputs:
                if model.tensors[t].dtype_name != "FLOAT32":
                    raise ConvertError("%s: operator %d (%s): input %r is not "
                                       "FLOAT32" % (src, op.index, op.kind,
                                                    model.tensors[t].name))
            (out_t,) = st.outputs
            stage_json.append({
                "kind": "custom", "op": op.custom_code,
                "version": op.version,
                "inputs": [names[t] for t in st.inputs],
                "outputs": [names[out_t]],
                "output_shape": list(model.tensors[out_t].shape),
                "options": op.custom_options or {},
            })
    for t in model.inputs + model.outputs:
        boundary[names[t]] = list(model.tensors[t].shape)
    with open(src, "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()
    manifest = {
        "format": MANIFEST_FORMAT,
        "format_version": MANIFEST_VERSION,
        "source": base,
        "source_sha256": digest,
        "inputs": [{"name": names[t], "shape": list(model.tensors[t].shape)}
                   for t in model.inputs],
        "outputs": [{"name": names[t],
                     "shape": list(model.tensors[t].shape)}
                    for t in model.outputs],
        "tensors": {k: boundary[k] for k in sorted(boundary)},
        "stages": stage_json,
    }
    mpath = os.path.join(out_dir, stem + ".manifest.json")
    text = json.dumps(manifest, indent=1, sort_keys=True) + "\n"
    write_if_changed(mpath, text.encode("utf-8"))
    written.append(mpath)
    # a stale single-file conversion would be misleading
    if os.path.exists(dst) and dst.endswith(".onnx"):
        os.unlink(dst)
    # remove stale parts from an earlier conversion with more segments
    k = part
    while os.path.exists(os.path.join(out_dir, "%s.part%d.onnx" % (stem, k))):
        os.unlink(os.path.join(out_dir, "%s.part%d.onnx" % (stem, k)))
        k += 1
    for p in written:
        log("wrote %s" % p)
    return written


def main(argv=None):
    ap = argparse.ArgumentParser(
        prog="tflite2onnx.py",
        description=__doc__.split("\n\n")[0],
        epilog=__doc__.split("\n\n", 2)[2],
        formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("input", help="model.tflite")
    ap.add_argument("output", help="OUTDIR/NAME.onnx")
    ap.add_argument("--split", action="store_true",
                    help="always write NAME.manifest.json + NAME.partK.onnx, "
                         "even for models without custom operators")
    ap.add_argument("-q", "--quiet", action="store_true",
                    help="do not list the files written")
    a = ap.parse_args(argv)
    if not a.output.endswith(".onnx"):
        ap.error("output must end in .onnx: %r" % a.output)
    try:
        convert(a.input, a.output, a.split,
                log=(lambda *_: None) if a.quiet else print)
    except (TFLiteError, PlanError, ConvertError) as e:
        print("tflite2onnx.py: error: %s" % e, file=sys.stderr)
        return 1
    except OSError as e:
        print("tflite2onnx.py: error: %s" % e, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
