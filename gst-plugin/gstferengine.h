// SPDX-License-Identifier: LGPL-2.1-or-later
/* The `engine` property of the elements that run networks, and the plugin's
 * sink for the core's log lines. */
#pragma once

#include <gst/gst.h>

#include "fer/inference_net.h"

G_BEGIN_DECLS

/* Values equal fer::InferenceEngine's. */
typedef enum
{
  GST_FER_ENGINE_AUTO = (int) fer::InferenceEngine::kAuto,
  GST_FER_ENGINE_XNNPACK = (int) fer::InferenceEngine::kXnnpack,
  GST_FER_ENGINE_OPENCV = (int) fer::InferenceEngine::kOpenCV,
} GstFerEngine;

#define GST_TYPE_FER_ENGINE (gst_fer_engine_get_type ())
GType gst_fer_engine_get_type (void);

/* Installs the `engine` property (id `prop_id`, default auto). */
void gst_fer_engine_install_property (GObjectClass * klass, guint prop_id);

/* Sends the core's log lines (which engine runs each model, and why) to the
 * "fer" debug category: GST_DEBUG=fer:4 shows them. */
void gst_fer_route_core_log (void);

G_END_DECLS
