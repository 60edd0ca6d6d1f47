// SPDX-License-Identifier: LGPL-2.1-or-later
// Model fidelity: raw outputs of each converted model, run by each inference
// engine — XNNPACK and OpenCV's cv::dnn — (and, for the attention model, our
// C++ custom ops), against
// reference outputs made once by an independent runtime on the same input
// tensors (tests/reference/README.md says how):
//   BlazeFace short/full range: the original .tflite in @litertjs/core;
//   face landmarks with attention: the original .tflite in a numpy
//   interpreter of TFLite graphs (no packaged runtime has its custom ops);
//   the emotion models: the TF.js originals in TensorFlow.js (node, CPU),
//   face-api's expression net through face-api's own code.
// Error measure: max |ours - reference| / max |reference| per output tensor.
#include <algorithm>
#include <cmath>
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "fer/emotion_input.h"
#include "fer/emotion_labels.h"
#include "fer/emotion_model.h"
#include "fer/face_detector.h"
#include "fer/inference_net.h"
#include "fer/model_registry.h"
#include "inference/staged_model.h"
#include "inference/tensor_io.h"
#include "test_paths.h"

namespace {

constexpr double kTolerance = 1e-4;

struct Reference {
  nlohmann::json meta;
  std::vector<float> values;

  std::vector<float> slice(const nlohmann::json& where) const {
    const size_t offset = where["offset_bytes"].get<size_t>() / sizeof(float);
    return {values.begin() + offset, values.begin() + offset + where["count"].get<size_t>()};
  }

