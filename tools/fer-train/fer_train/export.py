# SPDX-License-Identifier: LGPL-2.1-or-later
"""The model as emotionclassify loads it: an ONNX file (torch.onnx.export)
and its sidecar MODEL.onnx.json (docs/elements/emotionclassify.md)."""
import json

import torch


def write_onnx(model, length, path):
    model.eval()
    dummy = torch.zeros(1, length, dtype=torch.float32)
    torch.onnx.export(model, dummy, path, input_names=["features"], output_names=["logits"],
                      dynamic_axes={"features": {0: "batch"}, "logits": {0: "batch"}}, opset_version=11)


def sidecar(dataset, inputs, kind, source):
    return {
        "input": {"type": "wavelet-features", "rows": dataset.rows, "space": dataset.space},
        "output": "logits",
        "labels": list(dataset.labels),
        "source": dict(source, inputs=sorted(inputs), model=kind),
    }


def write_sidecar(doc, path):
    with open(path, "w") as f:
        json.dump(doc, f, indent=2)
        f.write("\n")
