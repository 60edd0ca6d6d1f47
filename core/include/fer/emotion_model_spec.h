// SPDX-License-Identifier: LGPL-2.1-or-later
// fer::EmotionModelSpec — what an emotion model takes and returns, read from
// the JSON sidecar next to its ONNX file (MODEL.onnx.json).
//
// FORMAT (docs/elements/emotionclassify.md has examples)
//   An appearance model, run on an aligned face crop:
//     {"input": {"width": 64, "height": 64, "color": "GRAY" | "RGB" | "BGR",
//                "layout": "NCHW" | "NHWC", "scale": 1.0,
//                "mean": [m...], "std": [s...]},
//      "output": "logits" | "probabilities",
//      "labels": ["angry", ...],            // in output order
//      "crop_margin": 0.15}
//   Each input value is (pixel * scale - mean[c]) / std[c] with pixel in
//   0..255; mean and std hold one value per channel or a single value for
//   all. GRAY is the BT.601 luma of the RGB pixel.
//   A feature model, run on waveletencode's features (fer/face.h):
//     {"input": {"type": "wavelet-features", "rows": 10,
//                "space": "image" | "canonical"},
//      "output": ..., "labels": [...]}
//   Its input is [1, rows * (478 * 3 + 52)]: the landmark rows (rows, 478, 3)
//   then the blendshape rows (rows, 52), flattened in that order; `space`
//   (default "image") is the landmark space it was trained on
//   (fer/landmark_space.h).
//   Unknown keys are ignored (e.g. "source").
//
// ENSURES
//   load_emotion_model_spec() returns a validated spec or throws fer::Error
//   naming the file and the field, e.g.
//   "model.onnx.json: input.color: unknown value \"YUV\" (expected GRAY, RGB or BGR)".
#pragma once

#include <string>
#include <vector>

#include "fer/landmark_space.h"

namespace fer {

enum class ColorOrder { RGB, BGR, GRAY };
enum class TensorLayout { NCHW, NHWC };
enum class ScoreKind { Logits, Probabilities };
enum class EmotionInput { Image, WaveletFeatures };

struct ImageInputSpec {
  int width = 0;
  int height = 0;
  ColorOrder color = ColorOrder::RGB;
  TensorLayout layout = TensorLayout::NCHW;
  float scale = 1.0f;
  std::vector<float> mean;  // one per channel (expanded on load)
  std::vector<float> std;

  int channels() const { return color == ColorOrder::GRAY ? 1 : 3; }
};

struct EmotionModelSpec {
  EmotionInput input = EmotionInput::Image;
  ImageInputSpec image;      // input == Image
  float crop_margin = 0.0f;  // input == Image: fraction added to the face square's side
  int feature_rows = 0;      // input == WaveletFeatures
  LandmarkSpace feature_space = LandmarkSpace::Image;  // input == WaveletFeatures
  ScoreKind output = ScoreKind::Probabilities;
  std::vector<std::string> labels;  // as written, in output order

  // Length of a feature model's input vector.
  int feature_length() const;
};

EmotionModelSpec load_emotion_model_spec(const std::string& sidecar_path);

}  // namespace fer
