// SPDX-License-Identifier: LGPL-2.1-or-later
/**
 * SECTION:element-overlay
 * @title: overlay
 *
 * Draws the faces of the #GstFerFacesMeta onto the video in place: a box and
 * "#id" per tracked face, and the landmarks as points and/or the face mesh
 * contours (face oval, eyes, eyebrows, lips, irises). Line widths and text
 * grow with the frame height, so the drawing reads alike from 288p to 4K.
 *
 * Buffers without faces metadata pass unchanged; the element warns once on
 * the bus, since that usually means facelandmarks is missing upstream.
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 filesrc location=franck.mp4 ! decodebin ! videoconvert ! \
 *     facelandmarks ! overlay landmarks=both ! videoconvert ! autovideosink
 * ]|
 */
#include "gstferoverlay.h"

#include <opencv2/core.hpp>

#include "fer/overlay_renderer.h"
#include "gstferframe.h"
#include "gstfermeta.h"

GST_DEBUG_CATEGORY_STATIC (gst_fer_overlay_debug);
#define GST_CAT_DEFAULT gst_fer_overlay_debug

enum
{
  PROP_0,
  PROP_DRAW_BOXES,
  PROP_DRAW_IDS,
  PROP_LANDMARKS,
  PROP_DRAW_AXES,
  PROP_DRAW_EMOTION,
  PROP_DRAW_EMOTION_BARS,
};

/* Bit 0: the points, bit 1: the contours (fer::OverlayOptions). */
typedef enum
{
  GST_FER_OVERLAY_LANDMARKS_NONE = 0,
  GST_FER_OVERLAY_LANDMARKS_POINTS = 1,
  GST_FER_OVERLAY_LANDMARKS_CONTOURS = 2,
  GST_FER_OVERLAY_LANDMARKS_BOTH = 3,
} GstFerOverlayLandmarks;

static GstFerOverlayLandmarks
landmarks_of (const fer::OverlayOptions & o)
{
  return (GstFerOverlayLandmarks) ((o.points ? 1 : 0) | (o.contours ? 2 : 0));
}

/* The element's C++ state: created in init, deleted in finalize. */
struct OverlayPrivate
{
  fer::OverlayOptions settings; /* the properties (object lock); core defaults */
  bool warned_no_meta = false;
};

struct _GstFerOverlay
{
  GstVideoFilter parent;
  OverlayPrivate *priv;
};

#define gst_fer_overlay_parent_class parent_class
G_DEFINE_TYPE (GstFerOverlay, gst_fer_overlay, GST_TYPE_VIDEO_FILTER);
GST_ELEMENT_REGISTER_DEFINE (overlay, "overlay", GST_RANK_NONE,
    GST_TYPE_FER_OVERLAY);

GType
gst_fer_overlay_landmarks_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    {GST_FER_OVERLAY_LANDMARKS_NONE, "No landmarks", "none"},
    {GST_FER_OVERLAY_LANDMARKS_POINTS, "All 478 points", "points"},
    {GST_FER_OVERLAY_LANDMARKS_CONTOURS,
        "Mesh contours: face oval, eyes, eyebrows, lips, irises", "contours"},
    {GST_FER_OVERLAY_LANDMARKS_BOTH, "Points and contours", "both"},
    {0, nullptr, nullptr},
  };
  if (g_once_init_enter (&type)) {
    GType t = g_enum_register_static ("GstFerOverlayLandmarks", values);
    g_once_init_leave (&type, t);
  }
  return type;
}

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK, GST_PAD_ALWAYS,
    GST_STATIC_CAPS (GST_VIDEO_CAPS_MAKE (GST_FER_PACKED_RGB_FORMATS)));
static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC, GST_PAD_ALWAYS,
    GST_STATIC_CAPS (GST_VIDEO_CAPS_MAKE (GST_FER_PACKED_RGB_FORMATS)));

