// SPDX-License-Identifier: LGPL-2.1-or-later
/**
 * SECTION:element-emotionclassify
 * @title: emotionclassify
 *
 * Gives every tracked face an emotion: a label, its confidence and the
 * probability of every class. An appearance model looks at the face crop
 * aligned from the landmarks (all faces of a frame in one batch); a feature
 * model, when set, reads the wavelet features waveletencode attaches. Both
 * are fused per track and smoothed over time; below #GstFerEmotionClassify:min-confidence
 * the label is "unknown".
 *
 * Built-in appearance models (#GstFerEmotionClassify:model): `ensemble` (default:
 * the two below, each on its own crop, probabilities averaged; chosen by
 * measurement, docs/evaluation.md), `minixception-fer2013` (mini-Xception
 * trained on FER2013, 64x64 grey) and `faceapi-expression` (face-api's
 * expression net, 112x112 RGB). Any other
 * ONNX model is given by path, with a JSON sidecar `MODEL.onnx.json` beside
 * it describing its input, output and labels (docs/elements/emotionclassify.md).
 *
 * Needs the faces meta of facelandmarks upstream. Results go into that meta
 * (`emotion` in facemetapublish's JSON lines), into a "emotion" parameter
 * structure (label, confidence) of each face's
 * #GstVideoRegionOfInterestMeta, and with #GstFerEmotionClassify:post-messages
 * into one element message per frame.
 *
 * ## Element message
 * A structure named `emotionclassify` with `timestamp`, `stream-time`,
 * `running-time`, `duration` (#guint64, as facedetect's), `frame` (#gint64)
 * and `faces`, a list of `face` structures: `id` (#gint), `x`, `y`,
 * `width`, `height` (#guint), and, when the face has an emotion, `label`
 * (string) and `confidence` (#gdouble).
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 filesrc location=franck.mp4 ! decodebin ! videoconvert ! \
 *     facelandmarks ! emotionclassify post-messages=true ! overlay ! \
 *     videoconvert ! autovideosink
 * ]|
 */
#include "gstemotionclassify.h"

#include <memory>

#include <gst/video/gstvideometa.h>

#include "fer/emotion_classifier.h"
#include "gstferengine.h"
#include "gstferframe.h"
#include "gstfermeta.h"
#include "gstfermodelerror.h"

GST_DEBUG_CATEGORY_STATIC (gst_fer_emotion_classify_debug);
#define GST_CAT_DEFAULT gst_fer_emotion_classify_debug

enum
{
  PROP_0,
  PROP_MODEL,
  PROP_FEATURE_MODEL,
  PROP_MODEL_DIR,
  PROP_SMOOTHING_MS,
  PROP_INTERVAL,
  PROP_FEATURE_WEIGHT,
  PROP_MIN_CONFIDENCE,
  PROP_CROP_MARGIN,
  PROP_POST_MESSAGES,
  PROP_ENGINE,
};

/* crop-margin's "unset": the model's own margin. */
#define CROP_MARGIN_OF_THE_MODEL -1.0

/* The element's C++ state: created in init, deleted in finalize. */
struct EmotionClassifyPrivate
{
  /* The properties (object lock), with the core's defaults; model and
   * feature-model as given ("none" included). */
  fer::EmotionClassifierOptions settings;
  bool post_messages = false;

  std::unique_ptr < fer::EmotionClassifier > classifier;      /* start() .. stop() */
  bool posting = false;         /* post-messages as read at start() */
  bool warned_no_meta = false;
  gint width = 0, height = 0;   /* the stream's frame size, for resets */
};

struct _GstFerEmotionClassify
{
  GstVideoFilter parent;
  EmotionClassifyPrivate *priv;
};

#define gst_fer_emotion_classify_parent_class parent_class
G_DEFINE_TYPE (GstFerEmotionClassify, gst_fer_emotion_classify, GST_TYPE_VIDEO_FILTER);
GST_ELEMENT_REGISTER_DEFINE (emotionclassify, "emotionclassify", GST_RANK_NONE,
    GST_TYPE_FER_EMOTION_CLASSIFY);

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK, GST_PAD_ALWAYS,
    GST_STATIC_CAPS (GST_VIDEO_CAPS_MAKE (GST_FER_ANALYTICS_FORMATS)));
