// SPDX-License-Identifier: LGPL-2.1-or-later
/**
 * SECTION:element-facelandmarks
 * @title: facelandmarks
 *
 * Finds faces, follows them from frame to frame with stable track ids and
 * computes 478 3D landmarks per face (MediaPipe face mesh with attention:
 * refined lips, eyes and irises), the head pose (the 4x4 transform of
 * MediaPipe's canonical face into camera space, and yaw, pitch and roll)
 * and 52 blendshape coefficients measured from the landmarks (defined in
 * docs/blendshapes.md). Results are attached to each buffer as a
 * #GstFerFacesMeta and, per face, a #GstVideoRegionOfInterestMeta of type
 * "face" whose id is the track id. A frame without faces gets an empty list.
 *
 * The BlazeFace detector runs only to pick up faces not yet tracked; tracked
 * faces are followed by the landmark model alone. Only the pixels the models
 * need are sampled and colour-converted, so any supported format is processed
 * at the cost of a 192x192 crop per face.
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 filesrc location=franck.mp4 ! decodebin ! videoconvert ! \
 *     facelandmarks max-faces=2 ! overlay ! videoconvert ! autovideosink
 * ]|
 */
#include "gstfacelandmarks.h"

#include <memory>

#include "fer/face_analytics.h"
#include "gstferengine.h"
#include "gstferframe.h"
#include "gstfermeta.h"
#include "gstfermodelerror.h"

GST_DEBUG_CATEGORY_STATIC (gst_face_landmarks_debug);
#define GST_CAT_DEFAULT gst_face_landmarks_debug

enum
{
  PROP_0,
  PROP_MAX_FACES,
  PROP_DETECTOR,
  PROP_MIN_DETECTION_CONFIDENCE,
  PROP_MIN_PRESENCE_CONFIDENCE,
  PROP_DETECT_INTERVAL,
  PROP_MODEL_DIR,
  PROP_ENGINE,
};

#define DEFAULT_MAX_FACES 4
#define DEFAULT_DETECTOR GST_FER_DETECTOR_SHORT
#define DEFAULT_MIN_DETECTION_CONFIDENCE 0.5
#define DEFAULT_MIN_PRESENCE_CONFIDENCE 0.5
#define DEFAULT_DETECT_INTERVAL 10

typedef enum
{
  GST_FER_DETECTOR_SHORT,
  GST_FER_DETECTOR_FULL,
} GstFerDetector;

/* C++ state, created in start() and freed in stop(). */
struct FaceLandmarksState
{
  std::unique_ptr < fer::FaceAnalytics > analytics;   /* without emotion */
  gint width = 0, height = 0;   /* of the frames the tracks were made on */
};

struct _GstFaceLandmarks
{
  GstVideoFilter parent;

  /* properties; read at start() */
  gint max_faces;
  GstFerDetector detector;
  gdouble min_detection_confidence;
  gdouble min_presence_confidence;
  gint detect_interval;
  gchar *model_dir;
  GstFerEngine engine;

  FaceLandmarksState *state;
};

#define gst_face_landmarks_parent_class parent_class
G_DEFINE_TYPE (GstFaceLandmarks, gst_face_landmarks, GST_TYPE_VIDEO_FILTER);
GST_ELEMENT_REGISTER_DEFINE (facelandmarks, "facelandmarks", GST_RANK_NONE,
    GST_TYPE_FACE_LANDMARKS);

GType
gst_fer_detector_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    {GST_FER_DETECTOR_SHORT,
        "BlazeFace short range (128x128): faces within about 2 m", "short"},
    {GST_FER_DETECTOR_FULL,
        "BlazeFace full range (192x192): small or distant faces", "full"},
    {0, nullptr, nullptr},
  };
  if (g_once_init_enter (&type)) {
    GType t = g_enum_register_static ("GstFerDetector", values);
    g_once_init_leave (&type, t);
  }
  return type;
}

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK, GST_PAD_ALWAYS,
    GST_STATIC_CAPS (GST_VIDEO_CAPS_MAKE (GST_FER_ANALYTICS_FORMATS)));
