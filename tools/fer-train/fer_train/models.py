# SPDX-License-Identifier: LGPL-2.1-or-later
"""The model kinds fer-train trains, each with the training set's
standardisation (and the choice of inputs) built in as its first layer, so
the exported ONNX file reads emotionclassify's feature vector as it is."""
import torch
from torch import nn


class Standardise(nn.Module):
    """(x - mean) * scale; scale 0 drops an input (not chosen, or constant)."""

    def __init__(self, mean, scale):
        super().__init__()
        self.register_buffer("mean", torch.as_tensor(mean, dtype=torch.float32).reshape(1, -1))
        self.register_buffer("scale", torch.as_tensor(scale, dtype=torch.float32).reshape(1, -1))

    def forward(self, x):
        return (x - self.mean) * self.scale


def build(kind, mean, scale, classes, hidden=128, dropout=0.3):
    """`linear`: softmax regression; `mlp`: one hidden ReLU layer with dropout.
    Both return logits."""
    d = mean.shape[0]
    if kind == "linear":
        head = nn.Linear(d, classes)
    elif kind == "mlp":
        head = nn.Sequential(nn.Linear(d, hidden), nn.ReLU(), nn.Dropout(dropout), nn.Linear(hidden, classes))
    else:
        raise ValueError(kind)
    return nn.Sequential(Standardise(mean, scale), head)
