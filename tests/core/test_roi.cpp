// SPDX-License-Identifier: LGPL-2.1-or-later
#include <cmath>

#include <gtest/gtest.h>
#include <opencv2/imgproc.hpp>

#include "fer/roi.h"

namespace {
constexpr float kPi = static_cast<float>(CV_PI);
}

// The input square's corners land on the rotated rectangle's corners as
// OpenCV's own cv::boxPoints computes them (an independent reference).
TEST(Roi, InputCornersMapToBoxPoints) {
  const fer::Roi roi{{320.0f, 200.0f}, {150.0f, 150.0f}, 0.4f};
  const cv::Size input(192, 192);
  cv::Point2f box[4];
  cv::RotatedRect(roi.center, roi.size, roi.rotation * 180.0f / kPi).points(box);
  // boxPoints order: bottom-left, top-left, top-right, bottom-right.
  const cv::Point2f corners[4] = {{0, 192}, {0, 0}, {192, 0}, {192, 192}};
  for (int i = 0; i < 4; ++i) {
    const cv::Point2f p = fer::roi_point_to_frame(roi, input, corners[i]);
    EXPECT_NEAR(p.x, box[i].x, 1e-3) << i;
    EXPECT_NEAR(p.y, box[i].y, 1e-3) << i;
  }
}

TEST(Roi, SamplingMatrixSamplesPixelCentres) {
  const fer::Roi roi{{50.0f, 50.0f}, {100.0f, 100.0f}, 0.0f};
  // 2x downscale: input pixel 0 covers frame [0, 2), centre at 1.0, which
  // in the pixel-centre convention is position 0.5.
  const cv::Matx23f m = fer::roi_sampling_matrix(roi, {50, 50});
  EXPECT_NEAR(m(0, 0) * 0 + m(0, 2), 0.5f, 1e-5);
  EXPECT_NEAR(m(1, 1) * 10 + m(1, 2), 20.5f, 1e-5);
}

TEST(Roi, LetterboxIsCentredSquareOnLongSide) {
  const fer::Roi roi = fer::letterbox_roi(640, 360);
  EXPECT_FLOAT_EQ(roi.center.x, 320.0f);
  EXPECT_FLOAT_EQ(roi.center.y, 180.0f);
  EXPECT_FLOAT_EQ(roi.size.width, 640.0f);
  EXPECT_FLOAT_EQ(roi.size.height, 640.0f);
  EXPECT_FLOAT_EQ(roi.rotation, 0.0f);
}

TEST(Roi, FromDetectionRotatesEyesHorizontalAndEnlarges) {
  fer::Detection d;
  d.box = {100, 100, 80, 60};
  // Subject's right eye on the left, left eye lower right: head rolled 30 deg.
  d.keypoints[0] = {120, 120};
  d.keypoints[1] = {120 + 40 * std::cos(kPi / 6), 120 + 40 * std::sin(kPi / 6)};
  const fer::Roi roi = fer::face_roi_from_detection(d);
  EXPECT_NEAR(roi.rotation, kPi / 6, 1e-5);
  EXPECT_FLOAT_EQ(roi.center.x, 140.0f);
  EXPECT_FLOAT_EQ(roi.center.y, 130.0f);
  EXPECT_FLOAT_EQ(roi.size.width, 120.0f);  // 1.5 x the longer side
  EXPECT_FLOAT_EQ(roi.size.height, 120.0f);
  // The eye line maps to a horizontal line in the model input.
  const cv::Size input(192, 192);
  const cv::Matx23f m = fer::roi_input_to_frame(roi, input);
  cv::Matx33f full(m(0, 0), m(0, 1), m(0, 2), m(1, 0), m(1, 1), m(1, 2), 0, 0, 1);
  const cv::Matx33f inv = full.inv();
  auto to_input = [&](cv::Point2f p) {
    const cv::Vec3f v = inv * cv::Vec3f(p.x, p.y, 1);
    return cv::Point2f(v[0], v[1]);
  };
  EXPECT_NEAR(to_input(d.keypoints[0]).y, to_input(d.keypoints[1]).y, 1e-3);
}

TEST(Roi, FromLandmarksUsesBoundsAndEyeCorners) {
  std::vector<cv::Point3f> points(478, cv::Point3f(50, 50, 0));
  points[10] = {10, 20, 0};
  points[20] = {90, 100, 0};
  points[33] = {30, 40, 0};
  points[263] = {70, 40, 0};
  const fer::Roi roi = fer::face_roi_from_landmarks(points);
  EXPECT_FLOAT_EQ(roi.center.x, 50.0f);
  EXPECT_FLOAT_EQ(roi.center.y, 60.0f);
  EXPECT_FLOAT_EQ(roi.size.width, 120.0f);
  EXPECT_NEAR(roi.rotation, 0.0f, 1e-6);
}

TEST(Roi, NormalizeRadians) {
  EXPECT_NEAR(fer::normalize_radians(3 * kPi / 2), -kPi / 2, 1e-5);
  EXPECT_NEAR(fer::normalize_radians(-3 * kPi / 2), kPi / 2, 1e-5);
  EXPECT_NEAR(fer::normalize_radians(0.3f), 0.3f, 1e-6);
}
