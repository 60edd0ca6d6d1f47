# SPDX-License-Identifier: LGPL-2.1-or-later
"""fer-train: feature models for emotionclassify, trained on fer-extract's .npz."""
