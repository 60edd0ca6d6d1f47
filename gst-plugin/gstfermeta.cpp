// SPDX-License-Identifier: LGPL-2.1-or-later
#include "gstfermeta.h"

static gboolean
gst_fer_faces_meta_init (GstMeta * meta, gpointer, GstBuffer *)
{
  reinterpret_cast < GstFerFacesMeta * >(meta)->faces = new fer::FrameFaces ();
  return TRUE;
}

static void
gst_fer_faces_meta_free (GstMeta * meta, GstBuffer *)
{
  auto *m = reinterpret_cast < GstFerFacesMeta * >(meta);
  delete m->faces;
  m->faces = nullptr;
}

static void
scale_faces (fer::FrameFaces & faces, float sx, float sy)
{
  for (fer::Face & face : faces.faces) {
    face.bbox = {face.bbox.x * sx, face.bbox.y * sy, face.bbox.width * sx,
      face.bbox.height * sy};
    for (auto &p : face.landmarks)
      p = {p.x * sx, p.y * sy, p.z * sx};
  }
}

static gboolean
gst_fer_faces_meta_transform (GstBuffer * dest, GstMeta * meta,
    GstBuffer *, GQuark type, gpointer data)
{
  auto *src = reinterpret_cast < GstFerFacesMeta * >(meta);
  if (GST_META_TRANSFORM_IS_COPY (type)) {
    GstFerFacesMeta *copy = gst_buffer_add_fer_faces_meta (dest);
    *copy->faces = *src->faces;
    return TRUE;
  }
  if (GST_VIDEO_META_TRANSFORM_IS_SCALE (type)) {
    auto *trans = static_cast < GstVideoMetaTransform * >(data);
    const int in_w = GST_VIDEO_INFO_WIDTH (trans->in_info);
    const int in_h = GST_VIDEO_INFO_HEIGHT (trans->in_info);
    if (in_w <= 0 || in_h <= 0)
      return FALSE;
    GstFerFacesMeta *copy = gst_buffer_add_fer_faces_meta (dest);
    *copy->faces = *src->faces;
    copy->faces->width = GST_VIDEO_INFO_WIDTH (trans->out_info);
    copy->faces->height = GST_VIDEO_INFO_HEIGHT (trans->out_info);
    scale_faces (*copy->faces, float (copy->faces->width) / in_w,
        float (copy->faces->height) / in_h);
    return TRUE;
  }
  /* Other transforms (e.g. cropping, rotation) would misplace coordinates:
   * drop the meta rather than carry wrong positions. */
  return FALSE;
}

GType
gst_fer_faces_meta_api_get_type (void)
{
  static GType type = 0;
  static const gchar *tags[] = { GST_META_TAG_VIDEO_STR,
    GST_META_TAG_VIDEO_SIZE_STR, GST_META_TAG_VIDEO_ORIENTATION_STR, nullptr
  };
  if (g_once_init_enter (&type)) {
    GType t = gst_meta_api_type_register ("GstFerFacesMetaAPI", tags);
    g_once_init_leave (&type, t);
  }
  return type;
}

const GstMetaInfo *
gst_fer_faces_meta_get_info (void)
{
  static const GstMetaInfo *info = nullptr;
  if (g_once_init_enter (&info)) {
    const GstMetaInfo *i = gst_meta_register (GST_FER_FACES_META_API_TYPE,
        "GstFerFacesMeta", sizeof (GstFerFacesMeta),
        gst_fer_faces_meta_init, gst_fer_faces_meta_free,
        gst_fer_faces_meta_transform);
    g_once_init_leave (&info, i);
  }
  return info;
}

GstFerFacesMeta *
gst_buffer_add_fer_faces_meta (GstBuffer * buffer)
{
  return reinterpret_cast < GstFerFacesMeta * >(gst_buffer_add_meta (buffer,
          GST_FER_FACES_META_INFO, nullptr));
}

