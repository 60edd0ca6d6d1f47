// SPDX-License-Identifier: LGPL-2.1-or-later
// The two inference engines against each other: small graphs that each
// exercise one part of the XNNPACK importer (tests/models/make_engine_graphs.py:
// layout changes and folded Transposes, channel pads before a residual Add,
// the Flatten -> Gemm weight permutation, two heads written into one Concat
// output, depthwise/resize/pooling, a free batch dimension), run by XNNPACK
// and by cv::dnn as the reference; the fallback of a graph XNNPACK cannot
// run; and two runtimes of one model running at the same time.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "fer/error.h"
#include "fer/inference_net.h"
#include "fer/log.h"
#include "fer/model_registry.h"
#include "inference/onnx_net.h"
#include "test_paths.h"

namespace {

using fer::InferenceEngine;
using fer::InferenceNet;

constexpr double kTolerance = 2e-4;  // max |xnnpack - cv::dnn| / max |cv::dnn|

cv::Mat random_tensor(std::vector<int> shape, unsigned seed) {
  cv::Mat m(static_cast<int>(shape.size()), shape.data(), CV_32F);
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> uniform(-1.0f, 1.0f);
  for (size_t i = 0; i < m.total(); ++i) m.ptr<float>()[i] = uniform(rng);
  return m;
}

// The graph's declared input shape, a free batch dimension set to `batch`.
cv::Mat input_for(const std::string& path, int batch, unsigned seed) {
  std::vector<int> shape;
  for (std::int64_t d : fer::onnx_input_shape(path)) shape.push_back(d > 0 ? int(d) : batch);
  return random_tensor(shape, seed);
}

double relative_error(const cv::Mat& ours, const cv::Mat& reference) {
  double diff = 0, scale = 0;
  for (size_t i = 0; i < reference.total(); ++i) {
    diff = std::max(diff, double(std::abs(ours.ptr<float>()[i] - reference.ptr<float>()[i])));
    scale = std::max(scale, double(std::abs(reference.ptr<float>()[i])));
  }
  return diff / std::max(scale, 1e-12);
}

std::vector<int> shape_of(const cv::Mat& m) { return {m.size.p, m.size.p + m.dims}; }

// Collects the core's log lines while alive.
class LogCapture {
 public:
  LogCapture() {
    fer::set_log_sink([this](fer::LogLevel level, const std::string& line) {
      std::lock_guard<std::mutex> lock(mutex_);
      lines_.push_back({level, line});
    });
  }
  ~LogCapture() { fer::set_log_sink(nullptr); }
  std::vector<std::pair<fer::LogLevel, std::string>> lines() {
    std::lock_guard<std::mutex> lock(mutex_);
    return lines_;
  }

