// SPDX-License-Identifier: LGPL-2.1-or-later
#include "gstferframe.h"

gboolean
gst_fer_pixel_format (GstVideoFormat format, fer::PixelFormat * out)
{
  using fer::PixelFormat;
  switch (format) {
    case GST_VIDEO_FORMAT_RGB:  *out = PixelFormat::RGB;  return TRUE;
    case GST_VIDEO_FORMAT_BGR:  *out = PixelFormat::BGR;  return TRUE;
    case GST_VIDEO_FORMAT_RGBx: *out = PixelFormat::RGBx; return TRUE;
    case GST_VIDEO_FORMAT_BGRx: *out = PixelFormat::BGRx; return TRUE;
    case GST_VIDEO_FORMAT_xRGB: *out = PixelFormat::xRGB; return TRUE;
    case GST_VIDEO_FORMAT_xBGR: *out = PixelFormat::xBGR; return TRUE;
    case GST_VIDEO_FORMAT_RGBA: *out = PixelFormat::RGBA; return TRUE;
    case GST_VIDEO_FORMAT_BGRA: *out = PixelFormat::BGRA; return TRUE;
    case GST_VIDEO_FORMAT_ARGB: *out = PixelFormat::ARGB; return TRUE;
    case GST_VIDEO_FORMAT_ABGR: *out = PixelFormat::ABGR; return TRUE;
    case GST_VIDEO_FORMAT_I420: *out = PixelFormat::I420; return TRUE;
    case GST_VIDEO_FORMAT_NV12: *out = PixelFormat::NV12; return TRUE;
    default:
      return FALSE;
  }
}

fer::ImageView
gst_fer_image_view (const GstVideoFrame * frame)
{
  fer::ImageView view;
  gst_fer_pixel_format (GST_VIDEO_FRAME_FORMAT (frame), &view.format);
  view.width = GST_VIDEO_FRAME_WIDTH (frame);
  view.height = GST_VIDEO_FRAME_HEIGHT (frame);
  for (guint i = 0; i < GST_VIDEO_FRAME_N_PLANES (frame) && i < 3; i++) {
    view.planes[i] =
        static_cast < const std::uint8_t * >(GST_VIDEO_FRAME_PLANE_DATA (frame, i));
    view.strides[i] = GST_VIDEO_FRAME_PLANE_STRIDE (frame, i);
  }
  const GstVideoColorimetry & c = frame->info.colorimetry;
  switch (c.matrix) {
    case GST_VIDEO_COLOR_MATRIX_BT709:
      view.matrix = fer::YuvMatrix::BT709;
      break;
    case GST_VIDEO_COLOR_MATRIX_BT2020:
      view.matrix = fer::YuvMatrix::BT2020;
      break;
    default:
      view.matrix = fer::YuvMatrix::BT601;
  }
  view.full_range = c.range == GST_VIDEO_COLOR_RANGE_0_255;
  return view;
}
