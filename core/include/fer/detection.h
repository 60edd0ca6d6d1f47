// SPDX-License-Identifier: LGPL-2.1-or-later
// fer::Detection — one face found by the BlazeFace detector.
#pragma once

#include <array>

#include <opencv2/core.hpp>

namespace fer {

// Keypoint order of the BlazeFace models (MediaPipe's naming: the subject's
// right eye is first and appears on the image's left for a frontal face).
enum class FaceKeypoint { RightEye = 0, LeftEye, NoseTip, Mouth, RightEar, LeftEar };
constexpr int kFaceKeypoints = 6;

struct Detection {
  cv::Rect2f box;  // x, y, width, height
  float score = 0.0f;
  std::array<cv::Point2f, kFaceKeypoints> keypoints{};
};

}  // namespace fer
