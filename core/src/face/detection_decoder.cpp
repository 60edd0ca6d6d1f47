// SPDX-License-Identifier: LGPL-2.1-or-later
#include "face/detection_decoder.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace fer {
namespace {

constexpr int kValuesPerAnchor = 4 + 2 * kFaceKeypoints;
constexpr float kScoreClip = 100.0f;

}  // namespace

std::vector<Detection> decode_detections(const float* regressors, const float* scores,
                                         const std::vector<cv::Point2f>& anchors,
                                         cv::Size input, float min_score) {
  std::vector<Detection> out;
  const float sx = static_cast<float>(input.width), sy = static_cast<float>(input.height);
  for (size_t i = 0; i < anchors.size(); ++i) {
    const float logit = std::clamp(scores[i], -kScoreClip, kScoreClip);
    const float score = 1.0f / (1.0f + std::exp(-logit));
    if (score < min_score) continue;
    const float* r = regressors + i * kValuesPerAnchor;
    const cv::Point2f& a = anchors[i];
    const float cx = r[0] / sx + a.x, cy = r[1] / sy + a.y;
    const float w = r[2] / sx, h = r[3] / sy;
    Detection d;
    d.box = {cx - w / 2, cy - h / 2, w, h};
    d.score = score;
    for (int k = 0; k < kFaceKeypoints; ++k)
      d.keypoints[k] = {r[4 + 2 * k] / sx + a.x, r[5 + 2 * k] / sy + a.y};
    out.push_back(d);
  }
  return out;
}

float intersection_over_union(const cv::Rect2f& a, const cv::Rect2f& b) {
  const float inter = (a & b).area();
  const float uni = a.area() + b.area() - inter;
  return uni > 0 ? inter / uni : 0.0f;
}

std::vector<Detection> weighted_nms(std::vector<Detection> detections, float iou_threshold) {
  std::stable_sort(detections.begin(), detections.end(),
                   [](const Detection& a, const Detection& b) { return a.score > b.score; });
  std::vector<Detection> out;
  std::vector<Detection> remaining = std::move(detections);
  while (!remaining.empty()) {
    const Detection& best = remaining.front();
    std::vector<Detection> rest;
    float total = 0, x0 = 0, y0 = 0, x1 = 0, y1 = 0;
    std::array<cv::Point2f, kFaceKeypoints> keypoints{};
    for (const Detection& d : remaining) {
      if (intersection_over_union(d.box, best.box) > iou_threshold || &d == &best) {
        total += d.score;
        x0 += d.box.x * d.score;
        y0 += d.box.y * d.score;
        x1 += (d.box.x + d.box.width) * d.score;
        y1 += (d.box.y + d.box.height) * d.score;
        for (int k = 0; k < kFaceKeypoints; ++k) keypoints[k] += d.keypoints[k] * d.score;
      } else {
        rest.push_back(d);
      }
    }
    Detection merged = best;
    merged.box = {x0 / total, y0 / total, (x1 - x0) / total, (y1 - y0) / total};
    for (int k = 0; k < kFaceKeypoints; ++k) merged.keypoints[k] = keypoints[k] / total;
    out.push_back(merged);
    remaining = std::move(rest);
  }
  return out;
}

}  // namespace fer
