// SPDX-License-Identifier: LGPL-2.1-or-later
// Sampling a model input out of a frame of any supported format.
//
// WHAT THIS DOES
//   sample_rgb() fills an out_size RGB image whose pixel (x, y) is the frame
//   sampled bilinearly at dst_to_src * (x, y, 1). Only the sampled pixels are
//   converted to RGB: a 4K NV12 frame costs a 128x128 warp of each plane, not
//   a full-frame colour conversion. This is how both the detector input
//   (whole frame, letterboxed) and the landmark input (a rotated face square)
//   are made.
//
// ENSURES
//   Returns a CV_8UC3 image in R, G, B byte order. Pixels that fall outside
//   the frame are black (Border::Zero) or the nearest edge pixel
//   (Border::Replicate).
#pragma once

#include <opencv2/core.hpp>

#include "fer/image.h"

namespace fer {

enum class Border { Zero, Replicate };

cv::Mat sample_rgb(const ImageView& image, const cv::Matx23f& dst_to_src,
                   cv::Size out_size, Border border);

}  // namespace fer
