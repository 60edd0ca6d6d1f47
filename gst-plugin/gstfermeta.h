// SPDX-License-Identifier: LGPL-2.1-or-later
/* The metas inside gst-fer: what the elements see beyond the public C API
 * of <gst/fer/fermeta.h>.
 *
 * GstFerFacesMeta owns a fer::FrameFaces (the core's result type). It is
 * copied with the buffer and rescaled by GStreamer's video scale transform,
 * so coordinates stay right through videoscale.
 */
#pragma once

#include <gst/gst.h>
#include <gst/video/video.h>
#include <gst/fer/fermeta.h>

#include "fer/face.h"

G_BEGIN_DECLS

#define GST_FER_FACES_META_INFO (gst_fer_faces_meta_get_info ())

struct _GstFerFacesMeta {
  GstMeta meta;
  fer::FrameFaces *faces;
};

const GstMetaInfo *gst_fer_faces_meta_get_info (void);

/* Adds an empty faces meta (owning a default fer::FrameFaces). */
GstFerFacesMeta *gst_buffer_add_fer_faces_meta (GstBuffer * buffer);

#define GST_FER_SOURCE_META_INFO (gst_fer_source_meta_get_info ())

const GstMetaInfo *gst_fer_source_meta_get_info (void);

GstFerSourceMeta *gst_buffer_add_fer_source_meta (GstBuffer * buffer,
    GQuark source, guint64 sequence);

G_END_DECLS
