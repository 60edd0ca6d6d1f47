// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once

#include <gst/gst.h>
#include <gst/video/gstvideofilter.h>

G_BEGIN_DECLS

#define GST_TYPE_FER_FACE_LANDMARKS (gst_fer_face_landmarks_get_type ())
G_DECLARE_FINAL_TYPE (GstFerFaceLandmarks, gst_fer_face_landmarks, GST,
    FER_FACE_LANDMARKS, GstVideoFilter)

#define GST_TYPE_FER_DETECTOR (gst_fer_detector_get_type ())
GType gst_fer_detector_get_type (void);

GST_ELEMENT_REGISTER_DECLARE (facelandmarks);

G_END_DECLS