static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC, GST_PAD_ALWAYS,
    GST_STATIC_CAPS (GST_VIDEO_CAPS_MAKE (GST_FER_ANALYTICS_FORMATS)));

static void
set_string (std::string & field, const GValue * value)
{
  const gchar *v = g_value_get_string (value);
  field = v ? v : "";
}

static void
gst_fer_emotion_classify_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstFerEmotionClassify *self = GST_FER_EMOTION_CLASSIFY (object);
  fer::EmotionClassifierOptions & s = self->priv->settings;

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_MODEL:
      set_string (s.model, value);
      break;
    case PROP_FEATURE_MODEL:
      set_string (s.feature_model, value);
      break;
    case PROP_MODEL_DIR:
      set_string (s.model_dir, value);
      break;
    case PROP_ENGINE:
      s.engine = (fer::InferenceEngine) g_value_get_enum (value);
      break;
    case PROP_SMOOTHING_MS:
      s.smoothing_ms = g_value_get_double (value);
      break;
    case PROP_INTERVAL:
      s.interval = g_value_get_int (value);
      break;
    case PROP_FEATURE_WEIGHT:
      s.feature_weight = (float) g_value_get_double (value);
      break;
    case PROP_MIN_CONFIDENCE:
      s.min_confidence = (float) g_value_get_double (value);
      break;
    case PROP_CROP_MARGIN:{
      const gdouble margin = g_value_get_double (value);
      s.crop_margin = margin == CROP_MARGIN_OF_THE_MODEL ? std::nullopt :
          std::optional < float >((float) margin);
      break;
    }
    case PROP_POST_MESSAGES:
      self->priv->post_messages = g_value_get_boolean (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
  GST_OBJECT_UNLOCK (self);
}

static const gchar *
string_or_null (const std::string & value)
{
  return value.empty ()? nullptr : value.c_str ();
}

static void
gst_fer_emotion_classify_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec)
{
  GstFerEmotionClassify *self = GST_FER_EMOTION_CLASSIFY (object);
  const fer::EmotionClassifierOptions & s = self->priv->settings;

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_MODEL:
      g_value_set_string (value, string_or_null (s.model));
      break;
    case PROP_FEATURE_MODEL:
      g_value_set_string (value, string_or_null (s.feature_model));
      break;
    case PROP_MODEL_DIR:
      g_value_set_string (value, string_or_null (s.model_dir));
      break;
    case PROP_SMOOTHING_MS:
      g_value_set_double (value, s.smoothing_ms);
      break;
    case PROP_INTERVAL:
      g_value_set_int (value, s.interval);
      break;
    case PROP_FEATURE_WEIGHT:
      g_value_set_double (value, s.feature_weight);
      break;
    case PROP_MIN_CONFIDENCE:
      g_value_set_double (value, s.min_confidence);
      break;
    case PROP_CROP_MARGIN:
      g_value_set_double (value, s.crop_margin.value_or (CROP_MARGIN_OF_THE_MODEL));
      break;
    case PROP_POST_MESSAGES:
      g_value_set_boolean (value, self->priv->post_messages);
      break;
    case PROP_ENGINE:
      g_value_set_enum (value, (gint) s.engine);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
  GST_OBJECT_UNLOCK (self);
}

/* "none" (or an empty string) switches the appearance model off. */
static std::string
model_option (const gchar * value)
{
  if (!value || g_str_equal (value, "none"))
    return "";
  return value;
}

static gboolean
gst_fer_emotion_classify_start (GstBaseTransform * trans)
{
  GstFerEmotionClassify *self = GST_FER_EMOTION_CLASSIFY (trans);
  EmotionClassifyPrivate *p = self->priv;

  GST_OBJECT_LOCK (self);
  fer::EmotionClassifierOptions options = p->settings;
  p->posting = p->post_messages;
  GST_OBJECT_UNLOCK (self);
  options.model = model_option (options.model.c_str ());
  options.feature_model = model_option (options.feature_model.c_str ());

  p->warned_no_meta = false;
  p->width = p->height = 0;
  try {
    p->classifier = fer::EmotionClassifier::Create (options);
  }
  catch (const std::exception & e) {
    gst_fer_post_model_error (GST_ELEMENT (self), e, "emotion model");
    return FALSE;
  }
  return TRUE;
}

