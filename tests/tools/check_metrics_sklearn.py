#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Recomputes a fer-eval report's metrics with scikit-learn from its own
predictions and compares them with metrics.json.

  check_metrics_sklearn.py REPORT_DIR

Item level from predictions.csv, frame level (when present) from
frame_predictions.csv. The classes are metrics.json's confusion labels, so
classes without support or without predictions are included. Exit 0 and
"ok ..." when every figure agrees within 1e-9, else 1 naming each mismatch.
"""
import csv
import json
import os
import sys
import warnings

from sklearn.metrics import (accuracy_score, balanced_accuracy_score, confusion_matrix, f1_score,
                             precision_recall_fscore_support)


def check(level, metrics, rows, problems):
    labels = metrics["confusion"]["labels"]
    y_true = [r["true"] for r in rows]
    y_pred = [r["predicted"] for r in rows]
    supported = [c for c in labels if c in set(y_true)]
    expected = {
        "items": len(rows),
        "war": accuracy_score(y_true, y_pred),
        "uar": balanced_accuracy_score(y_true, y_pred),
        "macro_f1": f1_score(y_true, y_pred, labels=supported, average="macro", zero_division=0),
        "weighted_f1": f1_score(y_true, y_pred, labels=labels, average="weighted", zero_division=0),
    }
    for key, value in expected.items():
        if abs(metrics[key] - value) > 1e-9:
            problems.append(f"{level}: {key} is {metrics[key]}, scikit-learn says {value}")
    p, r, f, s = precision_recall_fscore_support(y_true, y_pred, labels=labels, zero_division=0)
    for k, c in enumerate(labels):
        got = metrics["per_class"][c]
        for name, value in (("precision", p[k]), ("recall", r[k]), ("f1", f[k]), ("support", s[k])):
            if abs(got[name] - value) > 1e-9:
                problems.append(f"{level}: {c} {name} is {got[name]}, scikit-learn says {value}")
    cm = confusion_matrix(y_true, y_pred, labels=labels).tolist()
    if cm != metrics["confusion"]["matrix"]:
        problems.append(f"{level}: confusion matrix {metrics['confusion']['matrix']} != scikit-learn's {cm}")
    for outcome in ("not_detected", "unknown"):
        if metrics[outcome] != y_pred.count(outcome):
            problems.append(f"{level}: {outcome} is {metrics[outcome]}, predictions say {y_pred.count(outcome)}")
    no_support = [c for c in labels if c not in set(y_true)]
    no_predictions = [c for c in labels if c not in set(y_pred)]
    return f"{level}: {len(rows)} rows, {len(no_support)} classes without support, " \
           f"{len(no_predictions)} without predictions"


def read_rows(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def main():
    warnings.filterwarnings("ignore", message="y_pred contains classes not in y_true")
    folder = sys.argv[1]
    with open(os.path.join(folder, "metrics.json")) as f:
        metrics = json.load(f)
    problems = []
    said = [check("items", metrics, read_rows(os.path.join(folder, "predictions.csv")), problems)]
    frames = os.path.join(folder, "frame_predictions.csv")
    if "frames" in metrics:
        said.append(check("frames", metrics["frames"], read_rows(frames), problems))
    if problems:
        print("\n".join(problems))
        return 1
    print("ok; " + "; ".join(said))
    return 0


if __name__ == "__main__":
    sys.exit(main())
