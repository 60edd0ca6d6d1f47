// SPDX-License-Identifier: LGPL-2.1-or-later
/* GstFerFacesMeta: the faces found in a video frame, enriched by each gst-fer
 * element downstream (landmarks, then blendshapes, features, emotion).
 *
 * The meta owns a fer::FrameFaces (core result type). It is copied with the
 * buffer and rescaled by GStreamer's video scale transform, so coordinates
 * stay right through videoscale.
 */
#pragma once

#include <gst/gst.h>
#include <gst/video/video.h>

#include "fer/face.h"

G_BEGIN_DECLS

#define GST_FER_FACES_META_API_TYPE (gst_fer_faces_meta_api_get_type ())
#define GST_FER_FACES_META_INFO (gst_fer_faces_meta_get_info ())

typedef struct _GstFerFacesMeta GstFerFacesMeta;

struct _GstFerFacesMeta {
  GstMeta meta;
  fer::FrameFaces *faces;
};

GType gst_fer_faces_meta_api_get_type (void);
const GstMetaInfo *gst_fer_faces_meta_get_info (void);

/* Adds an empty faces meta (owning a default fer::FrameFaces). */
GstFerFacesMeta *gst_buffer_add_fer_faces_meta (GstBuffer * buffer);

#define gst_buffer_get_fer_faces_meta(b) \
  ((GstFerFacesMeta *) gst_buffer_get_meta ((b), GST_FER_FACES_META_API_TYPE))

/* GstFerSourceMeta: where a frame came from, stamped by livesource: the
 * source's name, the frame's 0-based index among all frames the source
 * received (across reconnections), and how many of those frames were
 * dropped before the analytics up to this one. Carries no coordinates, so
 * it survives any transform. */
#define GST_FER_SOURCE_META_API_TYPE (gst_fer_source_meta_api_get_type ())
#define GST_FER_SOURCE_META_INFO (gst_fer_source_meta_get_info ())

typedef struct _GstFerSourceMeta GstFerSourceMeta;

struct _GstFerSourceMeta {
  GstMeta meta;
  GQuark source;
  guint64 sequence;
  guint64 dropped;
};

GType gst_fer_source_meta_api_get_type (void);
const GstMetaInfo *gst_fer_source_meta_get_info (void);

GstFerSourceMeta *gst_buffer_add_fer_source_meta (GstBuffer * buffer,
    GQuark source, guint64 sequence);

#define gst_buffer_get_fer_source_meta(b) \
  ((GstFerSourceMeta *) gst_buffer_get_meta ((b), GST_FER_SOURCE_META_API_TYPE))

G_END_DECLS