static gboolean
gst_fer_emotion_classify_stop (GstBaseTransform * trans)
{
  GST_FER_EMOTION_CLASSIFY (trans)->priv->classifier.reset ();
  return TRUE;
}

static gboolean
gst_fer_emotion_classify_sink_event (GstBaseTransform * trans, GstEvent * event)
{
  EmotionClassifyPrivate *p = GST_FER_EMOTION_CLASSIFY (trans)->priv;

  /* After a flush (seek) smoothing must not blend unrelated frames. */
  if (GST_EVENT_TYPE (event) == GST_EVENT_FLUSH_STOP && p->classifier)
    p->classifier->Reset ();
  return GST_BASE_TRANSFORM_CLASS (parent_class)->sink_event (trans, event);
}

static gboolean
gst_fer_emotion_classify_set_info (GstVideoFilter * filter, GstCaps *,
    GstVideoInfo * in_info, GstCaps *, GstVideoInfo *)
{
  EmotionClassifyPrivate *p = GST_FER_EMOTION_CLASSIFY (filter)->priv;

  /* Another frame size without a flush is another picture: no emotion state
   * carries over, whatever ids the faces have. */
  if (p->classifier && (p->width != GST_VIDEO_INFO_WIDTH (in_info)
          || p->height != GST_VIDEO_INFO_HEIGHT (in_info)))
    p->classifier->Reset ();
  p->width = GST_VIDEO_INFO_WIDTH (in_info);
  p->height = GST_VIDEO_INFO_HEIGHT (in_info);
  /* Streams without timestamps are timed by their nominal frame rate. */
  if (p->classifier && in_info->fps_n > 0)
    p->classifier->SetFrameDuration ((gint64)
        gst_util_uint64_scale_int (GST_SECOND, in_info->fps_d, in_info->fps_n));
  return TRUE;
}

/* Drops "emotion" params an earlier classifier left on the ROI. */
static void
remove_emotion_params (GstVideoRegionOfInterestMeta * roi)
{
  for (GList * l = roi->params; l;) {
    GList *next = l->next;
    GstStructure *s = (GstStructure *) l->data;
    if (gst_structure_has_name (s, "emotion")) {
      gst_structure_free (s);
      roi->params = g_list_delete_link (roi->params, l);
    }
    l = next;
  }
}

/* Puts the emotion into the face's region-of-interest meta (same track id),
 * replacing any earlier one. */
static void
annotate_region_metas (GstBuffer * buffer, const fer::FrameFaces & frame)
{
  const GQuark face_type = g_quark_from_static_string ("face");
  gpointer iter = nullptr;
  GstMeta *meta;

  while ((meta = gst_buffer_iterate_meta_filtered (buffer, &iter,
              GST_VIDEO_REGION_OF_INTEREST_META_API_TYPE))) {
    GstVideoRegionOfInterestMeta *roi = (GstVideoRegionOfInterestMeta *) meta;
    if (roi->roi_type != face_type)
      continue;
    remove_emotion_params (roi);
    for (const fer::Face & face : frame.faces) {
      if (face.id != roi->id || !face.emotion)
        continue;
      gst_video_region_of_interest_meta_add_param (roi,
          gst_structure_new ("emotion",
              "label", G_TYPE_STRING, face.emotion->label.c_str (),
              "confidence", G_TYPE_DOUBLE, (gdouble) face.emotion->confidence,
              nullptr));
    }
  }
}

