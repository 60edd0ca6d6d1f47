// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

#define GST_TYPE_FER_WAVELET_ENCODE (gst_fer_wavelet_encode_get_type ())
G_DECLARE_FINAL_TYPE (GstFerWaveletEncode, gst_fer_wavelet_encode, GST,
    FER_WAVELET_ENCODE, GstElement)

GST_ELEMENT_REGISTER_DECLARE (waveletencode);

/* Values of the landmark-space property: fer::LandmarkSpace. */
#define GST_TYPE_FER_LANDMARK_SPACE (gst_fer_landmark_space_get_type ())
GType gst_fer_landmark_space_get_type (void);

G_END_DECLS