static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC, GST_PAD_ALWAYS,
    GST_STATIC_CAPS (GST_VIDEO_CAPS_MAKE (GST_FER_ANALYTICS_FORMATS)));

static void
gst_face_landmarks_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstFaceLandmarks *self = GST_FACE_LANDMARKS (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_MAX_FACES:
      self->max_faces = g_value_get_int (value);
      break;
    case PROP_DETECTOR:
      self->detector = (GstFerDetector) g_value_get_enum (value);
      break;
    case PROP_MIN_DETECTION_CONFIDENCE:
      self->min_detection_confidence = g_value_get_double (value);
      break;
    case PROP_MIN_PRESENCE_CONFIDENCE:
      self->min_presence_confidence = g_value_get_double (value);
      break;
    case PROP_DETECT_INTERVAL:
      self->detect_interval = g_value_get_int (value);
      break;
    case PROP_MODEL_DIR:
      g_free (self->model_dir);
      self->model_dir = g_value_dup_string (value);
      break;
    case PROP_ENGINE:
      self->engine = (GstFerEngine) g_value_get_enum (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_face_landmarks_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec)
{
  GstFaceLandmarks *self = GST_FACE_LANDMARKS (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_MAX_FACES:
      g_value_set_int (value, self->max_faces);
      break;
    case PROP_DETECTOR:
      g_value_set_enum (value, self->detector);
      break;
    case PROP_MIN_DETECTION_CONFIDENCE:
      g_value_set_double (value, self->min_detection_confidence);
      break;
    case PROP_MIN_PRESENCE_CONFIDENCE:
      g_value_set_double (value, self->min_presence_confidence);
      break;
    case PROP_DETECT_INTERVAL:
      g_value_set_int (value, self->detect_interval);
      break;
    case PROP_MODEL_DIR:
      g_value_set_string (value, self->model_dir);
      break;
    case PROP_ENGINE:
      g_value_set_enum (value, self->engine);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
  GST_OBJECT_UNLOCK (self);
}

static gboolean
gst_face_landmarks_start (GstBaseTransform * trans)
{
  GstFaceLandmarks *self = GST_FACE_LANDMARKS (trans);
  fer::FaceAnalyticsOptions options;

  GST_OBJECT_LOCK (self);
  options.tracking.max_faces = self->max_faces;
  options.tracking.detector = self->detector == GST_FER_DETECTOR_FULL ?
      fer::DetectorModel::FullRange : fer::DetectorModel::ShortRange;
  options.tracking.min_detection_confidence =
      (float) self->min_detection_confidence;
  options.tracking.min_presence_confidence =
      (float) self->min_presence_confidence;
  options.tracking.detect_interval = self->detect_interval;
  options.emotion = std::nullopt;       /* emotionclassify's stage */
  options.model_dir = self->model_dir ? self->model_dir : "";
  options.engine = (fer::InferenceEngine) self->engine;
  GST_OBJECT_UNLOCK (self);

  try {
    auto state = std::make_unique < FaceLandmarksState > ();
    state->analytics = fer::FaceAnalytics::Create (options);
    self->state = state.release ();
  }
  catch (const std::exception & e) {
    gst_fer_post_model_error (GST_ELEMENT (self), e, "face models");
    return FALSE;
  }
  return TRUE;
}

static gboolean
gst_face_landmarks_stop (GstBaseTransform * trans)
{
  GstFaceLandmarks *self = GST_FACE_LANDMARKS (trans);

  delete self->state;
  self->state = nullptr;
  return TRUE;
}

static gboolean
gst_face_landmarks_sink_event (GstBaseTransform * trans, GstEvent * event)
{
  GstFaceLandmarks *self = GST_FACE_LANDMARKS (trans);

  /* After a flush (seek) the next frame is unrelated to the last one. */
  if (GST_EVENT_TYPE (event) == GST_EVENT_FLUSH_STOP && self->state)
    self->state->analytics->Reset ();
  return GST_BASE_TRANSFORM_CLASS (parent_class)->sink_event (trans, event);
}

/* A new frame size without a flush (a stream switch, concat of two files)
 * is another picture: its faces are new tracks, never the old ids. */
static gboolean
gst_face_landmarks_set_info (GstVideoFilter * filter, GstCaps *,
    GstVideoInfo * in_info, GstCaps *, GstVideoInfo *)
{
  GstFaceLandmarks *self = GST_FACE_LANDMARKS (filter);
  FaceLandmarksState *state = self->state;

  if (!state)
    return TRUE;
  if (state->width && (state->width != GST_VIDEO_INFO_WIDTH (in_info)
          || state->height != GST_VIDEO_INFO_HEIGHT (in_info))) {
    GST_DEBUG_OBJECT (self, "frame size %dx%d -> %dx%d: tracks end",
        state->width, state->height, GST_VIDEO_INFO_WIDTH (in_info),
        GST_VIDEO_INFO_HEIGHT (in_info));
    state->analytics->Reset ();
  }
  state->width = GST_VIDEO_INFO_WIDTH (in_info);
  state->height = GST_VIDEO_INFO_HEIGHT (in_info);
  return TRUE;
}

static void
add_region_metas (GstBuffer * buffer, const fer::FrameFaces & frame)
{
  for (const fer::Face & face : frame.faces) {
    const int x = MAX (0, (int) face.bbox.x), y = MAX (0, (int) face.bbox.y);
    GstVideoRegionOfInterestMeta *roi =
        gst_buffer_add_video_region_of_interest_meta (buffer, "face", x, y,
        (guint) face.bbox.width, (guint) face.bbox.height);
    roi->id = face.id;
  }
}

static GstFlowReturn
gst_face_landmarks_transform_frame_ip (GstVideoFilter * filter,
    GstVideoFrame * frame)
{
  GstFaceLandmarks *self = GST_FACE_LANDMARKS (filter);
  FaceLandmarksState *state = self->state;

  try {
    std::optional < gint64 > pts;
    if (GST_BUFFER_PTS_IS_VALID (frame->buffer))
      pts = (gint64) GST_BUFFER_PTS (frame->buffer);
    /* Complete at once: this stage encodes no features. */
    std::optional < fer::FrameFaces > faces =
        state->analytics->Process (gst_fer_image_view (frame), pts);
    GstFerFacesMeta *meta = gst_buffer_add_fer_faces_meta (frame->buffer);
    fer::FrameFaces & result = *meta->faces;
    result = std::move (*faces);
    add_region_metas (frame->buffer, result);
    GST_LOG_OBJECT (self, "frame %" G_GINT64_FORMAT ": %zu faces",
        result.frame, result.faces.size ());
  }
  catch (const std::exception & e) {
    GST_ELEMENT_ERROR (self, STREAM, FAILED,
        ("Face landmark detection failed."), ("%s", e.what ()));
    return GST_FLOW_ERROR;
  }
  return GST_FLOW_OK;
}

static void
gst_face_landmarks_finalize (GObject * object)
{
  GstFaceLandmarks *self = GST_FACE_LANDMARKS (object);

  delete self->state;
  g_free (self->model_dir);
  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static void
gst_face_landmarks_class_init (GstFaceLandmarksClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBaseTransformClass *trans_class = GST_BASE_TRANSFORM_CLASS (klass);
  GstVideoFilterClass *filter_class = GST_VIDEO_FILTER_CLASS (klass);
  const GParamFlags rw = (GParamFlags) (G_PARAM_READWRITE |
      G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY);

  gobject_class->set_property = gst_face_landmarks_set_property;
  gobject_class->get_property = gst_face_landmarks_get_property;
  gobject_class->finalize = gst_face_landmarks_finalize;

  g_object_class_install_property (gobject_class, PROP_MAX_FACES,
      g_param_spec_int ("max-faces", "Maximum faces",
          "Most faces tracked at once", 1, 64, DEFAULT_MAX_FACES, rw));
  g_object_class_install_property (gobject_class, PROP_DETECTOR,
      g_param_spec_enum ("detector", "Detector",
          "Face detector model", GST_TYPE_FER_DETECTOR, DEFAULT_DETECTOR, rw));
  g_object_class_install_property (gobject_class,
      PROP_MIN_DETECTION_CONFIDENCE,
      g_param_spec_double ("min-detection-confidence",
          "Minimum detection confidence",
          "Detector score below which a face is not picked up", 0.0, 1.0,
          DEFAULT_MIN_DETECTION_CONFIDENCE, rw));
  g_object_class_install_property (gobject_class, PROP_MIN_PRESENCE_CONFIDENCE,
      g_param_spec_double ("min-presence-confidence",
          "Minimum presence confidence",
          "Face presence score below which a track is lost", 0.0, 1.0,
          DEFAULT_MIN_PRESENCE_CONFIDENCE, rw));
  g_object_class_install_property (gobject_class, PROP_DETECT_INTERVAL,
      g_param_spec_int ("detect-interval", "Detect interval",
          "Frames between detector runs while fewer than max-faces are "
          "tracked (the detector also runs at once when a track is lost)",
          1, G_MAXINT, DEFAULT_DETECT_INTERVAL, rw));
  g_object_class_install_property (gobject_class, PROP_MODEL_DIR,
      g_param_spec_string ("model-dir", "Model directory",
          "Directory holding every model file the element loads (a model "
          "missing there is an error); unset: $FER_MODEL_DIR, the install "
          "data directory, then the build tree", nullptr, rw));
  gst_fer_engine_install_property (gobject_class, PROP_ENGINE);

  gst_element_class_set_static_metadata (element_class,
      "Face landmarks", "Filter/Analyzer/Video",
      "Tracks faces and computes 478 3D landmarks per face",
      "gst-fer developers");
  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);

  trans_class->start = GST_DEBUG_FUNCPTR (gst_face_landmarks_start);
  trans_class->stop = GST_DEBUG_FUNCPTR (gst_face_landmarks_stop);
  trans_class->sink_event = GST_DEBUG_FUNCPTR (gst_face_landmarks_sink_event);
  filter_class->set_info = GST_DEBUG_FUNCPTR (gst_face_landmarks_set_info);
  filter_class->transform_frame_ip =
      GST_DEBUG_FUNCPTR (gst_face_landmarks_transform_frame_ip);

  gst_type_mark_as_plugin_api (GST_TYPE_FER_DETECTOR, (GstPluginAPIFlags) 0);
  GST_DEBUG_CATEGORY_INIT (gst_face_landmarks_debug, "facelandmarks", 0,
      "gst-fer face landmarks");
}

static void
gst_face_landmarks_init (GstFaceLandmarks * self)
{
  self->max_faces = DEFAULT_MAX_FACES;
  self->detector = DEFAULT_DETECTOR;
  self->min_detection_confidence = DEFAULT_MIN_DETECTION_CONFIDENCE;
  self->min_presence_confidence = DEFAULT_MIN_PRESENCE_CONFIDENCE;
  self->detect_interval = DEFAULT_DETECT_INTERVAL;
  self->model_dir = nullptr;
  self->engine = (GstFerEngine) fer::FaceTrackerOptions ().engine;
  self->state = nullptr;
  /* Every frame gets analysed and its metadata: no QoS dropping of late
   * frames (GstVideoFilter enables it by default). */
  gst_base_transform_set_qos_enabled (GST_BASE_TRANSFORM (self), FALSE);
}
