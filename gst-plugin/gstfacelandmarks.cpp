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

GST_DEBUG_CATEGORY_STATIC (gst_fer_face_landmarks_debug);
#define GST_CAT_DEFAULT gst_fer_face_landmarks_debug

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

typedef enum
{
  GST_FER_DETECTOR_SHORT = (int) fer::DetectorModel::ShortRange,
  GST_FER_DETECTOR_FULL = (int) fer::DetectorModel::FullRange,
} GstFerDetector;

/* The element's C++ state: created in init, deleted in finalize. */
struct FaceLandmarksPrivate
{
  /* The properties (object lock): the core's options and defaults; this
   * stage runs no emotion. */
  fer::FaceAnalyticsOptions settings = []{
    fer::FaceAnalyticsOptions o;
    o.emotion = std::nullopt;   /* emotionclassify's stage */
    return o;
  }();
  std::unique_ptr < fer::FaceAnalytics > analytics;   /* start() .. stop() */
  gint width = 0, height = 0;   /* of the frames the tracks were made on */
};

struct _GstFerFaceLandmarks
{
  GstVideoFilter parent;
  FaceLandmarksPrivate *priv;
};

#define gst_fer_face_landmarks_parent_class parent_class
G_DEFINE_TYPE (GstFerFaceLandmarks, gst_fer_face_landmarks, GST_TYPE_VIDEO_FILTER);
GST_ELEMENT_REGISTER_DEFINE (facelandmarks, "facelandmarks", GST_RANK_NONE,
    GST_TYPE_FER_FACE_LANDMARKS);

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
gst_fer_face_landmarks_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstFerFaceLandmarks *self = GST_FER_FACE_LANDMARKS (object);
  fer::FaceAnalyticsOptions & s = self->priv->settings;

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_MAX_FACES:
      s.tracking.max_faces = g_value_get_int (value);
      break;
    case PROP_DETECTOR:
      s.tracking.detector = (fer::DetectorModel) g_value_get_enum (value);
      break;
    case PROP_MIN_DETECTION_CONFIDENCE:
      s.tracking.min_detection_confidence = (float) g_value_get_double (value);
      break;
    case PROP_MIN_PRESENCE_CONFIDENCE:
      s.tracking.min_presence_confidence = (float) g_value_get_double (value);
      break;
    case PROP_DETECT_INTERVAL:
      s.tracking.detect_interval = g_value_get_int (value);
      break;
    case PROP_MODEL_DIR:{
      const gchar *dir = g_value_get_string (value);
      s.model_dir = dir ? dir : "";
      break;
    }
    case PROP_ENGINE:
      s.engine = (fer::InferenceEngine) g_value_get_enum (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_fer_face_landmarks_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec)
{
  GstFerFaceLandmarks *self = GST_FER_FACE_LANDMARKS (object);
  const fer::FaceAnalyticsOptions & s = self->priv->settings;

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_MAX_FACES:
      g_value_set_int (value, s.tracking.max_faces);
      break;
    case PROP_DETECTOR:
      g_value_set_enum (value, (gint) s.tracking.detector);
      break;
    case PROP_MIN_DETECTION_CONFIDENCE:
      g_value_set_double (value, s.tracking.min_detection_confidence);
      break;
    case PROP_MIN_PRESENCE_CONFIDENCE:
      g_value_set_double (value, s.tracking.min_presence_confidence);
      break;
    case PROP_DETECT_INTERVAL:
      g_value_set_int (value, s.tracking.detect_interval);
      break;
    case PROP_MODEL_DIR:
      g_value_set_string (value, s.model_dir.empty ()? nullptr :
          s.model_dir.c_str ());
      break;
    case PROP_ENGINE:
      g_value_set_enum (value, (gint) s.engine);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
  GST_OBJECT_UNLOCK (self);
}

static gboolean
gst_fer_face_landmarks_start (GstBaseTransform * trans)
{
  GstFerFaceLandmarks *self = GST_FER_FACE_LANDMARKS (trans);
  FaceLandmarksPrivate *p = self->priv;

  GST_OBJECT_LOCK (self);
  const fer::FaceAnalyticsOptions options = p->settings;
  GST_OBJECT_UNLOCK (self);

  try {
    p->analytics = fer::FaceAnalytics::Create (options);
  }
  catch (const std::exception & e) {
    gst_fer_post_model_error (GST_ELEMENT (self), e, "face models");
    return FALSE;
  }
  p->width = p->height = 0;
  return TRUE;
}

static gboolean
gst_fer_face_landmarks_stop (GstBaseTransform * trans)
{
  GST_FER_FACE_LANDMARKS (trans)->priv->analytics.reset ();
  return TRUE;
}

static gboolean
gst_fer_face_landmarks_sink_event (GstBaseTransform * trans, GstEvent * event)
{
  FaceLandmarksPrivate *p = GST_FER_FACE_LANDMARKS (trans)->priv;

  /* After a flush (seek) the next frame is unrelated to the last one. */
  if (GST_EVENT_TYPE (event) == GST_EVENT_FLUSH_STOP && p->analytics)
    p->analytics->Reset ();
  return GST_BASE_TRANSFORM_CLASS (parent_class)->sink_event (trans, event);
}

/* A new frame size without a flush (a stream switch, concat of two files)
 * is another picture: its faces are new tracks, never the old ids. */
