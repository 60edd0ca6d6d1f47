// SPDX-License-Identifier: LGPL-2.1-or-later
#include "face/ssd_anchors.h"

#include <cmath>

namespace fer {

std::vector<cv::Point2f> ssd_anchor_centers(const SsdAnchorOptions& options) {
  std::vector<cv::Point2f> anchors;
  const auto& strides = options.strides;
  size_t layer = 0;
  while (layer < strides.size()) {
    // Layers with equal strides share a feature map.
    size_t last = layer;
    while (last < strides.size() && strides[last] == strides[layer]) ++last;
    const int per_layer = options.aspect_ratios + (options.interpolated_scale ? 1 : 0);
    const int per_cell = static_cast<int>(last - layer) * per_layer;
    const int rows = static_cast<int>(std::ceil(float(options.input_height) / strides[layer]));
    const int cols = static_cast<int>(std::ceil(float(options.input_width) / strides[layer]));
    for (int y = 0; y < rows; ++y)
      for (int x = 0; x < cols; ++x)
        for (int k = 0; k < per_cell; ++k)
          anchors.emplace_back((x + options.offset) / cols, (y + options.offset) / rows);
    layer = last;
  }
  return anchors;
}

}  // namespace fer
