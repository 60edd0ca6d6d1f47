// SPDX-License-Identifier: LGPL-2.1-or-later
/**
 * SECTION:element-emotionclassify
 * @title: emotionclassify
 *
 * Gives every tracked face an emotion: a label, its confidence and the
 * probability of every class. An appearance model looks at the face crop
 * aligned from the landmarks (all faces of a frame in one batch); a feature
 * model, when set, reads the wavelet features waveletencode attaches. Both
 * are fused per track and smoothed over time; below #GstEmotionClassify:min-confidence
 * the label is "unknown".
 *
 * Built-in appearance models (#GstEmotionClassify:model): `ensemble` (default:
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
 * #GstVideoRegionOfInterestMeta, and with #GstEmotionClassify:post-messages
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

GST_DEBUG_CATEGORY_STATIC (gst_emotion_classify_debug);
#define GST_CAT_DEFAULT gst_emotion_classify_debug

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

#define DEFAULT_SMOOTHING_MS 500.0
#define DEFAULT_INTERVAL 1
#define DEFAULT_FEATURE_WEIGHT 0.5
#define DEFAULT_MIN_CONFIDENCE 0.3
#define DEFAULT_POST_MESSAGES FALSE
#define DEFAULT_CROP_MARGIN -1.0  /* the model's own */

struct _GstEmotionClassify
{
  GstVideoFilter parent;

  /* properties; read at start() */
  gchar *model;
  gchar *feature_model;
  gchar *model_dir;
  gdouble smoothing_ms;
  gint interval;
  gdouble feature_weight;
  gdouble min_confidence;
  gdouble crop_margin;
  gboolean post_messages;
  GstFerEngine engine;
  gint width, height;           /* the stream's frame size, for resets */

  fer::EmotionClassifier *classifier;
  gboolean posting;             /* post-messages as read at start() */
  gboolean warned_no_meta;
};

#define gst_emotion_classify_parent_class parent_class
G_DEFINE_TYPE (GstEmotionClassify, gst_emotion_classify, GST_TYPE_VIDEO_FILTER);
GST_ELEMENT_REGISTER_DEFINE (emotionclassify, "emotionclassify", GST_RANK_NONE,
    GST_TYPE_EMOTION_CLASSIFY);

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK, GST_PAD_ALWAYS,
    GST_STATIC_CAPS (GST_VIDEO_CAPS_MAKE (GST_FER_ANALYTICS_FORMATS)));
static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC, GST_PAD_ALWAYS,
    GST_STATIC_CAPS (GST_VIDEO_CAPS_MAKE (GST_FER_ANALYTICS_FORMATS)));

static void
replace_string (gchar ** field, const GValue * value)
{
  g_free (*field);
  *field = g_value_dup_string (value);
}

