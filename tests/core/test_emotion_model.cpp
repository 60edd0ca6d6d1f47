// SPDX-License-Identifier: LGPL-2.1-or-later
// fer::EmotionModel and its inputs: sidecar validation (clear errors naming
// the file and field), every preprocessing option honoured (proved with the
// generated probe models), the feature vector's layout.
#include <unistd.h>

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "fer/blendshapes.h"
#include "fer/emotion_input.h"
#include "fer/emotion_model.h"
#include "fer/error.h"
#include "test_emotion_models.h"

namespace {

using fer::test::channel_means_sidecar;
using fer::test::model_with_sidecar;
using nlohmann::json;

std::unique_ptr<fer::EmotionModel> open(const std::string& path) {
  return fer::EmotionModel::Create(path, fer::ModelRegistry());
}

// The error Create() throws, or "" if it does not.
std::string open_error(const std::string& path) {
  try {
    open(path);
  } catch (const fer::Error& e) {
    return e.what();
  }
  return "";
}

// An 8x8 RGB crop of one colour.
cv::Mat uniform_crop(int r, int g, int b) { return cv::Mat(8, 8, CV_8UC3, cv::Scalar(r, g, b)); }

std::vector<float> run_on(fer::EmotionModel& model, const cv::Mat& crop) {
  return model.Run(fer::image_input_blob(model.spec().image, {crop}))[0];
}

TEST(EmotionModelSidecar, MissingSidecarNamesTheFile) {
  const std::string path = model_with_sidecar("channel_means_nchw.onnx", json());
  const std::string error = open_error(path);
  EXPECT_NE(error.find(path + ".json"), std::string::npos) << error;
  EXPECT_NE(error.find("sidecar not found"), std::string::npos) << error;
}

TEST(EmotionModelSidecar, WrongInputSizeNamesTheField) {
  json sidecar = channel_means_sidecar();
  sidecar["input"]["width"] = 16;
  const std::string path = model_with_sidecar("channel_means_nchw.onnx", sidecar);
  const std::string error = open_error(path);
  EXPECT_NE(error.find(path + ".json: input.width"), std::string::npos) << error;
  EXPECT_NE(error.find("[?,3,8,8]"), std::string::npos) << error;
}

TEST(EmotionModelSidecar, WrongLayoutNamesTheField) {
  json sidecar = channel_means_sidecar();
  sidecar["input"]["layout"] = "NHWC";
  const std::string error = open_error(model_with_sidecar("channel_means_nchw.onnx", sidecar));
  EXPECT_NE(error.find(".onnx.json: input.height"), std::string::npos) << error;
}

TEST(EmotionModelSidecar, UnknownColourNamesTheFieldAndValue) {
  json sidecar = channel_means_sidecar();
  sidecar["input"]["color"] = "YUV";
  const std::string path = model_with_sidecar("channel_means_nchw.onnx", sidecar);
  const std::string error = open_error(path);
  EXPECT_NE(error.find(path + ".json: input.color: unknown value \"YUV\""), std::string::npos) << error;
}

TEST(EmotionModelSidecar, LabelCountMustMatchTheOutputs) {
  const std::string error = open_error(
      model_with_sidecar("channel_means_nchw.onnx", channel_means_sidecar({"happy", "sad"})));
  EXPECT_NE(error.find("labels: 2 names, but"), std::string::npos) << error;
  EXPECT_NE(error.find("gives 3 scores"), std::string::npos) << error;
}

TEST(EmotionModelSidecar, SynonymLabelsAreOneClass) {
  const std::string error = open_error(
      model_with_sidecar("channel_means_nchw.onnx", channel_means_sidecar({"Happy", "happiness", "sad"})));
  EXPECT_NE(error.find("labels[1]"), std::string::npos) << error;
}

TEST(EmotionModelSidecar, BrokenJsonAndMissingFields) {
  std::string path = model_with_sidecar("channel_means_nchw.onnx", json());
  std::ofstream(path + ".json") << "{\"input\": ";
  EXPECT_NE(open_error(path).find("not valid JSON"), std::string::npos);
  json sidecar = channel_means_sidecar();
  sidecar.erase("labels");
  EXPECT_NE(open_error(model_with_sidecar("channel_means_nchw.onnx", sidecar)).find(".json: labels: missing"),
            std::string::npos);
  sidecar = channel_means_sidecar();
  sidecar["input"]["std"] = {1.0, 0.0, 1.0};
  EXPECT_NE(open_error(model_with_sidecar("channel_means_nchw.onnx", sidecar)).find("input.std[1]"),
            std::string::npos);
}

TEST(EmotionModelSidecar, UnknownBuiltinNameListsTheBuiltins) {
  const std::string error = open_error("fer2013");
  EXPECT_NE(error.find("minixception-fer2013, faceapi-expression"), std::string::npos) << error;
}

TEST(EmotionModelInput, RgbAndBgrOrderAreHonoured) {
  auto rgb = open(model_with_sidecar("channel_means_nchw.onnx", channel_means_sidecar()));
  const auto out = run_on(*rgb, uniform_crop(255, 51, 0));
  EXPECT_NEAR(out[0], 1.0f, 1e-6);
  EXPECT_NEAR(out[1], 0.2f, 1e-6);
  EXPECT_NEAR(out[2], 0.0f, 1e-6);

  json sidecar = channel_means_sidecar();
  sidecar["input"]["color"] = "BGR";
  auto bgr = open(model_with_sidecar("channel_means_nchw.onnx", sidecar));
  const auto swapped = run_on(*bgr, uniform_crop(255, 51, 0));
  EXPECT_NEAR(swapped[0], 0.0f, 1e-6);
  EXPECT_NEAR(swapped[2], 1.0f, 1e-6);
}

TEST(EmotionModelInput, ScaleMeanAndStdPerChannel) {
  json sidecar = channel_means_sidecar();
  sidecar["input"]["scale"] = 2.0;
  sidecar["input"]["mean"] = {10.0, 20.0, 30.0};
  sidecar["input"]["std"] = {2.0, 4.0, 8.0};
  auto model = open(model_with_sidecar("channel_means_nchw.onnx", sidecar));
  const auto out = run_on(*model, uniform_crop(100, 50, 25));
  EXPECT_NEAR(out[0], (100 * 2.0 - 10) / 2, 1e-4);
  EXPECT_NEAR(out[1], (50 * 2.0 - 20) / 4, 1e-4);
  EXPECT_NEAR(out[2], (25 * 2.0 - 30) / 8, 1e-4);
}

TEST(EmotionModelInput, NhwcLayoutIsHonoured) {
  // Channels differ per pixel column, so a transposed layout mixes them.
  json sidecar = channel_means_sidecar();
  sidecar["input"]["layout"] = "NHWC";
  auto model = open(model_with_sidecar("channel_means_nhwc.onnx", sidecar));
  cv::Mat crop(8, 8, CV_8UC3);
  for (int x = 0; x < 8; ++x) crop.col(x).setTo(cv::Scalar(x * 10, 100 + x, 255 - x * 20));
  const auto out = run_on(*model, crop);
  EXPECT_NEAR(out[0], 35.0 / 255, 1e-5);
  EXPECT_NEAR(out[1], 103.5 / 255, 1e-5);
  EXPECT_NEAR(out[2], 185.0 / 255, 1e-5);
}

TEST(EmotionModelInput, GrayIsTheLumaOfTheCrop) {
  json sidecar = channel_means_sidecar({"happy", "sad"});
  sidecar["input"]["color"] = "GRAY";
  sidecar["input"]["mean"] = 0.5;
  sidecar["input"]["std"] = 0.5;
  auto model = open(model_with_sidecar("gray_pair.onnx", sidecar));
  const auto out = run_on(*model, uniform_crop(200, 100, 50));
  const double luma = std::round(0.299 * 200 + 0.587 * 100 + 0.114 * 50);  // BT.601, 8-bit
  EXPECT_NEAR(out[0], (luma / 255 - 0.5) / 0.5, 1e-5);
  EXPECT_NEAR(out[1], 2 * (luma / 255 - 0.5) / 0.5, 1e-5);
}

TEST(EmotionModelInput, LogitsGetASoftmax) {
  json sidecar = channel_means_sidecar();
  sidecar["output"] = "logits";
  auto model = open(model_with_sidecar("channel_means_nchw.onnx", sidecar));
  const auto out = run_on(*model, uniform_crop(255, 0, 0));
  const double e = std::exp(1.0);
  EXPECT_NEAR(out[0], e / (e + 2), 1e-6);
  EXPECT_NEAR(out[1], 1 / (e + 2), 1e-6);
}

TEST(EmotionModelInput, BatchRowsAreIndependent) {
  auto model = open(model_with_sidecar("channel_means_nchw.onnx", channel_means_sidecar()));
  const auto rows = model->Run(fer::image_input_blob(
      model->spec().image, {uniform_crop(255, 0, 0), uniform_crop(0, 0, 255), uniform_crop(0, 255, 0)}));
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_NEAR(rows[0][0], 1.0f, 1e-6);
  EXPECT_NEAR(rows[1][2], 1.0f, 1e-6);
  EXPECT_NEAR(rows[2][1], 1.0f, 1e-6);
}

// A model that cannot take a batch (its batch dimension is fixed at 1) is run
// one face at a time; one that can gets the whole batch at once.
TEST(EmotionModelInput, ModelsWithoutBatchesRunFaceByFace) {
  auto batchable = open(model_with_sidecar("channel_means_nchw.onnx", channel_means_sidecar()));
  EXPECT_TRUE(batchable->batchable());
  for (const char* name : {"channel_means_batch1.onnx", "channel_means_reshape1.onnx"}) {
    auto model = open(model_with_sidecar(name, channel_means_sidecar()));
    if (std::string(name) == "channel_means_batch1.onnx") EXPECT_FALSE(model->batchable());
    const auto rows = model->Run(fer::image_input_blob(
        model->spec().image, {uniform_crop(255, 0, 0), uniform_crop(0, 0, 255), uniform_crop(0, 255, 0)}));
    ASSERT_EQ(rows.size(), 3u) << name;
    EXPECT_NEAR(rows[0][0], 1.0f, 1e-6) << name;
    EXPECT_NEAR(rows[1][2], 1.0f, 1e-6) << name;
    EXPECT_NEAR(rows[2][1], 1.0f, 1e-6) << name;
  }
}

TEST(EmotionModelInput, FeatureVectorIsLandmarkRowsThenBlendshapeRows) {
  const json sidecar = {{"input", {{"type", "wavelet-features"}, {"rows", 10}}},
                        {"output", "probabilities"},
                        {"labels", {"a", "b", "c", "d"}}};
  auto model = open(model_with_sidecar("feature_pick.onnx", sidecar));
  ASSERT_EQ(model->spec().feature_length(), 10 * (478 * 3 + 52));
  fer::FaceFeatures f;
  f.rows = 10;
  f.landmarks.resize(10 * 478 * 3);
  f.blendshapes.resize(10 * 52);
  for (size_t i = 0; i < f.landmarks.size(); ++i) f.landmarks[i] = float(i);
  for (size_t i = 0; i < f.blendshapes.size(); ++i) f.blendshapes[i] = -float(i);
  const auto out = model->Run(fer::feature_input_blob(f, 10))[0];
  // The picks of make_test_models.py: landmark (row 0, point 0, x),
  // (row 2, point 1, y); blendshape (row 0, 0), (row 9, 51).
  EXPECT_EQ(out[0], 0.0f);
  EXPECT_EQ(out[1], float(2 * 478 * 3 + 1 * 3 + 1));
  EXPECT_EQ(out[2], -0.0f);
  EXPECT_EQ(out[3], -float(9 * 52 + 51));

  fer::FaceFeatures fewer = f;
  fewer.rows = 5;
  EXPECT_THROW(fer::feature_input_blob(fewer, 10), fer::Error);
}

TEST(EmotionModelInput, FeatureSidecarWithWrongRows) {
  const json sidecar = {{"input", {{"type", "wavelet-features"}, {"rows", 20}}},
                        {"output", "probabilities"},
                        {"labels", {"a", "b", "c", "d"}}};
  const std::string error = open_error(model_with_sidecar("feature_pick.onnx", sidecar));
  EXPECT_NE(error.find(".json: input.rows"), std::string::npos) << error;
}

}  // namespace
