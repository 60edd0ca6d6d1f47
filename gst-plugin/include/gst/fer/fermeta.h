/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The metas gst-fer attaches to video buffers, for applications in C (and
 * anything with a C FFI): link libgstfer-meta (pkg-config gst-fer-meta).
 *
 * GstFerFacesMeta: the faces of a frame, enriched by each gst-fer element
 * (facelandmarks: ids, boxes, 478 landmarks, pose, blendshapes;
 * emotionclassify: the emotion). Opaque: read it with the functions below.
 * Every face is also a standard GstVideoRegionOfInterestMeta (roi_type
 * "face", id = track id, emotion in its params), which needs no gst-fer
 * header at all.
 *
 * GstFerSourceMeta: where a frame came from (livesource).
 *
 * A GstFerFace is a view of the meta: its pointers live as long as the
 * buffer's meta does.
 */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

#define GST_FER_FACES_META_API_TYPE (gst_fer_faces_meta_api_get_type ())

typedef struct _GstFerFacesMeta GstFerFacesMeta;

GType gst_fer_faces_meta_api_get_type (void);

#define gst_buffer_get_fer_faces_meta(b) \
  ((GstFerFacesMeta *) gst_buffer_get_meta ((b), GST_FER_FACES_META_API_TYPE))

typedef struct
{
  gint id;                      /* track id, stable while the face is tracked */
  gfloat x, y, width, height;   /* box in frame pixels */
  gfloat score;                 /* face presence probability */
  guint n_landmarks;            /* 478, or 0 */
  const gfloat *landmarks;      /* n_landmarks x (x, y, z): pixels, z on x's scale */
  guint n_blendshapes;          /* 52, or 0 */
  const gfloat *blendshapes;    /* in [0, 1], docs/blendshapes.md order */
  gboolean has_pose;
  gfloat yaw, pitch, roll;      /* head pose, degrees */
  const gchar *emotion;         /* label ("happy", ..., "unknown"), or NULL */
  gfloat emotion_confidence;    /* the label's probability */
} GstFerFace;

/* 0-based index of the frame in the stream (as facelandmarks numbered it). */
gint64 gst_fer_faces_meta_get_frame (const GstFerFacesMeta * meta);

guint gst_fer_faces_meta_get_n_faces (const GstFerFacesMeta * meta);

/* Fills `face` with face `index`; FALSE when index >= n_faces. */
gboolean gst_fer_faces_meta_get_face (const GstFerFacesMeta * meta,
    guint index, GstFerFace * face);

/* GstFerSourceMeta: the source's name, the frame's 0-based index among all
 * frames the source received (across reconnections), and how many of those
 * frames were dropped before the analytics up to this one. Carries no
 * coordinates, so it survives any transform. */
#define GST_FER_SOURCE_META_API_TYPE (gst_fer_source_meta_api_get_type ())

typedef struct _GstFerSourceMeta GstFerSourceMeta;

struct _GstFerSourceMeta
{
  GstMeta meta;
  GQuark source;
  guint64 sequence;
  guint64 dropped;
};

GType gst_fer_source_meta_api_get_type (void);

#define gst_buffer_get_fer_source_meta(b) \
  ((GstFerSourceMeta *) gst_buffer_get_meta ((b), GST_FER_SOURCE_META_API_TYPE))

G_END_DECLS
