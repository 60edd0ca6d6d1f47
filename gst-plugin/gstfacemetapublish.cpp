/**
 * SECTION:element-facemetapublish
 * @title: facemetapublish
 *
 * Writes the faces metadata of every video frame as one line of JSON
 * (schema: docs/metadata.md) to a file or to standard output, flushing each
 * line so a reader following the file sees whole frames. Buffers pass
 * through untouched.
 *
 * An existing file is never overwritten unless overwrite=true: starting the
 * pipeline then fails with an error naming the file.
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 filesrc location=franck.mp4 ! decodebin ! videoconvert ! \
 *     facelandmarks ! facemetapublish location=faces.jsonl ! fakesink
 * ]|
 */
#include "gstfacemetapublish.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

#include <gst/video/video.h>

#include "fer/json_lines.h"
#include "gstfermeta.h"

GST_DEBUG_CATEGORY_STATIC (gst_face_meta_publish_debug);
#define GST_CAT_DEFAULT gst_face_meta_publish_debug

enum
{
  PROP_0,
  PROP_LOCATION,
  PROP_OVERWRITE,
  PROP_INCLUDE_FEATURES,
};

#define DEFAULT_LOCATION "-"
#define DEFAULT_OVERWRITE FALSE
#define DEFAULT_INCLUDE_FEATURES FALSE

struct _GstFaceMetaPublish
{
  GstBaseTransform parent;

  gchar *location;
  gboolean overwrite;
  gboolean include_features;

  FILE *out;
  GstVideoInfo info;
  gboolean have_info;
  gint64 frames_without_meta;
  gint64 frame_counter;
};

#define gst_face_meta_publish_parent_class parent_class
G_DEFINE_TYPE (GstFaceMetaPublish, gst_face_meta_publish,
    GST_TYPE_BASE_TRANSFORM);
GST_ELEMENT_REGISTER_DEFINE (facemetapublish, "facemetapublish",
    GST_RANK_NONE, GST_TYPE_FACE_META_PUBLISH);

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS ("video/x-raw(ANY)"));
static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS ("video/x-raw(ANY)"));

