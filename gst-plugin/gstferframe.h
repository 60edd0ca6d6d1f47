// SPDX-License-Identifier: LGPL-2.1-or-later
/* Viewing a mapped GstVideoFrame as a core fer::ImageView (no copy). */
#pragma once

#include <gst/video/video.h>

#include "fer/image.h"

/* The gst-fer name of a video format, or FALSE if the core cannot read it. */
gboolean gst_fer_pixel_format (GstVideoFormat format, fer::PixelFormat * out);

/* A view of `frame`'s planes with their strides and colorimetry. */
fer::ImageView gst_fer_image_view (const GstVideoFrame * frame);

/* Caps formats every analytics element accepts. */
#define GST_FER_ANALYTICS_FORMATS \
  "{ RGB, BGR, RGBx, BGRx, xRGB, xBGR, RGBA, BGRA, ARGB, ABGR, I420, NV12 }"
/* Caps formats the overlay can draw on (packed RGB family). */
#define GST_FER_PACKED_RGB_FORMATS \
  "{ RGB, BGR, RGBx, BGRx, xRGB, xBGR, RGBA, BGRA, ARGB, ABGR }"
