// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

#define GST_TYPE_FER_LIVE_SOURCE (gst_fer_live_source_get_type ())
G_DECLARE_FINAL_TYPE (GstFerLiveSource, gst_fer_live_source, GST, FER_LIVE_SOURCE, GstBin)

GST_ELEMENT_REGISTER_DECLARE (livesource);

G_END_DECLS
