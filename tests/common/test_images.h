// SPDX-License-Identifier: LGPL-2.1-or-later
// Real images as the engine sees them.
#pragma once

#include <opencv2/core.hpp>

#include "fer/image.h"

namespace fer::test {

// A view of a cv::imread result (packed BGR, row stride honoured); `bgr`
// must outlive the view.
inline ImageView bgr_view(const cv::Mat& bgr) {
  ImageView view;
  view.format = PixelFormat::BGR;
  view.width = bgr.cols;
  view.height = bgr.rows;
  view.planes[0] = bgr.data;
  view.strides[0] = static_cast<int>(bgr.step);
  return view;
}

}  // namespace fer::test
