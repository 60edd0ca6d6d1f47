// SPDX-License-Identifier: LGPL-2.1-or-later
// Turning BlazeFace's raw outputs into detections.
//
// decode_detections():
//   REQUIRES regressors has anchors.size() rows of 16 floats (box centre
//   offset x, y, width, height, then 6 keypoints x, y; MediaPipe's
//   "reverse output order"), scores has anchors.size() logits.
//   ENSURES one Detection per anchor whose sigmoid(clamp(logit, +-100)) is at
//   least min_score, with coordinates normalised to the model input [0, 1].
//
// weighted_nms():
//   MediaPipe's weighted non-maximum suppression: take the best remaining
//   detection, gather every remaining detection overlapping it by IoU above
//   iou_threshold (itself included), and output their score-weighted mean box
//   and keypoints with the best score. Overlapping boxes are blended, not
//   dropped, which steadies the box from frame to frame.
#pragma once

#include <vector>

#include <opencv2/core.hpp>

#include "fer/detection.h"

namespace fer {

std::vector<Detection> decode_detections(const float* regressors, const float* scores,
                                         const std::vector<cv::Point2f>& anchors,
                                         cv::Size input, float min_score);

std::vector<Detection> weighted_nms(std::vector<Detection> detections, float iou_threshold);

float intersection_over_union(const cv::Rect2f& a, const cv::Rect2f& b);

}  // namespace fer