static void
gst_face_meta_publish_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstFaceMetaPublish *self = GST_FACE_META_PUBLISH (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_LOCATION:
      g_free (self->location);
      self->location = g_value_dup_string (value);
      break;
    case PROP_OVERWRITE:
      self->overwrite = g_value_get_boolean (value);
      break;
    case PROP_INCLUDE_FEATURES:
      self->include_features = g_value_get_boolean (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_face_meta_publish_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec)
{
  GstFaceMetaPublish *self = GST_FACE_META_PUBLISH (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_LOCATION:
      g_value_set_string (value, self->location);
      break;
    case PROP_OVERWRITE:
      g_value_set_boolean (value, self->overwrite);
      break;
    case PROP_INCLUDE_FEATURES:
      g_value_set_boolean (value, self->include_features);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
  GST_OBJECT_UNLOCK (self);
}

static gboolean
gst_face_meta_publish_start (GstBaseTransform * trans)
{
  GstFaceMetaPublish *self = GST_FACE_META_PUBLISH (trans);
  gchar *location;
  gboolean overwrite;

  GST_OBJECT_LOCK (self);
  location = g_strdup (self->location ? self->location : DEFAULT_LOCATION);
  overwrite = self->overwrite;
  GST_OBJECT_UNLOCK (self);

  self->frames_without_meta = 0;
  self->frame_counter = 0;
  self->have_info = FALSE;
  if (g_strcmp0 (location, "-") == 0) {
    self->out = stdout;
    g_free (location);
    return TRUE;
  }
  /* O_EXCL makes "refuse to overwrite" atomic. */
  const int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (overwrite ? O_TRUNC :
      O_EXCL);
  const int fd = open (location, flags, 0644);
  if (fd < 0) {
    if (errno == EEXIST)
      GST_ELEMENT_ERROR (self, RESOURCE, OPEN_WRITE,
          ("File \"%s\" already exists.", location),
          ("Refusing to overwrite it; set overwrite=true to replace it."));
    else
      GST_ELEMENT_ERROR (self, RESOURCE, OPEN_WRITE,
          ("Could not open file \"%s\" for writing.", location),
          ("%s", g_strerror (errno)));
    g_free (location);
    return FALSE;
  }
  self->out = fdopen (fd, "w");
  if (!self->out) {
    GST_ELEMENT_ERROR (self, RESOURCE, OPEN_WRITE,
        ("Could not open file \"%s\" for writing.", location),
        ("%s", g_strerror (errno)));
    close (fd);
    g_free (location);
    return FALSE;
  }
  g_free (location);
  return TRUE;
}

static gboolean
gst_face_meta_publish_stop (GstBaseTransform * trans)
{
  GstFaceMetaPublish *self = GST_FACE_META_PUBLISH (trans);

  if (self->out && self->out != stdout)
    fclose (self->out);
  else if (self->out)
    fflush (self->out);
  self->out = nullptr;
  return TRUE;
}

static gboolean
gst_face_meta_publish_set_caps (GstBaseTransform * trans, GstCaps * incaps,
    GstCaps *)
{
  GstFaceMetaPublish *self = GST_FACE_META_PUBLISH (trans);

  self->have_info = gst_video_info_from_caps (&self->info, incaps);
  return TRUE;
}

static GstFlowReturn
gst_face_meta_publish_transform_ip (GstBaseTransform * trans, GstBuffer * buf)
{
  GstFaceMetaPublish *self = GST_FACE_META_PUBLISH (trans);
  GstFerFacesMeta *meta = gst_buffer_get_fer_faces_meta (buf);
  std::string line;
  fer::JsonLinesOptions options;

  GST_OBJECT_LOCK (self);
  options.include_features = self->include_features;
  GST_OBJECT_UNLOCK (self);
  try {
    if (meta) {
      line = fer::to_json_line (*meta->faces, options);
    } else {
      /* Still one line per frame, so frame counts stay honest. */
      if (self->frames_without_meta++ == 0)
        GST_ELEMENT_WARNING (self, STREAM, FORMAT,
            ("Buffers carry no faces metadata: writing frames without faces."),
            ("Is facelandmarks upstream of facemetapublish?"));
      fer::FrameFaces empty;
      empty.frame = self->frame_counter;
      if (GST_BUFFER_PTS_IS_VALID (buf))
        empty.pts = (gint64) GST_BUFFER_PTS (buf);
      if (self->have_info) {
        empty.width = GST_VIDEO_INFO_WIDTH (&self->info);
        empty.height = GST_VIDEO_INFO_HEIGHT (&self->info);
      }
      line = fer::to_json_line (empty);
    }
  }
  catch (const std::exception & e) {
    GST_ELEMENT_ERROR (self, STREAM, FAILED, ("Could not serialise faces."),
        ("%s", e.what ()));
    return GST_FLOW_ERROR;
  }
  self->frame_counter++;
  line += '\n';
  if (fwrite (line.data (), 1, line.size (), self->out) != line.size ()
      || fflush (self->out) != 0) {
    GST_ELEMENT_ERROR (self, RESOURCE, WRITE, ("Could not write metadata."),
        ("%s", g_strerror (errno)));
    return GST_FLOW_ERROR;
  }
  return GST_FLOW_OK;
}

static void
gst_face_meta_publish_finalize (GObject * object)
{
  GstFaceMetaPublish *self = GST_FACE_META_PUBLISH (object);

  g_free (self->location);
  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static void
gst_face_meta_publish_class_init (GstFaceMetaPublishClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBaseTransformClass *trans_class = GST_BASE_TRANSFORM_CLASS (klass);
  const GParamFlags rw = (GParamFlags) (G_PARAM_READWRITE |
      G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY);

  gobject_class->set_property = gst_face_meta_publish_set_property;
  gobject_class->get_property = gst_face_meta_publish_get_property;
  gobject_class->finalize = gst_face_meta_publish_finalize;

  g_object_class_install_property (gobject_class, PROP_LOCATION,
      g_param_spec_string ("location", "Location",
          "File to write JSON lines to, or \"-\" for standard output",
          DEFAULT_LOCATION, rw));
  g_object_class_install_property (gobject_class, PROP_OVERWRITE,
      g_param_spec_boolean ("overwrite", "Overwrite",
          "Replace an existing file instead of failing",
          DEFAULT_OVERWRITE, rw));
  g_object_class_install_property (gobject_class, PROP_INCLUDE_FEATURES,
      g_param_spec_boolean ("include-features", "Include features",
          "Also write the wavelet features waveletencode attaches "
          "(about 60 KB per face and encoding)",
          DEFAULT_INCLUDE_FEATURES, (GParamFlags) (G_PARAM_READWRITE |
              G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_PLAYING)));

  gst_element_class_set_static_metadata (element_class,
      "Face metadata publisher", "Filter/Metadata/Video",
      "Writes per-frame face metadata as JSON lines", "gst-fer developers");
  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);

  trans_class->start = GST_DEBUG_FUNCPTR (gst_face_meta_publish_start);
  trans_class->stop = GST_DEBUG_FUNCPTR (gst_face_meta_publish_stop);
  trans_class->set_caps = GST_DEBUG_FUNCPTR (gst_face_meta_publish_set_caps);
  trans_class->transform_ip =
      GST_DEBUG_FUNCPTR (gst_face_meta_publish_transform_ip);
  trans_class->passthrough_on_same_caps = TRUE;

  GST_DEBUG_CATEGORY_INIT (gst_face_meta_publish_debug, "facemetapublish", 0,
      "gst-fer JSON lines publisher");
}

static void
gst_face_meta_publish_init (GstFaceMetaPublish * self)
{
  self->location = g_strdup (DEFAULT_LOCATION);
  self->overwrite = DEFAULT_OVERWRITE;
  self->include_features = DEFAULT_INCLUDE_FEATURES;
  self->out = nullptr;
  gst_base_transform_set_passthrough (GST_BASE_TRANSFORM (self), TRUE);
}