gint64
gst_fer_faces_meta_get_frame (const GstFerFacesMeta * meta)
{
  g_return_val_if_fail (meta != nullptr, -1);
  return meta->faces->frame;
}

guint
gst_fer_faces_meta_get_n_faces (const GstFerFacesMeta * meta)
{
  g_return_val_if_fail (meta != nullptr, 0);
  return (guint) meta->faces->faces.size ();
}

/* cv::Point3f is three packed floats: a landmark vector reads as x, y, z... */
static_assert (sizeof (cv::Point3f) == 3 * sizeof (gfloat),
    "landmarks are handed out as packed (x, y, z) floats");

gboolean
gst_fer_faces_meta_get_face (const GstFerFacesMeta * meta, guint index,
    GstFerFace * face)
{
  g_return_val_if_fail (meta != nullptr && face != nullptr, FALSE);
  if (index >= meta->faces->faces.size ())
    return FALSE;
  const fer::Face & f = meta->faces->faces[index];
  *face = GstFerFace { };
  face->id = f.id;
  face->x = f.bbox.x;
  face->y = f.bbox.y;
  face->width = f.bbox.width;
  face->height = f.bbox.height;
  face->score = f.score;
  face->n_landmarks = (guint) f.landmarks.size ();
  face->landmarks = f.landmarks.empty ()? nullptr :
      reinterpret_cast < const gfloat * >(f.landmarks.data ());
  face->n_blendshapes = (guint) f.blendshapes.size ();
  face->blendshapes = f.blendshapes.empty ()? nullptr : f.blendshapes.data ();
  if (f.pose) {
    face->has_pose = TRUE;
    face->yaw = f.pose->yaw;
    face->pitch = f.pose->pitch;
    face->roll = f.pose->roll;
  }
  if (f.emotion) {
    face->emotion = f.emotion->label.c_str ();
    face->emotion_confidence = f.emotion->confidence;
  }
  return TRUE;
}

static gboolean
gst_fer_source_meta_init (GstMeta * meta, gpointer, GstBuffer *)
{
  auto *m = reinterpret_cast < GstFerSourceMeta * >(meta);
  m->source = 0;
  m->sequence = 0;
  m->dropped = 0;
  return TRUE;
}

static gboolean
gst_fer_source_meta_transform (GstBuffer * dest, GstMeta * meta, GstBuffer *,
    GQuark, gpointer)
{
  auto *src = reinterpret_cast < GstFerSourceMeta * >(meta);
  GstFerSourceMeta *copy = gst_buffer_add_fer_source_meta (dest, src->source,
      src->sequence);
  copy->dropped = src->dropped;
  return TRUE;
}

GType
gst_fer_source_meta_api_get_type (void)
{
  static GType type = 0;
  static const gchar *tags[] = { nullptr };
  if (g_once_init_enter (&type)) {
    GType t = gst_meta_api_type_register ("GstFerSourceMetaAPI", tags);
    g_once_init_leave (&type, t);
  }
  return type;
}

const GstMetaInfo *
gst_fer_source_meta_get_info (void)
{
  static const GstMetaInfo *info = nullptr;
  if (g_once_init_enter (&info)) {
    const GstMetaInfo *i = gst_meta_register (GST_FER_SOURCE_META_API_TYPE,
        "GstFerSourceMeta", sizeof (GstFerSourceMeta),
        gst_fer_source_meta_init, nullptr, gst_fer_source_meta_transform);
    g_once_init_leave (&info, i);
  }
  return info;
}

GstFerSourceMeta *
gst_buffer_add_fer_source_meta (GstBuffer * buffer, GQuark source,
    guint64 sequence)
{
  auto *m = reinterpret_cast < GstFerSourceMeta * >(gst_buffer_add_meta (buffer,
          GST_FER_SOURCE_META_INFO, nullptr));
  m->source = source;
  m->sequence = sequence;
  return m;
}