static void
gst_fer_overlay_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstFerOverlay *self = GST_FER_OVERLAY (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_DRAW_BOXES:
      self->priv->settings.boxes = g_value_get_boolean (value);
      break;
    case PROP_DRAW_IDS:
      self->priv->settings.ids = g_value_get_boolean (value);
      break;
    case PROP_LANDMARKS:
    {
      const gint landmarks = g_value_get_enum (value);
      self->priv->settings.points = landmarks & GST_FER_OVERLAY_LANDMARKS_POINTS;
      self->priv->settings.contours =
          landmarks & GST_FER_OVERLAY_LANDMARKS_CONTOURS;
    }
      break;
    case PROP_DRAW_AXES:
      self->priv->settings.axes = g_value_get_boolean (value);
      break;
    case PROP_DRAW_EMOTION:
      self->priv->settings.emotion = g_value_get_boolean (value);
      break;
    case PROP_DRAW_EMOTION_BARS:
      self->priv->settings.emotion_bars = g_value_get_boolean (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_fer_overlay_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec)
{
  GstFerOverlay *self = GST_FER_OVERLAY (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_DRAW_BOXES:
      g_value_set_boolean (value, self->priv->settings.boxes);
      break;
    case PROP_DRAW_IDS:
      g_value_set_boolean (value, self->priv->settings.ids);
      break;
    case PROP_LANDMARKS:
      g_value_set_enum (value, landmarks_of (self->priv->settings));
      break;
    case PROP_DRAW_AXES:
      g_value_set_boolean (value, self->priv->settings.axes);
      break;
    case PROP_DRAW_EMOTION:
      g_value_set_boolean (value, self->priv->settings.emotion);
      break;
    case PROP_DRAW_EMOTION_BARS:
      g_value_set_boolean (value, self->priv->settings.emotion_bars);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
  GST_OBJECT_UNLOCK (self);
}

static gboolean
gst_fer_overlay_start (GstBaseTransform * trans)
{
  /* Warn again about missing metadata in each run. */
  GST_FER_OVERLAY (trans)->priv->warned_no_meta = false;
  return TRUE;
}

static GstFlowReturn
gst_fer_overlay_transform_frame_ip (GstVideoFilter * filter,
    GstVideoFrame * frame)
{
  GstFerOverlay *self = GST_FER_OVERLAY (filter);
  GstFerFacesMeta *meta = gst_buffer_get_fer_faces_meta (frame->buffer);

  if (!meta) {
    if (!self->priv->warned_no_meta) {
      self->priv->warned_no_meta = true;
      GST_ELEMENT_WARNING (self, STREAM, FORMAT,
          ("Buffers carry no faces metadata: nothing to draw."),
          ("Is facelandmarks upstream of overlay?"));
    }
    return GST_FLOW_OK;
  }

  GST_OBJECT_LOCK (self);
  const fer::OverlayOptions options = self->priv->settings;
  GST_OBJECT_UNLOCK (self);

  const fer::ImageView view = gst_fer_image_view (frame);
  cv::Mat image (view.height, view.width,
      CV_8UC (fer::packed_pixel_size (view.format)),
      GST_VIDEO_FRAME_PLANE_DATA (frame, 0), (size_t) view.strides[0]);
  try {
    fer::draw_faces (image, view.format, meta->faces->faces, options);
  }
  catch (const std::exception & e) {
    GST_ELEMENT_ERROR (self, STREAM, FAILED, ("Drawing failed."), ("%s",
            e.what ()));
    return GST_FLOW_ERROR;
  }
  return GST_FLOW_OK;
}

static void
gst_fer_overlay_finalize (GObject * object)
{
  delete GST_FER_OVERLAY (object)->priv;
  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static void
gst_fer_overlay_class_init (GstFerOverlayClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBaseTransformClass *trans_class = GST_BASE_TRANSFORM_CLASS (klass);
  GstVideoFilterClass *filter_class = GST_VIDEO_FILTER_CLASS (klass);
  const GParamFlags rw = (GParamFlags) (G_PARAM_READWRITE |
      G_PARAM_STATIC_STRINGS | GST_PARAM_CONTROLLABLE |
      GST_PARAM_MUTABLE_PLAYING);
  const fer::OverlayOptions defaults;

  gobject_class->set_property = gst_fer_overlay_set_property;
  gobject_class->get_property = gst_fer_overlay_get_property;
  gobject_class->finalize = gst_fer_overlay_finalize;

  g_object_class_install_property (gobject_class, PROP_DRAW_BOXES,
      g_param_spec_boolean ("draw-boxes", "Draw boxes",
          "Draw a box around each face", defaults.boxes, rw));
  g_object_class_install_property (gobject_class, PROP_DRAW_IDS,
      g_param_spec_boolean ("draw-ids", "Draw ids",
          "Label each face with its track id", defaults.ids, rw));
  g_object_class_install_property (gobject_class, PROP_DRAW_AXES,
      g_param_spec_boolean ("draw-axes", "Draw head axes",
          "Draw the head pose's axes from the nose tip (x red, y green, "
          "z blue)", defaults.axes, rw));
  g_object_class_install_property (gobject_class, PROP_DRAW_EMOTION,
      g_param_spec_boolean ("draw-emotion", "Draw emotion",
          "Write each face's emotion label and confidence under its box, in "
          "the emotion's colour (needs emotionclassify upstream)",
          defaults.emotion, rw));
  g_object_class_install_property (gobject_class, PROP_DRAW_EMOTION_BARS,
      g_param_spec_boolean ("draw-emotion-bars", "Draw emotion bars",
          "Draw a probability bar per emotion class beside each face's box",
          defaults.emotion_bars, rw));
  g_object_class_install_property (gobject_class, PROP_LANDMARKS,
      g_param_spec_enum ("landmarks", "Landmarks",
          "How to draw the landmarks", GST_TYPE_FER_OVERLAY_LANDMARKS,
          landmarks_of (defaults), rw));

  gst_element_class_set_static_metadata (element_class,
      "Face overlay", "Filter/Effect/Video",
      "Draws tracked faces, their landmarks and emotions", "gst-fer developers");
  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);

  trans_class->start = GST_DEBUG_FUNCPTR (gst_fer_overlay_start);
  filter_class->transform_frame_ip =
      GST_DEBUG_FUNCPTR (gst_fer_overlay_transform_frame_ip);

  gst_type_mark_as_plugin_api (GST_TYPE_FER_OVERLAY_LANDMARKS,
      (GstPluginAPIFlags) 0);
  GST_DEBUG_CATEGORY_INIT (gst_fer_overlay_debug, "feroverlay", 0,
      "gst-fer overlay");
}

static void
gst_fer_overlay_init (GstFerOverlay * self)
{
  self->priv = new OverlayPrivate ();
}
