// SPDX-License-Identifier: LGPL-2.1-or-later
#include "fer/roi.h"

#include <algorithm>
#include <cmath>

namespace fer {
namespace {

constexpr float kFaceRoiScale = 1.5f;
constexpr int kLeftEyeOuterCorner = 33;
constexpr int kRightEyeOuterCorner = 263;

// MediaPipe's DetectionsToRects + RectTransformation(scale 1.5, square_long):
// rotation brings the from->to line to horizontal; the square is on the
// longer side of the axis-aligned bounds.
Roi face_roi(const cv::Rect2f& bounds, cv::Point2f from, cv::Point2f to) {
  Roi roi;
  roi.center = {bounds.x + bounds.width / 2, bounds.y + bounds.height / 2};
  roi.rotation = normalize_radians(-std::atan2(-(to.y - from.y), to.x - from.x));
  const float side = std::max(bounds.width, bounds.height) * kFaceRoiScale;
  roi.size = {side, side};
  return roi;
}

}  // namespace

float normalize_radians(float angle) {
  constexpr float kTwoPi = 2.0f * static_cast<float>(CV_PI);
  return angle - kTwoPi * std::floor((angle + static_cast<float>(CV_PI)) / kTwoPi);
}

cv::Matx23f roi_input_to_frame(const Roi& roi, cv::Size input) {
  const float c = std::cos(roi.rotation), s = std::sin(roi.rotation);
  const float sx = roi.size.width / input.width, sy = roi.size.height / input.height;
  // frame = center + R * ((p - input / 2) * scale)
  const float tx = -0.5f * input.width * sx, ty = -0.5f * input.height * sy;
  return {c * sx, -s * sy, roi.center.x + c * tx - s * ty,
          s * sx, c * sy,  roi.center.y + s * tx + c * ty};
}

cv::Matx23f roi_sampling_matrix(const Roi& roi, cv::Size input) {
  cv::Matx23f m = roi_input_to_frame(roi, input);
  for (int r = 0; r < 2; ++r) m(r, 2) += 0.5f * (m(r, 0) + m(r, 1)) - 0.5f;
  return m;
}

cv::Point2f roi_point_to_frame(const Roi& roi, cv::Size input, cv::Point2f p) {
  const cv::Matx23f m = roi_input_to_frame(roi, input);
  return {m(0, 0) * p.x + m(0, 1) * p.y + m(0, 2), m(1, 0) * p.x + m(1, 1) * p.y + m(1, 2)};
}

Roi letterbox_roi(int frame_width, int frame_height) {
  const float side = static_cast<float>(std::max(frame_width, frame_height));
  return {{frame_width / 2.0f, frame_height / 2.0f}, {side, side}, 0.0f};
}

Roi face_roi_from_detection(const Detection& detection) {
  return face_roi(detection.box, detection.keypoints[int(FaceKeypoint::RightEye)],
                  detection.keypoints[int(FaceKeypoint::LeftEye)]);
}

cv::Rect2f landmark_bounds(const std::vector<cv::Point3f>& points) {
  float x0 = points[0].x, x1 = x0, y0 = points[0].y, y1 = y0;
  for (const auto& p : points) {
    x0 = std::min(x0, p.x);
    x1 = std::max(x1, p.x);
    y0 = std::min(y0, p.y);
    y1 = std::max(y1, p.y);
  }
  return {x0, y0, x1 - x0, y1 - y0};
}

Roi face_roi_from_landmarks(const std::vector<cv::Point3f>& landmarks) {
  const auto& a = landmarks[kLeftEyeOuterCorner];
  const auto& b = landmarks[kRightEyeOuterCorner];
  return face_roi(landmark_bounds(landmarks), {a.x, a.y}, {b.x, b.y});
}

Roi aligned_face_roi(const std::vector<cv::Point3f>& landmarks, float margin) {
  const auto& a = landmarks[kLeftEyeOuterCorner];
  const auto& b = landmarks[kRightEyeOuterCorner];
  const float angle = std::atan2(b.y - a.y, b.x - a.x);
  const float c = std::cos(angle), s = std::sin(angle);
  // Bounds in the face's frame: the frame rotated by -angle.
  float x0 = 0, x1 = 0, y0 = 0, y1 = 0;
  for (size_t i = 0; i < landmarks.size(); ++i) {
    const float u = c * landmarks[i].x + s * landmarks[i].y;
    const float v = -s * landmarks[i].x + c * landmarks[i].y;
    if (i == 0) x0 = x1 = u, y0 = y1 = v;
    x0 = std::min(x0, u), x1 = std::max(x1, u);
    y0 = std::min(y0, v), y1 = std::max(y1, v);
  }
  const float u = (x0 + x1) / 2, v = (y0 + y1) / 2;
  const float side = std::max(x1 - x0, y1 - y0) * (1.0f + margin);
  return {{c * u - s * v, s * u + c * v}, {side, side}, normalize_radians(angle)};
}

}  // namespace fer
