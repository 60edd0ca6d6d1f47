// SPDX-License-Identifier: LGPL-2.1-or-later
/* gst-fer: facial emotion analytics for GStreamer. Registers the elements. */
#include <gst/gst.h>

#include "gstemotionclassify.h"
#include "gstfacelandmarks.h"
#include "gstferengine.h"
#include "gstfermeta.h"
#include "gstfacemetapublish.h"
#include "gstferoverlay.h"
#include "gstlivesource.h"
#include "gstwaveletencode.h"

#ifndef PACKAGE
#define PACKAGE "gst-fer"
#endif

static gboolean
plugin_init (GstPlugin * plugin)
{
  gboolean ok = FALSE;

  /* Registered at load time, so the meta can be found by name before any
   * element has attached one (applications, tests). */
  gst_fer_faces_meta_get_info ();
  gst_fer_source_meta_get_info ();
  gst_fer_route_core_log ();

  ok |= GST_ELEMENT_REGISTER (facelandmarks, plugin);
  ok |= GST_ELEMENT_REGISTER (waveletencode, plugin);
  ok |= GST_ELEMENT_REGISTER (emotionclassify, plugin);
  ok |= GST_ELEMENT_REGISTER (overlay, plugin);
  ok |= GST_ELEMENT_REGISTER (facemetapublish, plugin);
  ok |= GST_ELEMENT_REGISTER (livesource, plugin);
  return ok;
}

GST_PLUGIN_DEFINE (GST_VERSION_MAJOR, GST_VERSION_MINOR, fer,
    "Facial emotion analytics: face tracking, landmarks, emotion metadata",
    plugin_init, FER_VERSION, "LGPL", "gst-fer", "Unknown package origin")
