# SPDX-License-Identifier: LGPL-2.1-or-later
"""Metrics in fer-eval's metrics.json format (docs/evaluation.md), computed
with scikit-learn."""
import warnings

import numpy as np
from sklearn.metrics import (accuracy_score, balanced_accuracy_score, confusion_matrix, f1_score,
                             precision_recall_fscore_support)

warnings.filterwarnings("ignore", message="y_pred contains classes not in y_true")


def uar(y_true, y_pred):
    return float(balanced_accuracy_score(y_true, y_pred))


def report(labels, y_true, y_pred):
    """fer-eval's item-level figures for class indices y_true, y_pred."""
    idx = list(range(len(labels)))
    supported = sorted(set(int(v) for v in y_true))
    p, r, f, s = precision_recall_fscore_support(y_true, y_pred, labels=idx, zero_division=0)
    predicted = np.bincount(np.asarray(y_pred, dtype=int), minlength=len(labels))
    return {
        "items": int(len(y_true)),
        "war": float(accuracy_score(y_true, y_pred)),
        "uar": uar(y_true, y_pred),
        "macro_f1": float(f1_score(y_true, y_pred, labels=supported, average="macro", zero_division=0)),
        "weighted_f1": float(f1_score(y_true, y_pred, labels=idx, average="weighted", zero_division=0)),
        "per_class": {labels[k]: {"precision": float(p[k]), "recall": float(r[k]), "f1": float(f[k]),
                                  "support": int(s[k]), "predicted": int(predicted[k])} for k in idx},
        "confusion": {"labels": list(labels),
                      "matrix": confusion_matrix(y_true, y_pred, labels=idx).tolist()},
        "not_detected": 0,
        "unknown": 0,
    }
