// SPDX-License-Identifier: LGPL-2.1-or-later
// The engine's gst_fer.DepthwiseConv2D cv::dnn layer against OpenCV's own
// Convolution layer (group = channels) on the same random weights: narrow and
// wide inputs, 3x3 and 5x5 kernels, strides 1 and 2, symmetric, asymmetric
// and no padding, a batch of two.
#include <random>
#include <string>

#include <gtest/gtest.h>
#include <opencv2/dnn.hpp>

#include "inference/depthwise_conv_layer.h"

namespace {

struct Case {
  int batch, channels, height, width, kernel, stride;
  int pad_top, pad_left, pad_bottom, pad_right;
};

cv::Mat random_blob(std::vector<int> shape, std::mt19937& rng) {
  cv::Mat m(static_cast<int>(shape.size()), shape.data(), CV_32F);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  for (size_t i = 0; i < m.total(); ++i) m.ptr<float>()[i] = dist(rng);
  return m;
}

cv::Mat run(const std::string& type, cv::dnn::LayerParams params, const cv::Mat& input) {
  cv::dnn::Net net;
  params.name = "conv";
  params.type = type;
  net.addLayerToPrev(params.name, type, params);
  net.setPreferableBackend(cv::dnn::DNN_BACKEND_OPENCV);
  net.setInput(input);
  return net.forward().clone();
}

cv::Mat with_ours(const Case& c, const cv::Mat& weights, const cv::Mat& bias, const cv::Mat& input) {
  cv::dnn::LayerParams p;
  const int pads[] = {c.pad_top, c.pad_left, c.pad_bottom, c.pad_right};
  const int strides[] = {c.stride, c.stride};
  p.set("pad", cv::dnn::DictValue::arrayInt(pads, 4));
  p.set("stride", cv::dnn::DictValue::arrayInt(strides, 2));
  p.blobs = {weights, bias};
  return run("gst_fer.DepthwiseConv2D", p, input);
}

// OpenCV's Convolution takes symmetric pads only: the reference pads the
// input with zeros itself and convolves without padding.
cv::Mat zero_padded(const Case& c, const cv::Mat& input) {
  const int h = c.height + c.pad_top + c.pad_bottom, w = c.width + c.pad_left + c.pad_right;
  const int shape[] = {c.batch, c.channels, h, w};
  cv::Mat padded(4, shape, CV_32F, cv::Scalar(0));
  for (int plane = 0; plane < c.batch * c.channels; ++plane) {
    const cv::Mat src(c.height, c.width, CV_32F,
                      const_cast<float*>(input.ptr<float>()) + plane * c.height * c.width);
    cv::Mat dst(h, w, CV_32F, padded.ptr<float>() + plane * h * w);
    src.copyTo(dst(cv::Rect(c.pad_left, c.pad_top, c.width, c.height)));
  }
  return padded;
}

cv::Mat with_opencv(const Case& c, const cv::Mat& weights, const cv::Mat& bias, const cv::Mat& input) {
  cv::dnn::LayerParams p;
  p.set("kernel_h", c.kernel);
  p.set("kernel_w", c.kernel);
  p.set("stride", c.stride);
  p.set("group", c.channels);
  p.set("num_output", c.channels);
  p.set("bias_term", true);
  p.blobs = {weights, bias};
  return run("Convolution", p, zero_padded(c, input));
}

class DepthwiseConvLayer : public ::testing::TestWithParam<Case> {
 protected:
  static void SetUpTestSuite() { fer::register_depthwise_conv_layer(); }
};

TEST_P(DepthwiseConvLayer, MatchesOpenCVGroupedConvolution) {
  const Case c = GetParam();
  std::mt19937 rng(c.channels * 1000 + c.width * 10 + c.stride);
  const cv::Mat weights = random_blob({c.channels, 1, c.kernel, c.kernel}, rng);
  const cv::Mat bias = random_blob({c.channels, 1}, rng);
  const cv::Mat input = random_blob({c.batch, c.channels, c.height, c.width}, rng);
  const cv::Mat ours = with_ours(c, weights, bias, input);
  const cv::Mat reference = with_opencv(c, weights, bias, input);
  ASSERT_EQ(ours.dims, 4);
  for (int d = 0; d < 4; ++d) ASSERT_EQ(ours.size[d], reference.size[d]) << "dimension " << d;
  const double scale = std::max(cv::norm(reference, cv::NORM_INF), 1e-6);
  EXPECT_LT(cv::norm(ours, reference, cv::NORM_INF) / scale, 1e-5);
}

INSTANTIATE_TEST_SUITE_P(
    Shapes, DepthwiseConvLayer,
    ::testing::Values(Case{1, 32, 16, 16, 3, 1, 1, 1, 1, 1},   // landmark heads, SAME
                      Case{1, 128, 12, 12, 3, 2, 0, 0, 1, 1},  // SAME, stride 2, even size
                      Case{1, 8, 7, 9, 3, 2, 1, 1, 1, 1},      // SAME, stride 2, odd size
                      Case{1, 128, 3, 3, 3, 1, 1, 1, 1, 1},    // smaller than 4 columns
                      Case{2, 5, 6, 4, 3, 1, 0, 0, 0, 0},      // VALID, batch of two
                      Case{1, 24, 16, 16, 5, 1, 2, 2, 2, 2},   // 5x5 kernel
                      Case{1, 24, 8, 8, 5, 2, 1, 1, 2, 2},     // 5x5, asymmetric pads
                      Case{1, 16, 20, 40, 3, 1, 1, 1, 1, 1},   // wide input
                      Case{1, 1, 1, 1, 3, 1, 1, 1, 1, 1}));    // one pixel

TEST(DepthwiseConvLayerErrors, WrongChannelCountIsAnErrorNamingTheLayer) {
  fer::register_depthwise_conv_layer();
  std::mt19937 rng(7);
  cv::dnn::LayerParams p;
  p.blobs = {random_blob({4, 1, 3, 3}, rng), random_blob({4, 1}, rng)};
  try {
    run("gst_fer.DepthwiseConv2D", p, random_blob({1, 3, 8, 8}, rng));
    FAIL() << "expected an error";
  } catch (const cv::Exception& e) {
    EXPECT_NE(std::string(e.what()).find("gst_fer.DepthwiseConv2D layer 'conv'"), std::string::npos)
        << e.what();
    EXPECT_NE(std::string(e.what()).find("[N, 4, H, W]"), std::string::npos) << e.what();
  }
}

TEST(DepthwiseConvLayerErrors, MalformedWeightsAreRejectedAtCreation) {
  fer::register_depthwise_conv_layer();
  std::mt19937 rng(8);
  cv::dnn::LayerParams p;
  p.blobs = {random_blob({4, 2, 3, 3}, rng)};  // two input channels per group
  EXPECT_THROW(run("gst_fer.DepthwiseConv2D", p, random_blob({1, 8, 8, 8}, rng)), cv::Exception);
}

}  // namespace