static void
gst_emotion_classify_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstEmotionClassify *self = GST_EMOTION_CLASSIFY (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_MODEL:
      replace_string (&self->model, value);
      break;
    case PROP_FEATURE_MODEL:
      replace_string (&self->feature_model, value);
      break;
    case PROP_MODEL_DIR:
      replace_string (&self->model_dir, value);
      break;
    case PROP_ENGINE:
      self->engine = (GstFerEngine) g_value_get_enum (value);
      break;
    case PROP_SMOOTHING_MS:
      self->smoothing_ms = g_value_get_double (value);
      break;
    case PROP_INTERVAL:
      self->interval = g_value_get_int (value);
      break;
    case PROP_FEATURE_WEIGHT:
      self->feature_weight = g_value_get_double (value);
      break;
    case PROP_MIN_CONFIDENCE:
      self->min_confidence = g_value_get_double (value);
      break;
    case PROP_CROP_MARGIN:
      self->crop_margin = g_value_get_double (value);
      break;
    case PROP_POST_MESSAGES:
      self->post_messages = g_value_get_boolean (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_emotion_classify_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec)
{
  GstEmotionClassify *self = GST_EMOTION_CLASSIFY (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_MODEL:
      g_value_set_string (value, self->model);
      break;
    case PROP_FEATURE_MODEL:
      g_value_set_string (value, self->feature_model);
      break;
    case PROP_MODEL_DIR:
      g_value_set_string (value, self->model_dir);
      break;
    case PROP_SMOOTHING_MS:
      g_value_set_double (value, self->smoothing_ms);
      break;
    case PROP_INTERVAL:
      g_value_set_int (value, self->interval);
      break;
    case PROP_FEATURE_WEIGHT:
      g_value_set_double (value, self->feature_weight);
      break;
    case PROP_MIN_CONFIDENCE:
      g_value_set_double (value, self->min_confidence);
      break;
    case PROP_CROP_MARGIN:
      g_value_set_double (value, self->crop_margin);
      break;
    case PROP_POST_MESSAGES:
      g_value_set_boolean (value, self->post_messages);
      break;
    case PROP_ENGINE:
      g_value_set_enum (value, self->engine);
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
gst_emotion_classify_start (GstBaseTransform * trans)
{
  GstEmotionClassify *self = GST_EMOTION_CLASSIFY (trans);
  fer::EmotionClassifierOptions options;

  GST_OBJECT_LOCK (self);
  options.model = model_option (self->model);
  options.feature_model = model_option (self->feature_model);
  options.model_dir = self->model_dir ? self->model_dir : "";
  options.engine = (fer::InferenceEngine) self->engine;
  options.smoothing_ms = self->smoothing_ms;
  options.interval = self->interval;
  options.feature_weight = (float) self->feature_weight;
  options.min_confidence = (float) self->min_confidence;
  if (self->crop_margin != DEFAULT_CROP_MARGIN)   /* else the model's own */
    options.crop_margin = (float) self->crop_margin;
  self->posting = self->post_messages;
  GST_OBJECT_UNLOCK (self);

  self->warned_no_meta = FALSE;
  try {
    self->classifier = fer::EmotionClassifier::Create (options).release ();
  }
  catch (const std::exception & e) {
    gst_fer_post_model_error (GST_ELEMENT (self), e, "emotion model");
    return FALSE;
  }
  return TRUE;
}

static gboolean
gst_emotion_classify_stop (GstBaseTransform * trans)
{
  GstEmotionClassify *self = GST_EMOTION_CLASSIFY (trans);

  delete self->classifier;
  self->classifier = nullptr;
  return TRUE;
}

static gboolean
gst_emotion_classify_sink_event (GstBaseTransform * trans, GstEvent * event)
{
  GstEmotionClassify *self = GST_EMOTION_CLASSIFY (trans);

  /* After a flush (seek) smoothing must not blend unrelated frames. */
  if (GST_EVENT_TYPE (event) == GST_EVENT_FLUSH_STOP && self->classifier)
    self->classifier->Reset ();
  return GST_BASE_TRANSFORM_CLASS (parent_class)->sink_event (trans, event);
}

static gboolean
gst_emotion_classify_set_info (GstVideoFilter * filter, GstCaps * incaps,
    GstVideoInfo * in_info, GstCaps * outcaps, GstVideoInfo * out_info)
{
  GstEmotionClassify *self = GST_EMOTION_CLASSIFY (filter);

  /* Another frame size without a flush is another picture: no emotion state
   * carries over, whatever ids the faces have. */
  if (self->classifier && (self->width != GST_VIDEO_INFO_WIDTH (in_info)
          || self->height != GST_VIDEO_INFO_HEIGHT (in_info)))
    self->classifier->Reset ();
  self->width = GST_VIDEO_INFO_WIDTH (in_info);
  self->height = GST_VIDEO_INFO_HEIGHT (in_info);
  /* Streams without timestamps are timed by their nominal frame rate. */
  if (self->classifier && in_info->fps_n > 0)
    self->classifier->SetFrameDuration ((gint64)
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
post_faces_message (GstEmotionClassify * self, GstBuffer * buffer,
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
gst_emotion_classify_transform_frame_ip (GstVideoFilter * filter,
    GstVideoFrame * frame)
{
  GstEmotionClassify *self = GST_EMOTION_CLASSIFY (filter);
  GstFerFacesMeta *meta = gst_buffer_get_fer_faces_meta (frame->buffer);

  if (!meta) {
    /* Not an error (a stream may start before the analytics does), but
     * never silent. */
    if (!self->warned_no_meta) {
      GST_ELEMENT_WARNING (self, STREAM, FORMAT,
          ("Buffers carry no faces meta: put facelandmarks upstream."),
          ("buffer %" GST_TIME_FORMAT " has no GstFerFacesMeta; "
              "it passes unchanged", GST_TIME_ARGS (GST_BUFFER_PTS (frame->buffer))));
      self->warned_no_meta = TRUE;
    }
    return GST_FLOW_OK;
  }

  try {
    self->classifier->Classify (gst_fer_image_view (frame), *meta->faces);
  }
  catch (const std::exception & e) {
    GST_ELEMENT_ERROR (self, STREAM, FAILED,
        ("Emotion classification failed."), ("%s", e.what ()));
    return GST_FLOW_ERROR;
  }
  for (const std::string & warning : self->classifier->TakeWarnings ())
    GST_ELEMENT_WARNING (self, STREAM, FORMAT,
        ("The feature model cannot use these features."), ("%s",
            warning.c_str ()));
  annotate_region_metas (frame->buffer, *meta->faces);
  if (self->posting)
    post_faces_message (self, frame->buffer, *meta->faces);
  return GST_FLOW_OK;
}

static void
gst_emotion_classify_finalize (GObject * object)
{
  GstEmotionClassify *self = GST_EMOTION_CLASSIFY (object);

  delete self->classifier;
  g_free (self->model);
  g_free (self->feature_model);
  g_free (self->model_dir);
  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static void
gst_emotion_classify_class_init (GstEmotionClassifyClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBaseTransformClass *trans_class = GST_BASE_TRANSFORM_CLASS (klass);
  GstVideoFilterClass *filter_class = GST_VIDEO_FILTER_CLASS (klass);
  const GParamFlags rw = (GParamFlags) (G_PARAM_READWRITE |
      G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY);

  /* The core's defaults; the docs' table is measured in docs/evaluation.md. */
  static const fer::EmotionClassifierOptions defaults;

  gobject_class->set_property = gst_emotion_classify_set_property;
  gobject_class->get_property = gst_emotion_classify_get_property;
  gobject_class->finalize = gst_emotion_classify_finalize;

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
          "missing there is an error); unset: $FER_MODEL_DIR, the install "
          "data directory, then the build tree",
          nullptr, rw));
  g_object_class_install_property (gobject_class, PROP_SMOOTHING_MS,
      g_param_spec_double ("smoothing-ms", "Smoothing time constant",
          "Time constant (ms) of the exponential smoothing of each track's "
          "appearance probabilities; 0 disables smoothing", 0.0, 600000.0,
          DEFAULT_SMOOTHING_MS, rw));
  g_object_class_install_property (gobject_class, PROP_INTERVAL,
      g_param_spec_int ("interval", "Interval",
          "Run the appearance model every this many frames of a track (new "
          "tracks at once); frames in between reuse the smoothed result",
          1, G_MAXINT, DEFAULT_INTERVAL, rw));
  g_object_class_install_property (gobject_class, PROP_FEATURE_WEIGHT,
      g_param_spec_double ("feature-weight", "Feature weight",
          "Weight of the feature model's probabilities when fused with the "
          "appearance model's (the appearance model gets 1 - weight)",
          0.0, 1.0, DEFAULT_FEATURE_WEIGHT, rw));
  g_object_class_install_property (gobject_class, PROP_MIN_CONFIDENCE,
      g_param_spec_double ("min-confidence", "Minimum confidence",
          "Best probability below which the label is \"unknown\"",
          0.0, 1.0, DEFAULT_MIN_CONFIDENCE, rw));
  g_object_class_install_property (gobject_class, PROP_CROP_MARGIN,
      g_param_spec_double ("crop-margin", "Crop margin",
          "Margin around the landmarks of the appearance model's face crop "
          "(side = (1 + margin) x the landmarks' extent); -1: the model's own "
          "(its sidecar's crop_margin)", -1.0, 2.0, DEFAULT_CROP_MARGIN, rw));
  g_object_class_install_property (gobject_class, PROP_POST_MESSAGES,
      g_param_spec_boolean ("post-messages", "Post messages",
          "Post an element message per frame listing the faces with their "
          "boxes, labels and confidences", DEFAULT_POST_MESSAGES, rw));
  gst_fer_engine_install_property (gobject_class, PROP_ENGINE);

  gst_element_class_set_static_metadata (element_class,
      "Emotion classifier", "Filter/Analyzer/Video",
      "Classifies the emotion of each tracked face, smoothed over time",
      "gst-fer developers");
  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);

  trans_class->start = GST_DEBUG_FUNCPTR (gst_emotion_classify_start);
  trans_class->stop = GST_DEBUG_FUNCPTR (gst_emotion_classify_stop);
  trans_class->sink_event = GST_DEBUG_FUNCPTR (gst_emotion_classify_sink_event);
  filter_class->set_info = GST_DEBUG_FUNCPTR (gst_emotion_classify_set_info);
  filter_class->transform_frame_ip =
      GST_DEBUG_FUNCPTR (gst_emotion_classify_transform_frame_ip);

  GST_DEBUG_CATEGORY_INIT (gst_emotion_classify_debug, "emotionclassify", 0,
      "gst-fer emotion classifier");
}

static void
gst_emotion_classify_init (GstEmotionClassify * self)
{
  self->model = g_strdup (fer::EmotionClassifierOptions ().model.c_str ());
  self->feature_model = nullptr;
  self->model_dir = nullptr;
  self->smoothing_ms = DEFAULT_SMOOTHING_MS;
  self->interval = DEFAULT_INTERVAL;
  self->feature_weight = DEFAULT_FEATURE_WEIGHT;
  self->min_confidence = DEFAULT_MIN_CONFIDENCE;
  self->crop_margin = DEFAULT_CROP_MARGIN;
  self->post_messages = DEFAULT_POST_MESSAGES;
  self->engine = (GstFerEngine) fer::EmotionClassifierOptions ().engine;
  self->classifier = nullptr;
  self->posting = FALSE;
  /* Every frame gets its emotion: no QoS dropping of late frames. */
  gst_base_transform_set_qos_enabled (GST_BASE_TRANSFORM (self), FALSE);
}
