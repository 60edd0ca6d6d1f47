# SPDX-License-Identifier: LGPL-2.1-or-later
"""The training data: fer-extract's .npz read into feature rows, class labels
and groups, with every problem reported as a UsageError naming the file."""
import csv
import hashlib

import numpy as np

LANDMARK_VALUES = 478 * 3
BLENDSHAPE_VALUES = 52
DFEW_NAMES = {1: "happy", 2: "sad", 3: "neutral", 4: "angry", 5: "surprise", 6: "disgust", 7: "fear"}
SYNONYMS = {"anger": "angry", "happiness": "happy", "sadness": "sad", "surprised": "surprise",
            "fearful": "fear", "disgusted": "disgust", "neutrality": "neutral"}


class UsageError(Exception):
    """Bad input: fer-train exits with 2 and writes nothing."""


def canonical_label(name):
    """The label as the engine names it (fer/emotion_labels.h)."""
    name = name.strip().lower()
    return SYNONYMS.get(name, name)


def file_sha256(path):
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


class Dataset:
    """The clips of one .npz that can be trained on.

    x       (n, rows * (478 * 3 + 52)) float32: the first `rows` wavelet rows
            of the landmarks, then of the blendshapes: the layout
            emotionclassify feeds a feature model (every value, even of an
            input not used: unused inputs are zeroed by the model itself)
    y       (n,) int: index into `labels`
    groups  (n,) str: what no split may cut through (--split-by)
    """

    def __init__(self, path, rows, split_by=None, split_csv=None):
        self.path = path
        try:
            d = np.load(path, allow_pickle=False)
        except Exception as e:  # numpy raises many kinds for a bad file
            raise UsageError(f"{path}: cannot read as a .npz: {e}") from e
        for key in ("landmarks", "blendshapes", "flagged"):
            if key not in d.files:
                raise UsageError(f"{path}: no '{key}' array: not an .npz of fer-extract")
        lm, bs = d["landmarks"], d["blendshapes"]
        m = lm.shape[0]
        if lm.ndim != 4 or lm.shape[2:] != (478, 3) or bs.ndim != 3 or bs.shape[2] != 52 or \
                bs.shape[0] != m or bs.shape[1] != lm.shape[1]:
            raise UsageError(f"{path}: feature sizes do not match: landmarks {lm.shape}, blendshapes {bs.shape} "
                             "(expected (M, N, 478, 3) and (M, N, 52))")
        if not 1 <= rows <= lm.shape[1]:
            raise UsageError(f"{path}: --rows {rows}: the features have {lm.shape[1]} wavelet rows")
        self.space = str(d["landmark_space"]) if "landmark_space" in d.files else "image"
        names = self._label_names(d, m)
        flagged = d["flagged"].astype(bool)
        usable = ~flagged & (names != "")
        self.flagged = int(flagged.sum())
        self.unlabelled = int((~flagged & (names == "")).sum())
        if not usable.any():
            raise UsageError(f"{path}: no labelled clip to train on ({m} clips, {self.flagged} flagged, "
                             f"{self.unlabelled} without a label: the .npz needs 'actual' or 'label')")
        self.labels = sorted(set(names[usable]))
        if len(self.labels) < 2:
            raise UsageError(f"{path}: every usable clip is '{self.labels[0]}': a classifier needs two classes "
                             "at least")
        self.rows = rows
        self.x = np.concatenate([lm[usable, :rows].reshape(int(usable.sum()), -1),
                                 bs[usable, :rows].reshape(int(usable.sum()), -1)], axis=1).astype(np.float32)
        self.y = np.array([self.labels.index(n) for n in names[usable]])
        self.groups = self._groups(d, m, split_by, split_csv)[usable]
        self.clips = m
        self.sha256 = file_sha256(path)

    @staticmethod
    def _label_names(d, m):
        names = np.array([""] * m, dtype=object)
        if "actual" in d.files:
            names = np.array([canonical_label(str(a)) for a in d["actual"]], dtype=object)
        if "label" in d.files:
            for i, v in enumerate(d["label"]):
                if names[i] == "" and int(v) in DFEW_NAMES:
                    names[i] = DFEW_NAMES[int(v)]
        return names.astype(str)

    def _groups(self, d, m, split_by, split_csv):
        if split_by is None:
            return np.array([str(i) for i in range(m)])  # every clip its own group
        if split_csv is None:
            if split_by not in d.files or d[split_by].shape != (m,):
                raise UsageError(f"{self.path}: --split-by {split_by}: no such per-clip array "
                                 f"(arrays: {', '.join(d.files)}); give the dataset CSV with --csv for its columns")
            return np.array([str(v) for v in d[split_by]])
        try:
            with open(split_csv, newline="") as f:
                rows = list(csv.DictReader(f))
        except OSError as e:
            raise UsageError(f"{split_csv}: cannot read: {e.strerror}") from e
        if rows and split_by not in rows[0]:
            raise UsageError(f"{split_csv}:1: --split-by {split_by}: no such column "
                             f"(columns: {', '.join(rows[0].keys())})")
        if len(rows) != m:
            raise UsageError(f"{split_csv}: {len(rows)} records but {self.path} has {m} clips: "
                             "not the CSV the .npz was extracted from")
        return np.array([r[split_by] for r in rows])

    @property
    def length(self):
        return self.rows * (LANDMARK_VALUES + BLENDSHAPE_VALUES)

    def input_mask(self, inputs):
        """1 for the values of the chosen inputs, 0 for the others."""
        mask = np.zeros(self.length, dtype=np.float32)
        if "landmarks" in inputs:
            mask[: self.rows * LANDMARK_VALUES] = 1
        if "blendshapes" in inputs:
            mask[self.rows * LANDMARK_VALUES:] = 1
        return mask
