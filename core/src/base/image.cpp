// SPDX-License-Identifier: LGPL-2.1-or-later
#include "fer/image.h"

#include "fer/error.h"

namespace fer {

int packed_pixel_size(PixelFormat format) {
  switch (format) {
    case PixelFormat::RGB:
    case PixelFormat::BGR:
      return 3;
    case PixelFormat::RGBx:
    case PixelFormat::BGRx:
    case PixelFormat::xRGB:
    case PixelFormat::xBGR:
    case PixelFormat::RGBA:
    case PixelFormat::BGRA:
    case PixelFormat::ARGB:
    case PixelFormat::ABGR:
      return 4;
    case PixelFormat::I420:
    case PixelFormat::NV12:
      return 0;
  }
  return 0;
}

// Byte offsets of R, G and B inside one pixel of a packed format.
std::array<int, 3> rgb_offsets(PixelFormat format) {
  switch (format) {
    case PixelFormat::RGB:
    case PixelFormat::RGBx:
    case PixelFormat::RGBA:
      return {0, 1, 2};
    case PixelFormat::BGR:
    case PixelFormat::BGRx:
    case PixelFormat::BGRA:
      return {2, 1, 0};
    case PixelFormat::xRGB:
    case PixelFormat::ARGB:
      return {1, 2, 3};
    case PixelFormat::xBGR:
    case PixelFormat::ABGR:
      return {3, 2, 1};
    default:
      throw Error("rgb_offsets: not a packed format");
  }
}

int plane_rows(const ImageView& image, int plane) {
  if (is_packed(image.format)) return plane == 0 ? image.height : 0;
  if (plane == 0) return image.height;
  if (image.format == PixelFormat::NV12 && plane == 2) return 0;
  return (image.height + 1) / 2;  // 4:2:0 chroma
}

ImageView bgr_view(const cv::Mat& bgr) {
  if (bgr.type() != CV_8UC3)
    throw Error("bgr_view: a BGR image is CV_8UC3, not type " + std::to_string(bgr.type()));
  ImageView view;
  view.format = PixelFormat::BGR;
  view.width = bgr.cols;
  view.height = bgr.rows;
  view.planes[0] = bgr.data;
  view.strides[0] = static_cast<int>(bgr.step[0]);
  return view;
}

}  // namespace fer