 private:
  std::mutex mutex_;
  std::vector<std::pair<fer::LogLevel, std::string>> lines_;
};

class EngineGraph : public ::testing::TestWithParam<const char*> {};

TEST_P(EngineGraph, XnnpackMatchesCvDnn) {
  const std::string path = fer::test::test_model_path(std::string(GetParam()) + ".onnx");
  auto xnnpack = InferenceNet::Create(path, InferenceEngine::kXnnpack);
  auto opencv = InferenceNet::Create(path, InferenceEngine::kOpenCV);
  ASSERT_EQ(xnnpack->engine(), InferenceEngine::kXnnpack);
  ASSERT_EQ(opencv->engine(), InferenceEngine::kOpenCV);
  EXPECT_EQ(xnnpack->output_names(), opencv->output_names());
  for (unsigned seed : {1u, 2u}) {
    const cv::Mat input = input_for(path, 1, seed);
    const auto ours = xnnpack->Run(input);
    const auto reference = opencv->Run(input);
    ASSERT_EQ(ours.size(), reference.size());
    for (size_t i = 0; i < ours.size(); ++i) {
      ASSERT_EQ(ours[i].total(), reference[i].total()) << xnnpack->output_names()[i];
      EXPECT_EQ(shape_of(ours[i]), shape_of(reference[i])) << xnnpack->output_names()[i];
      const double e = relative_error(ours[i], reference[i]);
      std::printf("%s %s: %.2e\n", GetParam(), xnnpack->output_names()[i].c_str(), e);
      EXPECT_LE(e, kTolerance) << xnnpack->output_names()[i];
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Mapping, EngineGraph,
                         ::testing::Values("layout_round_trip", "nchw_output", "channel_pad_add",
                                           "flatten_gemm", "concat_output", "depthwise_resize_pool",
                                           "batch_mlp"));

// One runtime per batch size: each row of a batch as it is alone, and as
// cv::dnn has it (row by row: cv::dnn 4.6 does not broadcast the [1, 12]
// constants over a batch).
TEST(InferenceEngines, BatchRowsEqualSingleRowsAndCvDnn) {
  const std::string path = fer::test::test_model_path("batch_mlp.onnx");
  auto xnnpack = InferenceNet::Create(path, InferenceEngine::kXnnpack);
  auto opencv = InferenceNet::Create(path, InferenceEngine::kOpenCV);
  const cv::Mat batch = input_for(path, 3, 7);
  const cv::Mat out = xnnpack->Run(batch)[0].clone();
  ASSERT_EQ(shape_of(out), (std::vector<int>{3, 5}));
  for (int row = 0; row < 3; ++row) {
    const cv::Mat one = batch.row(row).clone();
    const cv::Mat alone = xnnpack->Run(one)[0].clone();
    for (int k = 0; k < 5; ++k) EXPECT_NEAR(alone.at<float>(0, k), out.at<float>(row, k), 1e-5);
    EXPECT_LE(relative_error(out.row(row).clone(), opencv->Run(one)[0]), kTolerance);
  }
}

TEST(InferenceEngines, UnmappedOperatorFallsBackToCvDnnAndSaysWhy) {
  const std::string path = fer::test::test_model_path("unmapped_operator.onnx");
  LogCapture log;
  auto net = InferenceNet::Create(path, InferenceEngine::kAuto);
  EXPECT_EQ(net->engine(), InferenceEngine::kOpenCV);
  const auto lines = log.lines();
  const auto why = std::find_if(lines.begin(), lines.end(), [&](const auto& l) {
    return l.first == fer::LogLevel::kInfo && l.second.find(path) != std::string::npos &&
           l.second.find("Tanh") != std::string::npos;
  });
  EXPECT_NE(why, lines.end()) << "no INFO line naming the model and the operator";
  const cv::Mat input = input_for(path, 1, 3);
  const cv::Mat y = net->Run(input)[0];
  EXPECT_EQ(shape_of(y), (std::vector<int>{1, 2, 4, 4}));
}

TEST(InferenceEngines, XnnpackOnlyRefusesAnUnmappedOperator_n) {
  const std::string path = fer::test::test_model_path("unmapped_operator.onnx");
  try {
    InferenceNet::Create(path, InferenceEngine::kXnnpack);
    FAIL() << "engine xnnpack loaded a graph with Tanh";
  } catch (const fer::Error& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find(path), std::string::npos) << message;
    EXPECT_NE(message.find("Tanh"), std::string::npos) << message;
  }
}

TEST(InferenceEngines, WrongInputSizeIsAnError_n) {
  auto net = InferenceNet::Create(fer::test::test_model_path("flatten_gemm.onnx"), InferenceEngine::kXnnpack);
  EXPECT_THROW(net->Run(random_tensor({1, 8, 8, 3}, 1)), fer::Error);
  EXPECT_THROW(net->Run(std::vector<cv::Mat>{}), fer::Error);
}

TEST(InferenceEngines, EngineNames) {
  EXPECT_EQ(fer::parse_engine("auto"), InferenceEngine::kAuto);
  EXPECT_EQ(fer::parse_engine("xnnpack"), InferenceEngine::kXnnpack);
  EXPECT_EQ(fer::parse_engine("opencv"), InferenceEngine::kOpenCV);
  EXPECT_THROW(fer::parse_engine("tflite"), fer::Error);
}

// Two streams' runtimes of one model (as two facelandmarks instances hold)
// run at the same time and give what each gives alone.
TEST(InferenceEngines, TwoRuntimesOfOneModelRunConcurrently) {
  const std::string path = fer::ModelRegistry().Locate("face_landmark_with_attention.part0.onnx");
  std::vector<std::unique_ptr<InferenceNet>> nets;
  std::vector<cv::Mat> inputs;
  std::vector<std::vector<cv::Mat>> alone;
  for (unsigned i = 0; i < 2; ++i) {
    nets.push_back(InferenceNet::Create(path, InferenceEngine::kXnnpack));
    inputs.push_back(random_tensor({1, 192, 192, 3}, 10 + i));
    alone.emplace_back();
    for (const cv::Mat& out : nets[i]->Run(inputs[i])) alone.back().push_back(out.clone());
  }
  std::vector<int> mismatches(2, 0);
  std::vector<std::thread> threads;
  for (size_t i = 0; i < 2; ++i)
    threads.emplace_back([&, i] {
      for (int round = 0; round < 40; ++round) {
        const auto out = nets[i]->Run(inputs[i]);
        for (size_t k = 0; k < out.size(); ++k)
          if (std::memcmp(out[k].ptr<float>(), alone[i][k].ptr<float>(), out[k].total() * sizeof(float)))
            ++mismatches[i];
      }
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(mismatches[0], 0);
  EXPECT_EQ(mismatches[1], 0);
}

}  // namespace
