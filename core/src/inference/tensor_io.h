// SPDX-License-Identifier: LGPL-2.1-or-later
// Moving images in and out of cv::dnn tensors in TFLite's NHWC layout.
#pragma once

#include <opencv2/core.hpp>

namespace fer {

// CV_8UC3 image -> float tensor [1, rows, cols, 3] with value * scale + offset.
cv::Mat to_nhwc_tensor(const cv::Mat& rgb, float scale, float offset);

}  // namespace fer