  std::vector<float> output(const std::string& name) const {
    for (const auto& o : meta["outputs"])
      if (o["name"] == name) return slice(o);
    ADD_FAILURE() << "no reference output " << name;
    return {};
  }
};

Reference load_reference(const std::string& dir, const std::string& json_name) {
  Reference r;
  std::ifstream json(fer::test::data_path(dir + "/" + json_name));
  EXPECT_TRUE(json) << json_name;
  r.meta = nlohmann::json::parse(json);
  std::ifstream bin(fer::test::data_path(dir + "/" + r.meta["outputs_file"].get<std::string>()),
                    std::ios::binary);
  bin.seekg(0, std::ios::end);
  r.values.resize(static_cast<size_t>(bin.tellg()) / sizeof(float));
  bin.seekg(0);
  bin.read(reinterpret_cast<char*>(r.values.data()), static_cast<std::streamsize>(r.values.size() * sizeof(float)));
  return r;
}

cv::Mat load_rgb(const std::string& path) {
  cv::Mat bgr = cv::imread(path, cv::IMREAD_COLOR);
  EXPECT_FALSE(bgr.empty()) << path;
  cv::Mat rgb;
  cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
  return rgb;
}

double relative_error(const float* ours, const std::vector<float>& ref) {
  double diff = 0, scale = 0;
  for (size_t i = 0; i < ref.size(); ++i) {
    diff = std::max(diff, double(std::abs(ours[i] - ref[i])));
    scale = std::max(scale, double(std::abs(ref[i])));
  }
  return diff / std::max(scale, 1e-12);
}

// Every test runs once per engine, with the engine forced (no fallback).
class ModelFidelity : public ::testing::TestWithParam<fer::InferenceEngine> {};

void check_detector(fer::DetectorModel model, const std::string& stem, fer::InferenceEngine engine) {
  const Reference ref = load_reference("reference/blazeface", stem + "_outputs.json");
  const cv::Mat rgb = load_rgb(fer::test::data_path("reference/blazeface/" + stem + "_input.png"));
  ASSERT_EQ(fer::sha256_hex(rgb.data, rgb.total() * rgb.elemSize()),
            ref.meta["input"]["rgb_sha256"].get<std::string>());
  fer::FaceDetectorOptions options;
  options.model = model;
  options.engine = engine;
  auto detector = fer::FaceDetector::Create(options);
  ASSERT_EQ(rgb.size(), detector->input_size());
  std::vector<float> regressors, logits;
  detector->RunModel(rgb, regressors, logits);
  const auto& outs = ref.meta["outputs"];
  const std::vector<float> ref_regressors = ref.output(outs[0]["name"]);
  const std::vector<float> ref_logits = ref.output(outs[1]["name"]);
  ASSERT_EQ(regressors.size(), ref_regressors.size());
  ASSERT_EQ(logits.size(), ref_logits.size());
  const double e_reg = relative_error(regressors.data(), ref_regressors);
  const double e_log = relative_error(logits.data(), ref_logits);
  std::printf("%s: regressors %.2e, scores %.2e\n", stem.c_str(), e_reg, e_log);
  EXPECT_LE(e_reg, kTolerance);
  EXPECT_LE(e_log, kTolerance);
}

TEST_P(ModelFidelity, BlazeFaceShortRange) {
  check_detector(fer::DetectorModel::ShortRange, "face_detection_short_range", GetParam());
}

TEST_P(ModelFidelity, BlazeFaceFullRange) {
  check_detector(fer::DetectorModel::FullRange, "face_detection_full_range", GetParam());
}

TEST_P(ModelFidelity, FaceLandmarksWithAttention) {
  const Reference ref = load_reference("reference/landmark_model", "outputs.json");
  const cv::Mat rgb = load_rgb(fer::test::data_path("reference/landmark_model/input.png"));
  auto model = fer::StagedModel::Create(fer::ModelRegistry(),
                                      "face_landmark_with_attention.manifest.json", GetParam());
  const std::vector<cv::Mat> outputs = model->run(fer::to_nhwc_tensor(rgb, 1.0f / 255.0f, 0.0f));
  ASSERT_EQ(outputs.size(), ref.meta["outputs"].size());
  for (size_t i = 0; i < outputs.size(); ++i) {
    const std::string name = model->output_names()[i];
    const std::vector<float> expected = ref.output(name);
    ASSERT_EQ(outputs[i].total(), expected.size()) << name;
    const double e = relative_error(outputs[i].ptr<float>(), expected);
    std::printf("%s: %.2e\n", name.c_str(), e);
    EXPECT_LE(e, kTolerance) << name;
  }
}

// The built-in emotion models through our own preprocessing (the sidecar's
// colour, scale, mean and std) on the reference crops. Probabilities of
// confident faces saturate near 1, so their logarithms are compared too.
void check_emotion_model(const std::string& model_name, const std::string& stem, const std::string& png_suffix,
                         fer::InferenceEngine engine) {
  const Reference ref = load_reference("reference/emotion", stem + ".json");
  auto model = fer::EmotionModel::Create(model_name, fer::ModelRegistry(), engine);
  ASSERT_EQ(model->engine(), engine);
  std::vector<cv::Mat> crops;
  for (const auto& image : ref.meta["images"]) {
    const std::string name = image["name"];
    crops.push_back(load_rgb(fer::test::data_path("reference/emotion/" + name + png_suffix)));
    cv::Mat pixels = crops.back();  // the PNG's own bytes: grey or RGB
    if (model->spec().image.color == fer::ColorOrder::GRAY) cv::cvtColor(pixels, pixels, cv::COLOR_RGB2GRAY);
    ASSERT_EQ(fer::sha256_hex(pixels.data, pixels.total() * pixels.elemSize()),
              image["pixels_sha256"].get<std::string>()) << name;
  }
  // Canonical names of the reference's labels, in the reference's order.
  std::vector<size_t> ours_of_ref;
  for (const auto& label : ref.meta["labels"]) {
    const std::string canonical = fer::canonical_emotion_label(label.get<std::string>());
    const auto at = std::find(model->labels().begin(), model->labels().end(), canonical);
    ASSERT_NE(at, model->labels().end()) << label;
    ours_of_ref.push_back(size_t(at - model->labels().begin()));
  }
  const auto probs = model->Run(fer::image_input_blob(model->spec().image, crops));
  ASSERT_EQ(probs.size(), crops.size());
  for (size_t i = 0; i < crops.size(); ++i) {
    const auto& image = ref.meta["images"][i];
    const std::vector<float> expected = ref.slice(image["probabilities"]);
    double max_diff = 0, max_log_diff = 0;
    for (size_t k = 0; k < expected.size(); ++k) {
      const float ours = probs[i][ours_of_ref[k]];
      max_diff = std::max(max_diff, double(std::abs(ours - expected[k])));
      if (expected[k] > 1e-6f)
        max_log_diff = std::max(max_log_diff, std::abs(std::log(double(ours)) - std::log(double(expected[k]))));
    }
    std::printf("%s %s: probabilities max |diff| %.2e, log-probabilities %.2e\n", stem.c_str(),
                image["name"].get<std::string>().c_str(), max_diff, max_log_diff);
    EXPECT_LE(max_diff, kTolerance) << image["name"];
    EXPECT_LE(max_log_diff, 1e-3) << image["name"];
    const std::string label = image["argmax"];
    EXPECT_EQ(model->labels()[size_t(std::max_element(probs[i].begin(), probs[i].end()) - probs[i].begin())],
              fer::canonical_emotion_label(label));
  }
}

TEST_P(ModelFidelity, EmotionMiniXceptionFer2013) {
  check_emotion_model("minixception-fer2013", "minixception_fer2013", "_64_gray.png", GetParam());
}

TEST_P(ModelFidelity, EmotionFaceApiExpression) {
  check_emotion_model("faceapi-expression", "faceapi_expression", "_112_rgb.png", GetParam());
}

INSTANTIATE_TEST_SUITE_P(Engines, ModelFidelity,
                         ::testing::Values(fer::InferenceEngine::kXnnpack, fer::InferenceEngine::kOpenCV),
                         [](const auto& info) { return std::string(fer::engine_name(info.param)); });

}  // namespace
