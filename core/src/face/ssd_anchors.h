// SPDX-License-Identifier: LGPL-2.1-or-later
// SSD anchor centres for the BlazeFace detectors.
//
// WHAT THIS COMPUTES
//   MediaPipe's SsdAnchorsCalculator for fixed-size anchors: consecutive
//   layers with the same stride share one feature map of
//   ceil(input / stride) cells; each cell gets, per layer, one anchor per
//   aspect ratio plus one interpolated-scale anchor if enabled. With fixed
//   anchor size only the centres matter, ((col + 0.5) / cols, (row + 0.5) /
//   rows), in the model input's normalised coordinates.
//
//   Short range (128x128, strides 8,16,16,16, interpolated): 896 anchors.
//   Full range (192x192, stride 4, no interpolated anchor): 2304 anchors.
#pragma once

#include <vector>

#include <opencv2/core.hpp>

namespace fer {

struct SsdAnchorOptions {
  int input_width = 128;
  int input_height = 128;
  std::vector<int> strides = {8, 16, 16, 16};
  int aspect_ratios = 1;          // anchors per layer and cell
  bool interpolated_scale = true; // one more anchor per layer and cell
  float offset = 0.5f;
};

std::vector<cv::Point2f> ssd_anchor_centers(const SsdAnchorOptions& options);

}  // namespace fer
