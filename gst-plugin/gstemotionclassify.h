// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once

#include <gst/gst.h>
#include <gst/video/gstvideofilter.h>

G_BEGIN_DECLS

#define GST_TYPE_FER_EMOTION_CLASSIFY (gst_fer_emotion_classify_get_type ())
G_DECLARE_FINAL_TYPE (GstFerEmotionClassify, gst_fer_emotion_classify, GST,
    FER_EMOTION_CLASSIFY, GstVideoFilter)

GST_ELEMENT_REGISTER_DECLARE (emotionclassify);

G_END_DECLS
