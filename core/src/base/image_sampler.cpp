// SPDX-License-Identifier: LGPL-2.1-or-later
#include "fer/image_sampler.h"

#include <algorithm>
#include <array>
#include <vector>

#include <opencv2/imgproc.hpp>

#include "fer/error.h"

namespace fer {
namespace {

int cv_border(Border border) {
  return border == Border::Zero ? cv::BORDER_CONSTANT : cv::BORDER_REPLICATE;
}

void warp(const cv::Mat& src, cv::Mat& dst, const cv::Matx23f& m, cv::Size size,
          Border border, const cv::Scalar& black) {
  cv::warpAffine(src, dst, cv::Mat(m), size, cv::INTER_LINEAR | cv::WARP_INVERSE_MAP,
                 cv_border(border), black);
}

cv::Mat sample_packed(const ImageView& image, const cv::Matx23f& m, cv::Size size,
                      Border border) {
  const int bpp = packed_pixel_size(image.format);
  const cv::Mat frame(image.height, image.width, CV_8UC(bpp),
                      const_cast<std::uint8_t*>(image.planes[0]),
                      static_cast<size_t>(image.strides[0]));
  cv::Mat warped;
  warp(frame, warped, m, size, border, cv::Scalar::all(0));
  const auto offsets = rgb_offsets(image.format);
  cv::Mat rgb(size, CV_8UC3);
  const int from_to[] = {offsets[0], 0, offsets[1], 1, offsets[2], 2};
  cv::mixChannels(&warped, 1, &rgb, 1, from_to, 3);
  return rgb;
}

// Chroma planes are half size: chroma sample (u, v) sits at luma position
// (2u + 0.5, 2v + 0.5), so a luma-space mapping becomes (p + 0.5) / 2 - 0.5.
cv::Matx23f chroma_mapping(const cv::Matx23f& m) {
  cv::Matx23f c;
  for (int r = 0; r < 2; ++r) {
    c(r, 0) = 0.5f * m(r, 0);
    c(r, 1) = 0.5f * m(r, 1);
    c(r, 2) = 0.5f * (m(r, 2) + 0.5f) - 0.5f;
  }
  return c;
}

struct YuvCoefficients {
  float kr, kb;
};

YuvCoefficients coefficients(YuvMatrix matrix) {
  switch (matrix) {
    case YuvMatrix::BT709:
      return {0.2126f, 0.0722f};
    case YuvMatrix::BT2020:
      return {0.2627f, 0.0593f};
    case YuvMatrix::BT601:
    default:
      return {0.299f, 0.114f};
  }
}

cv::Mat yuv_to_rgb(const cv::Mat& y, const cv::Mat& u, const cv::Mat& v,
                   YuvMatrix matrix, bool full_range) {
  const auto [kr, kb] = coefficients(matrix);
  const float kg = 1.0f - kr - kb;
  const float y_scale = full_range ? 1.0f : 255.0f / 219.0f;
  const float c_scale = full_range ? 1.0f : 255.0f / 224.0f;
  const float y_offset = full_range ? 0.0f : 16.0f;
  // R, G and B are affine in (Y, U, V): one cv::transform (vectorised)
  // instead of a per-pixel loop.
  const float r_v = 2.0f * (1.0f - kr) * c_scale;
  const float g_u = -2.0f * kb * (1.0f - kb) * c_scale / kg;
  const float g_v = -2.0f * kr * (1.0f - kr) * c_scale / kg;
  const float b_u = 2.0f * (1.0f - kb) * c_scale;
  const float luma_offset = -y_scale * y_offset;
  const cv::Matx34f to_rgb(y_scale, 0.0f, r_v, luma_offset - 128.0f * r_v,
                           y_scale, g_u, g_v, luma_offset - 128.0f * (g_u + g_v),
                           y_scale, b_u, 0.0f, luma_offset - 128.0f * b_u);
  cv::Mat yuv, rgb;
  cv::merge(std::vector<cv::Mat>{y, u, v}, yuv);
  cv::transform(yuv, rgb, to_rgb);
  return rgb;
}

cv::Mat sample_yuv420(const ImageView& image, const cv::Matx23f& m, cv::Size size,
                      Border border) {
  const int cw = (image.width + 1) / 2;
  const int ch = (image.height + 1) / 2;
  const double black_y = image.full_range ? 0 : 16;
  const cv::Mat y_plane(image.height, image.width, CV_8UC1,
                        const_cast<std::uint8_t*>(image.planes[0]),
                        static_cast<size_t>(image.strides[0]));
  cv::Mat y, u, v;
  warp(y_plane, y, m, size, border, cv::Scalar(black_y));
  const cv::Matx23f mc = chroma_mapping(m);
  if (image.format == PixelFormat::I420) {
    const cv::Mat u_plane(ch, cw, CV_8UC1, const_cast<std::uint8_t*>(image.planes[1]),
                          static_cast<size_t>(image.strides[1]));
    const cv::Mat v_plane(ch, cw, CV_8UC1, const_cast<std::uint8_t*>(image.planes[2]),
                          static_cast<size_t>(image.strides[2]));
    warp(u_plane, u, mc, size, border, cv::Scalar(128));
    warp(v_plane, v, mc, size, border, cv::Scalar(128));
  } else {
    const cv::Mat uv_plane(ch, cw, CV_8UC2, const_cast<std::uint8_t*>(image.planes[1]),
                           static_cast<size_t>(image.strides[1]));
    cv::Mat uv;
    warp(uv_plane, uv, mc, size, border, cv::Scalar(128, 128));
    cv::Mat channels[2];
    cv::split(uv, channels);
    u = channels[0];
    v = channels[1];
  }
  return yuv_to_rgb(y, u, v, image.matrix, image.full_range);
}

}  // namespace

cv::Mat sample_rgb(const ImageView& image, const cv::Matx23f& dst_to_src,
                   cv::Size out_size, Border border) {
  if (image.width <= 0 || image.height <= 0 || !image.planes[0])
    throw Error("sample_rgb: empty image");
  if (is_packed(image.format)) return sample_packed(image, dst_to_src, out_size, border);
  return sample_yuv420(image, dst_to_src, out_size, border);
}

}  // namespace fer
