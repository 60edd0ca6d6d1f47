// SPDX-License-Identifier: LGPL-2.1-or-later
/* The custom downstream event livesource sends when its source goes away
 * and when it is back, and its reading (facemetapublish writes it as an
 * event line):
 *   fer-source-event, event=(string){source-lost|source-restored},
 *     source=(string), uri=(string), time=(gint64) g_get_real_time() µs,
 *     frames-in=(guint64), dropped=(guint64),
 *     source-lost:     reason=(string), connected=(gboolean) (FALSE: it
 *                      never delivered a frame since the last loss or start)
 *     source-restored: attempts=(guint), down-ms=(guint64) */
#pragma once

#include <gst/gst.h>

#include "fer/io/json_lines.h"

#define GST_FER_SOURCE_EVENT_NAME "fer-source-event"

/* The fields of a fer-source-event structure; a missing or mistyped field
 * reads as empty or zero (another element may have built the event). */
fer::SourceEvent gst_fer_source_event_parse (const GstStructure * s);