static gboolean
gst_fer_face_landmarks_set_info (GstVideoFilter * filter, GstCaps *,
    GstVideoInfo * in_info, GstCaps *, GstVideoInfo *)
{
  GstFerFaceLandmarks *self = GST_FER_FACE_LANDMARKS (filter);
  FaceLandmarksPrivate *p = self->priv;
  const gint width = GST_VIDEO_INFO_WIDTH (in_info);
  const gint height = GST_VIDEO_INFO_HEIGHT (in_info);

  if (!p->analytics)
    return TRUE;
  if (p->width && (p->width != width || p->height != height)) {
    GST_DEBUG_OBJECT (self, "frame size %dx%d -> %dx%d: tracks end",
        p->width, p->height, width, height);
    p->analytics->Reset ();
  }
  p->width = width;
  p->height = height;
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
gst_fer_face_landmarks_transform_frame_ip (GstVideoFilter * filter,
    GstVideoFrame * frame)
{
  GstFerFaceLandmarks *self = GST_FER_FACE_LANDMARKS (filter);
  FaceLandmarksPrivate *p = self->priv;

  try {
    std::optional < gint64 > pts;
    if (GST_BUFFER_PTS_IS_VALID (frame->buffer))
      pts = (gint64) GST_BUFFER_PTS (frame->buffer);
    /* Complete at once: this stage encodes no features. */
    std::optional < fer::FrameFaces > faces =
        p->analytics->Process (gst_fer_image_view (frame), pts);
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
gst_fer_face_landmarks_finalize (GObject * object)
{
  delete GST_FER_FACE_LANDMARKS (object)->priv;
  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static void
gst_fer_face_landmarks_class_init (GstFerFaceLandmarksClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBaseTransformClass *trans_class = GST_BASE_TRANSFORM_CLASS (klass);
  GstVideoFilterClass *filter_class = GST_VIDEO_FILTER_CLASS (klass);
  const GParamFlags rw = (GParamFlags) (G_PARAM_READWRITE |
      G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY);
  const fer::FaceTrackerOptions defaults;

  gobject_class->set_property = gst_fer_face_landmarks_set_property;
  gobject_class->get_property = gst_fer_face_landmarks_get_property;
  gobject_class->finalize = gst_fer_face_landmarks_finalize;

  g_object_class_install_property (gobject_class, PROP_MAX_FACES,
      g_param_spec_int ("max-faces", "Maximum faces",
          "Most faces tracked at once", 1, 64, defaults.max_faces, rw));
  g_object_class_install_property (gobject_class, PROP_DETECTOR,
      g_param_spec_enum ("detector", "Detector",
          "Face detector model", GST_TYPE_FER_DETECTOR,
          (gint) defaults.detector, rw));
  g_object_class_install_property (gobject_class,
      PROP_MIN_DETECTION_CONFIDENCE,
      g_param_spec_double ("min-detection-confidence",
          "Minimum detection confidence",
          "Detector score below which a face is not picked up", 0.0, 1.0,
          defaults.min_detection_confidence, rw));
  g_object_class_install_property (gobject_class, PROP_MIN_PRESENCE_CONFIDENCE,
      g_param_spec_double ("min-presence-confidence",
          "Minimum presence confidence",
          "Face presence score below which a track is lost", 0.0, 1.0,
          defaults.min_presence_confidence, rw));
  g_object_class_install_property (gobject_class, PROP_DETECT_INTERVAL,
      g_param_spec_int ("detect-interval", "Detect interval",
          "Frames between detector runs while fewer than max-faces are "
          "tracked (the detector also runs at once when a track is lost)",
          1, G_MAXINT, defaults.detect_interval, rw));
  g_object_class_install_property (gobject_class, PROP_MODEL_DIR,
      g_param_spec_string ("model-dir", "Model directory",
          "Directory holding every model file the element loads (a model "
          "missing there is an error); unset: $FER_MODEL_DIR, then the models "
          "installed with the plugin (run from a build tree: that build's)", nullptr, rw));
  gst_fer_engine_install_property (gobject_class, PROP_ENGINE);

  gst_element_class_set_static_metadata (element_class,
      "Face landmarks", "Filter/Analyzer/Video",
      "Tracks faces and computes 478 3D landmarks per face",
      "gst-fer developers");
  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);

  trans_class->start = GST_DEBUG_FUNCPTR (gst_fer_face_landmarks_start);
  trans_class->stop = GST_DEBUG_FUNCPTR (gst_fer_face_landmarks_stop);
  trans_class->sink_event = GST_DEBUG_FUNCPTR (gst_fer_face_landmarks_sink_event);
  filter_class->set_info = GST_DEBUG_FUNCPTR (gst_fer_face_landmarks_set_info);
  filter_class->transform_frame_ip =
      GST_DEBUG_FUNCPTR (gst_fer_face_landmarks_transform_frame_ip);

  gst_type_mark_as_plugin_api (GST_TYPE_FER_DETECTOR, (GstPluginAPIFlags) 0);
  GST_DEBUG_CATEGORY_INIT (gst_fer_face_landmarks_debug, "facelandmarks", 0,
      "gst-fer face landmarks");
}

static void
gst_fer_face_landmarks_init (GstFerFaceLandmarks * self)
{
  self->priv = new FaceLandmarksPrivate ();
  /* Every frame gets analysed and its metadata: no QoS dropping of late
   * frames (GstVideoFilter enables it by default). */
  gst_base_transform_set_qos_enabled (GST_BASE_TRANSFORM (self), FALSE);
}
