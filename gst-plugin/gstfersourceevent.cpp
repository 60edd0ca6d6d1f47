// SPDX-License-Identifier: LGPL-2.1-or-later
#include "gstfersourceevent.h"

fer::SourceEvent
gst_fer_source_event_parse (const GstStructure * s)
{
  fer::SourceEvent e;
  guint64 frames_in = 0, dropped = 0, down_ms = 0;
  guint attempts = 0;

  e.event = gst_structure_get_string (s, "event") ? : "";
  e.source = gst_structure_get_string (s, "source") ? : "";
  gst_structure_get_int64 (s, "time", &e.time_us);
  gst_structure_get_uint64 (s, "frames-in", &frames_in);
  gst_structure_get_uint64 (s, "dropped", &dropped);
  e.frames_in = frames_in;
  e.dropped = dropped;
  e.reason = gst_structure_get_string (s, "reason") ? : "";
  if (gst_structure_get_uint (s, "attempts", &attempts))
    e.attempts = attempts;
  if (gst_structure_get_uint64 (s, "down-ms", &down_ms))
    e.down_ms = down_ms;
  return e;
}
