"""fer-train: feature models for emotionclassify, trained on fer-extract's .npz."""
