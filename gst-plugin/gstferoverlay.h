// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once

#include <gst/gst.h>
#include <gst/video/gstvideofilter.h>

G_BEGIN_DECLS

#define GST_TYPE_FER_OVERLAY (gst_fer_overlay_get_type ())
G_DECLARE_FINAL_TYPE (GstFerOverlay, gst_fer_overlay, GST, FER_OVERLAY,
    GstVideoFilter)

#define GST_TYPE_FER_OVERLAY_LANDMARKS (gst_fer_overlay_landmarks_get_type ())
GType gst_fer_overlay_landmarks_get_type (void);

GST_ELEMENT_REGISTER_DECLARE (overlay);

G_END_DECLS
