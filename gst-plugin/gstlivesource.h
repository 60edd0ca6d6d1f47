// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

#define GST_TYPE_LIVE_SOURCE (gst_live_source_get_type ())
G_DECLARE_FINAL_TYPE (GstLiveSource, gst_live_source, GST, LIVE_SOURCE, GstBin)

/* The custom downstream event livesource sends when its source goes away
 * and when it is back (facemetapublish writes it as an event line):
 *   fer-source-event, event=(string){source-lost|source-restored},
 *     source=(string), uri=(string), time=(gint64) g_get_real_time() µs,
 *     frames-in=(guint64), dropped=(guint64),
 *     source-lost:     reason=(string), connected=(gboolean) (FALSE: it
 *                      never delivered a frame since the last loss or start)
 *     source-restored: attempts=(guint), down-ms=(guint64) */
#define GST_FER_SOURCE_EVENT_NAME "fer-source-event"

GST_ELEMENT_REGISTER_DECLARE (livesource);

G_END_DECLS
