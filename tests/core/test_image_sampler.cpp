// SPDX-License-Identifier: LGPL-2.1-or-later
// Sampling from every pixel format gives the same RGB crop (YUV within the
// error of 4:2:0 chroma and 8-bit rounding).
#include <gtest/gtest.h>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "fer/image_sampler.h"
#include "fer/roi.h"
#include "test_paths.h"

namespace {

fer::ImageView packed_view(const cv::Mat& m, fer::PixelFormat f) {
  fer::ImageView v;
  v.format = f;
  v.width = m.cols;
  v.height = m.rows;
  v.planes[0] = m.data;
  v.strides[0] = static_cast<int>(m.step);
  return v;
}

class SamplerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const cv::Mat bgr = cv::imread(fer::test::grace_hopper_path(), cv::IMREAD_COLOR);
    ASSERT_FALSE(bgr.empty());
    // Even size for 4:2:0, and an odd row stride (ROI of a wider image).
    wide_ = cv::Mat(bgr.rows, bgr.cols + 3, CV_8UC3, cv::Scalar::all(0));
    bgr_ = wide_(cv::Rect(0, 0, bgr.cols & ~1, bgr.rows & ~1));
    bgr(cv::Rect(0, 0, bgr_.cols, bgr_.rows)).copyTo(bgr_);
    cv::cvtColor(bgr_, rgb_, cv::COLOR_BGR2RGB);
    roi_ = {{bgr_.cols / 2.0f, bgr_.rows / 2.5f}, {200.0f, 200.0f}, 0.3f};
    reference_ = sample(packed_view(rgb_, fer::PixelFormat::RGB));
  }
  cv::Mat sample(const fer::ImageView& v) {
    return fer::sample_rgb(v, fer::roi_sampling_matrix(roi_, {96, 96}), {96, 96}, fer::Border::Replicate);
  }
  cv::Mat wide_, bgr_, rgb_, reference_;
  fer::Roi roi_;
};

}  // namespace

TEST_F(SamplerTest, PackedFormatsAgreeExactly) {
  struct Case {
    fer::PixelFormat format;
    int code;  // cvtColor from RGB
  };
  const Case cases[] = {{fer::PixelFormat::BGR, cv::COLOR_RGB2BGR}, {fer::PixelFormat::RGBA, cv::COLOR_RGB2RGBA},
                        {fer::PixelFormat::BGRA, cv::COLOR_RGB2BGRA}};
  for (const Case& c : cases) {
    cv::Mat converted;
    cv::cvtColor(rgb_, converted, c.code);
    EXPECT_EQ(cv::norm(sample(packed_view(converted, c.format)), reference_, cv::NORM_INF), 0.0);
  }
  // xRGB: channels shifted by one byte.
  cv::Mat xrgb(rgb_.size(), CV_8UC4);
  const int from_to[] = {0, 1, 1, 2, 2, 3};
  xrgb.setTo(cv::Scalar::all(7));
  cv::mixChannels(&rgb_, 1, &xrgb, 1, from_to, 3);
  EXPECT_EQ(cv::norm(sample(packed_view(xrgb, fer::PixelFormat::xRGB)), reference_, cv::NORM_INF), 0.0);
}

TEST_F(SamplerTest, I420AndNV12CloseToRgb) {
  cv::Mat i420;
  cv::cvtColor(rgb_, i420, cv::COLOR_RGB2YUV_I420);  // BT.601 limited range
  const int w = rgb_.cols, h = rgb_.rows;
  fer::ImageView v;
  v.format = fer::PixelFormat::I420;
  v.width = w;
  v.height = h;
  v.planes = {i420.data, i420.data + w * h, i420.data + w * h + (w / 2) * (h / 2)};
  v.strides = {w, w / 2, w / 2};
  const cv::Mat from_i420 = sample(v);
  cv::Mat diff;
  cv::absdiff(from_i420, reference_, diff);
  EXPECT_LT(cv::mean(diff.reshape(1))[0], 4.0);

  // NV12: the same chroma interleaved.
  cv::Mat nv12(h * 3 / 2, w, CV_8UC1);
  i420(cv::Rect(0, 0, w, h)).copyTo(nv12(cv::Rect(0, 0, w, h)));
  for (int i = 0; i < (w / 2) * (h / 2); ++i) {
    nv12.data[w * h + 2 * i] = v.planes[1][i];
    nv12.data[w * h + 2 * i + 1] = v.planes[2][i];
  }
  fer::ImageView n = v;
  n.format = fer::PixelFormat::NV12;
  n.planes = {nv12.data, nv12.data + w * h, nullptr};
  n.strides = {w, w, 0};
  EXPECT_EQ(cv::norm(sample(n), from_i420, cv::NORM_INF), 0.0);
}

TEST_F(SamplerTest, OutsideFrameIsBlackWithZeroBorder) {
  const fer::Roi far{{-1000.0f, -1000.0f}, {50.0f, 50.0f}, 0.0f};
  const cv::Mat out = fer::sample_rgb(packed_view(rgb_, fer::PixelFormat::RGB),
                                      fer::roi_sampling_matrix(far, {8, 8}), {8, 8}, fer::Border::Zero);
  EXPECT_EQ(cv::countNonZero(out.reshape(1)), 0);
}