static void
post_faces_message (GstFerEmotionClassify * self, GstBuffer * buffer,
    const fer::FrameFaces & frame)
{
  GstSegment *segment = &GST_BASE_TRANSFORM (self)->segment;
  const GstClockTime ts = GST_BUFFER_TIMESTAMP (buffer);
  GValue faces = G_VALUE_INIT;

  g_value_init (&faces, GST_TYPE_LIST);
  for (const fer::Face & face : frame.faces) {
    GstStructure *s = gst_structure_new ("face",
        "id", G_TYPE_INT, face.id,
        "x", G_TYPE_UINT, (guint) MAX (0.0f, face.bbox.x),
        "y", G_TYPE_UINT, (guint) MAX (0.0f, face.bbox.y),
        "width", G_TYPE_UINT, (guint) face.bbox.width,
        "height", G_TYPE_UINT, (guint) face.bbox.height, nullptr);
    if (face.emotion)
      gst_structure_set (s, "label", G_TYPE_STRING, face.emotion->label.c_str (),
          "confidence", G_TYPE_DOUBLE, (gdouble) face.emotion->confidence,
          nullptr);
    GValue item = G_VALUE_INIT;
    g_value_init (&item, GST_TYPE_STRUCTURE);
    g_value_take_boxed (&item, s);
    gst_value_list_append_and_take_value (&faces, &item);
  }

  GstStructure *s = gst_structure_new ("emotionclassify",
      "timestamp", G_TYPE_UINT64, ts,
      "stream-time", G_TYPE_UINT64,
      gst_segment_to_stream_time (segment, GST_FORMAT_TIME, ts),
      "running-time", G_TYPE_UINT64,
      gst_segment_to_running_time (segment, GST_FORMAT_TIME, ts),
      "duration", G_TYPE_UINT64, GST_BUFFER_DURATION (buffer),
      "frame", G_TYPE_INT64, (gint64) frame.frame, nullptr);
  gst_structure_take_value (s, "faces", &faces);
  gst_element_post_message (GST_ELEMENT (self),
      gst_message_new_element (GST_OBJECT (self), s));
}

static GstFlowReturn
gst_fer_emotion_classify_transform_frame_ip (GstVideoFilter * filter,
    GstVideoFrame * frame)
{
  GstFerEmotionClassify *self = GST_FER_EMOTION_CLASSIFY (filter);
  EmotionClassifyPrivate *p = self->priv;
  GstFerFacesMeta *meta = gst_buffer_get_fer_faces_meta (frame->buffer);

  if (!meta) {
    /* Not an error (a stream may start before the analytics does), but
     * never silent. */
    if (!p->warned_no_meta) {
      GST_ELEMENT_WARNING (self, STREAM, FORMAT,
          ("Buffers carry no faces meta: put facelandmarks upstream."),
          ("buffer %" GST_TIME_FORMAT " has no GstFerFacesMeta; "
              "it passes unchanged", GST_TIME_ARGS (GST_BUFFER_PTS (frame->buffer))));
      p->warned_no_meta = true;
    }
    return GST_FLOW_OK;
  }

  try {
    p->classifier->Classify (gst_fer_image_view (frame), *meta->faces);
  }
  catch (const std::exception & e) {
    GST_ELEMENT_ERROR (self, STREAM, FAILED,
        ("Emotion classification failed."), ("%s", e.what ()));
    return GST_FLOW_ERROR;
  }
  for (const std::string & warning : p->classifier->TakeWarnings ())
    GST_ELEMENT_WARNING (self, STREAM, FORMAT,
        ("The feature model cannot use these features."), ("%s",
            warning.c_str ()));
  annotate_region_metas (frame->buffer, *meta->faces);
  if (p->posting)
    post_faces_message (self, frame->buffer, *meta->faces);
  return GST_FLOW_OK;
}

