// SPDX-License-Identifier: LGPL-2.1-or-later
// The generated probe models (tests/models/make_test_models.py) with a
// sidecar the test chooses, and faces whose crops are easy to predict.
#pragma once

#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>
#include <system_error>
#include <vector>

#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>

#include "fer/face.h"
#include "test_paths.h"

namespace fer::test {

// Copies generated model `name` (e.g. "channel_means_nchw.onnx") into a fresh
// directory with `sidecar` written beside it; returns the copy's path.
// The directories live until the test binary exits.
inline std::string model_with_sidecar(const std::string& name, const nlohmann::json& sidecar) {
  namespace fs = std::filesystem;
  struct Scratch {
    fs::path root = fs::temp_directory_path() / ("gst-fer-test-models-" + std::to_string(::getpid()));
    int count = 0;
    ~Scratch() {
      std::error_code ec;
      fs::remove_all(root, ec);
    }
  };
  static Scratch scratch;
  const fs::path dir = scratch.root / std::to_string(scratch.count++);
  fs::create_directories(dir);
  const fs::path model = dir / name;
  fs::copy_file(test_model_path(name), model, fs::copy_options::overwrite_existing);
  if (!sidecar.is_null()) std::ofstream(model.string() + ".json") << sidecar.dump(2);
  return model.string();
}

// The sidecar of the 8x8 channel-means probe: RGB, NCHW, pixel / 255.
inline nlohmann::json channel_means_sidecar(const std::vector<std::string>& labels = {"happy", "sad", "neutral"}) {
  return {{"input", {{"width", 8}, {"height", 8}, {"color", "RGB"}, {"layout", "NCHW"},
                     {"scale", 1.0 / 255}, {"mean", {0.0}}, {"std", {1.0}}}},
          {"output", "probabilities"},
          {"labels", labels},
          {"crop_margin", 0.0}};
}

// The sidecar of the feature_constant probe (0.05 for each class but the
// last, 0.65; make_test_models.py), labelled with FER+'s 8 classes in
// emotion-ferplus-8's output order, contempt last.
inline nlohmann::json ferplus_feature_sidecar(int rows = 10) {
  return {{"input", {{"type", "wavelet-features"}, {"rows", rows}}},
          {"output", "probabilities"},
          {"labels", {"neutral", "happiness", "surprise", "sadness", "anger", "disgust", "fear", "contempt"}}};
}

// 478 landmarks on a circle of `radius` around `center`, eye corners (33,
// 263) level: a face-shaped square for the crop geometry.
inline std::vector<cv::Point3f> ring_landmarks(cv::Point2f center, float radius) {
  std::vector<cv::Point3f> points(kFaceLandmarks);
  for (int i = 0; i < kFaceLandmarks; ++i) {
    const float a = static_cast<float>(2 * CV_PI * i / kFaceLandmarks);
    points[i] = {center.x + radius * std::cos(a), center.y + radius * std::sin(a), 0.0f};
  }
  points[33] = {center.x - radius / 2, center.y - radius / 4, 0.0f};
  points[263] = {center.x + radius / 2, center.y - radius / 4, 0.0f};
  return points;
}

}  // namespace fer::test
