// SPDX-License-Identifier: LGPL-2.1-or-later
// fer::ImageView — a non-owning view of one video frame in its native format.
//
// WHAT THIS REPRESENTS
//   Pixel data as a media framework hands it over: packed RGB-family formats
//   (3 or 4 bytes per pixel, any channel order) or planar/semi-planar YUV
//   4:2:0 (I420, NV12), each plane with its own row stride. The core never
//   converts a whole frame: it samples only the pixels a model needs (see
//   image_sampler.h).
//
// REQUIREMENTS
//   planes/strides describe memory that stays valid while the view is used.
//   For I420: planes Y, U, V; for NV12: planes Y, UV; packed formats: plane 0.
#pragma once

#include <array>
#include <cstdint>

#include <opencv2/core.hpp>

namespace fer {

enum class PixelFormat {
  RGB, BGR,                    // 3 bytes per pixel
  RGBx, BGRx, xRGB, xBGR,      // 4 bytes per pixel, x ignored
  RGBA, BGRA, ARGB, ABGR,      // 4 bytes per pixel, alpha ignored
  I420, NV12,                  // YUV 4:2:0
};

// Colour matrix of YUV data (which RGB primaries the Y'CbCr came from).
enum class YuvMatrix { BT601, BT709, BT2020 };

struct ImageView {
  PixelFormat format = PixelFormat::RGB;
  int width = 0;
  int height = 0;
  std::array<const std::uint8_t*, 3> planes{};
  std::array<int, 3> strides{};
  YuvMatrix matrix = YuvMatrix::BT601;  // YUV formats only
  bool full_range = false;              // YUV formats only: 0-255 vs 16-235
};

// Bytes per pixel of a packed format; 0 for planar formats.
int packed_pixel_size(PixelFormat format);

// Byte offsets of R, G and B inside one pixel of a packed format.
std::array<int, 3> rgb_offsets(PixelFormat format);

// True for formats with one packed plane of 3 or 4 bytes per pixel.
inline bool is_packed(PixelFormat format) { return packed_pixel_size(format) > 0; }

// Rows of plane `plane` (0-2) of `image`; 0 when its format has no such plane.
int plane_rows(const ImageView& image, int plane);

// A view of an OpenCV BGR image (cv::imread, cv::VideoCapture: CV_8UC3,
// row stride honoured); `bgr` must outlive the view. Throws fer::Error for
// another type.
ImageView bgr_view(const cv::Mat& bgr);

}  // namespace fer