static void
gst_fer_emotion_classify_finalize (GObject * object)
{
  delete GST_FER_EMOTION_CLASSIFY (object)->priv;
  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static void
gst_fer_emotion_classify_class_init (GstFerEmotionClassifyClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBaseTransformClass *trans_class = GST_BASE_TRANSFORM_CLASS (klass);
  GstVideoFilterClass *filter_class = GST_VIDEO_FILTER_CLASS (klass);
  const GParamFlags rw = (GParamFlags) (G_PARAM_READWRITE |
      G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY);

  /* The core's defaults; the docs' table is measured in docs/evaluation.md. */
  static const fer::EmotionClassifierOptions defaults;

  gobject_class->set_property = gst_fer_emotion_classify_set_property;
  gobject_class->get_property = gst_fer_emotion_classify_get_property;
  gobject_class->finalize = gst_fer_emotion_classify_finalize;

  g_object_class_install_property (gobject_class, PROP_MODEL,
      g_param_spec_string ("model", "Appearance model",
          "Emotion model run on the aligned face crop: ensemble (the built-in "
          "models averaged), minixception-fer2013, "
          "faceapi-expression, the path of an .onnx file with a "
          "MODEL.onnx.json sidecar, or none", defaults.model.c_str (), rw));
  g_object_class_install_property (gobject_class, PROP_FEATURE_MODEL,
      g_param_spec_string ("feature-model", "Feature model",
          "ONNX model (with a MODEL.onnx.json sidecar) run on waveletencode's "
          "features whenever a face carries them; unset: none", nullptr, rw));
  g_object_class_install_property (gobject_class, PROP_MODEL_DIR,
      g_param_spec_string ("model-dir", "Model directory",
          "Directory holding the built-in models the element loads (a model "
          "missing there is an error); unset: $FER_MODEL_DIR, then the models "
          "installed with the plugin (run from a build tree: that build's)",
          nullptr, rw));
  g_object_class_install_property (gobject_class, PROP_SMOOTHING_MS,
      g_param_spec_double ("smoothing-ms", "Smoothing time constant",
          "Time constant (ms) of the exponential smoothing of each track's "
          "appearance probabilities; 0 disables smoothing", 0.0, 600000.0,
          defaults.smoothing_ms, rw));
  g_object_class_install_property (gobject_class, PROP_INTERVAL,
      g_param_spec_int ("interval", "Interval",
          "Run the appearance model every this many frames of a track (new "
          "tracks at once); frames in between reuse the smoothed result",
          1, G_MAXINT, defaults.interval, rw));
  g_object_class_install_property (gobject_class, PROP_FEATURE_WEIGHT,
      g_param_spec_double ("feature-weight", "Feature weight",
          "Weight of the feature model's probabilities when fused with the "
          "appearance model's (the appearance model gets 1 - weight)",
          0.0, 1.0, defaults.feature_weight, rw));
  g_object_class_install_property (gobject_class, PROP_MIN_CONFIDENCE,
      g_param_spec_double ("min-confidence", "Minimum confidence",
          "Best probability below which the label is \"unknown\"",
          0.0, 1.0, defaults.min_confidence, rw));
  g_object_class_install_property (gobject_class, PROP_CROP_MARGIN,
      g_param_spec_double ("crop-margin", "Crop margin",
          "Margin around the landmarks of the appearance model's face crop "
          "(side = (1 + margin) x the landmarks' extent); -1: the model's own "
          "(its sidecar's crop_margin)", -1.0, 2.0,
          defaults.crop_margin.value_or (CROP_MARGIN_OF_THE_MODEL), rw));
  g_object_class_install_property (gobject_class, PROP_POST_MESSAGES,
      g_param_spec_boolean ("post-messages", "Post messages",
          "Post an element message per frame listing the faces with their "
          "boxes, labels and confidences", FALSE, rw));
  gst_fer_engine_install_property (gobject_class, PROP_ENGINE);

  gst_element_class_set_static_metadata (element_class,
      "Emotion classifier", "Filter/Analyzer/Video",
      "Classifies the emotion of each tracked face, smoothed over time",
      "gst-fer developers");
  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);

  trans_class->start = GST_DEBUG_FUNCPTR (gst_fer_emotion_classify_start);
  trans_class->stop = GST_DEBUG_FUNCPTR (gst_fer_emotion_classify_stop);
  trans_class->sink_event = GST_DEBUG_FUNCPTR (gst_fer_emotion_classify_sink_event);
  filter_class->set_info = GST_DEBUG_FUNCPTR (gst_fer_emotion_classify_set_info);
  filter_class->transform_frame_ip =
      GST_DEBUG_FUNCPTR (gst_fer_emotion_classify_transform_frame_ip);

  GST_DEBUG_CATEGORY_INIT (gst_fer_emotion_classify_debug, "emotionclassify", 0,
      "gst-fer emotion classifier");
}

static void
gst_fer_emotion_classify_init (GstFerEmotionClassify * self)
{
  self->priv = new EmotionClassifyPrivate ();
  /* Every frame gets its emotion: no QoS dropping of late frames. */
  gst_base_transform_set_qos_enabled (GST_BASE_TRANSFORM (self), FALSE);
}
