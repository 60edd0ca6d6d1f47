// SPDX-License-Identifier: LGPL-2.1-or-later
/**
 * SECTION:element-waveletencode
 * @title: waveletencode
 *
 * Keeps, per face track, the history of the face's landmarks and
 * blendshapes, and encodes it with a Haar wavelet into a fixed number of
 * coefficients per trajectory (the DFEW wavelet recipe of
 * docs/features.md: (10, 478, 3) landmarks and (10, 52) blendshapes by
 * default). The encoding is attached to the face
 * in the faces metadata, with the first and last frame of the window, their
 * timestamps, T (frames encoded) and L (Haar levels).
 *
 * Once a track has #GstFerWaveletEncode:window frames, its last window is
 * encoded, and again every #GstFerWaveletEncode:hop frames. When a track ends
 * (its face is gone from the next frame) or the stream ends, the frames not
 * yet covered are encoded too, as the last window (or the whole track if it
 * is shorter), provided the track has at least #GstFerWaveletEncode:min-frames
 * frames. To attach that last encoding to the track's last frame, the
 * element holds each frame back until the next one arrives: it adds one
 * frame of latency.
 *
 * #GstFerWaveletEncode:landmark-space chooses the landmark coordinates:
 * `image` (default; normalised as MediaPipe does: x and y in [0, 1] of the
 * frame, z on x's scale: the DFEW wavelet recipe) or `canonical` (head pose
 * and scale removed, in MediaPipe's canonical face space, cm: the same
 * expression gives the same features wherever the head is, however large and
 * turned). A feature model must be trained on the same space.
 *
 * facemetapublish writes the features with include-features=true; the
 * format is described in docs/elements/waveletencode.md and docs/features.md.
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 filesrc location=franck.mp4 ! decodebin ! videoconvert ! \
 *     facelandmarks ! waveletencode window=48 hop=24 ! \
 *     facemetapublish include-features=true location=features.jsonl ! fakesink
 * ]|
 */
#include "gstwaveletencode.h"

#include <memory>

#include <gst/video/video.h>

#include "fer/track_features.h"
#include "gstfermeta.h"

GST_DEBUG_CATEGORY_STATIC (gst_fer_wavelet_encode_debug);
#define GST_CAT_DEFAULT gst_fer_wavelet_encode_debug

enum
{
  PROP_0,
  PROP_WINDOW,
  PROP_HOP,
  PROP_MIN_FRAMES,
  PROP_COEFFICIENTS,
  PROP_DETAIL_LEVELS,
  PROP_LANDMARK_SPACE,
};

/* The element's C++ state: created in init, deleted in finalize. */
struct WaveletEncodePrivate
{
  fer::TrackFeatureOptions settings;    /* the properties (object lock); core defaults */
  std::unique_ptr < fer::TrackFeatureEncoder > encoder;  /* READY -> PAUSED .. back */
  bool warned_no_meta = false;
};

struct _GstFerWaveletEncode
{
  GstElement parent;

  GstPad *sinkpad;
  GstPad *srcpad;

  /* streaming state, touched only from the streaming thread (and from
   * state changes, when no data flows) */
  GstBuffer *held;              /* the last frame, until the next arrives */
  GList *held_events;           /* serialized events that followed it */
  GstClockTime frame_duration;  /* for the latency we add */

  WaveletEncodePrivate *priv;
};

#define gst_fer_wavelet_encode_parent_class parent_class
G_DEFINE_TYPE (GstFerWaveletEncode, gst_fer_wavelet_encode, GST_TYPE_ELEMENT);
GST_ELEMENT_REGISTER_DEFINE (waveletencode, "waveletencode", GST_RANK_NONE,
    GST_TYPE_FER_WAVELET_ENCODE);

GType
gst_fer_landmark_space_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    {(gint) fer::LandmarkSpace::Image,
        "Image: x / width, y / height, z / width (the DFEW wavelet recipe)",
        "image"},
    {(gint) fer::LandmarkSpace::Canonical,
          "Canonical: head pose and scale removed, canonical face space (cm)",
        "canonical"},
    {0, nullptr, nullptr},
  };
  if (g_once_init_enter (&type)) {
    GType t = g_enum_register_static ("GstFerLandmarkSpace", values);
    g_once_init_leave (&type, t);
  }
  return type;
}

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS ("video/x-raw(ANY)"));
static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS ("video/x-raw(ANY)"));

static fer::FrameFaces *
frame_faces (GstBuffer * buffer)
{
  GstFerFacesMeta *meta = buffer ? gst_buffer_get_fer_faces_meta (buffer) :
      nullptr;
  return meta ? meta->faces : nullptr;
}

/* Pushes the held frame and the events that followed it. */
static GstFlowReturn
release_held (GstFerWaveletEncode * self)
{
  GstFlowReturn ret = GST_FLOW_OK;

  if (self->held) {
    ret = gst_pad_push (self->srcpad, self->held);
    self->held = nullptr;
  }
  GList *events = self->held_events;
  self->held_events = nullptr;
  for (GList * l = events; l; l = l->next)
    gst_pad_push_event (self->srcpad, GST_EVENT (l->data));
  g_list_free (events);
  return ret;
}

static void
drop_held (GstFerWaveletEncode * self)
{
  gst_clear_buffer (&self->held);
  g_list_free_full (self->held_events, (GDestroyNotify) gst_event_unref);
  self->held_events = nullptr;
}

/* Ends the held frame's tracks that are not in `next` (all when null). */
static gboolean
finish_tracks (GstFerWaveletEncode * self, const fer::FrameFaces * next)
{
  fer::FrameFaces *last = frame_faces (self->held);

  if (!last || !self->priv->encoder)
    return TRUE;
  try {
    self->priv->encoder->Finish (*last, next);
  }
  catch (const std::exception & e) {
    GST_ELEMENT_ERROR (self, STREAM, FAILED, ("Wavelet encoding failed."),
        ("%s", e.what ()));
    return FALSE;
  }
  return TRUE;
}

static GstFlowReturn
gst_fer_wavelet_encode_chain (GstPad *, GstObject * parent, GstBuffer * buffer)
{
  GstFerWaveletEncode *self = GST_FER_WAVELET_ENCODE (parent);

  if (!self->priv->encoder) {
    gst_buffer_unref (buffer);
    return GST_FLOW_FLUSHING;
  }
  buffer = gst_buffer_make_writable (buffer);
  fer::FrameFaces *faces = frame_faces (buffer);
  if (!faces && !self->priv->warned_no_meta) {
    self->priv->warned_no_meta = true;
    GST_ELEMENT_WARNING (self, STREAM, FORMAT,
        ("Buffers carry no faces metadata: nothing to encode."),
        ("Is facelandmarks upstream of waveletencode?"));
  }
  /* The held frame gets the final encoding of the tracks that end here. */
  if (!finish_tracks (self, faces)) {
    gst_buffer_unref (buffer);
    return GST_FLOW_ERROR;
  }
  GstFlowReturn ret = release_held (self);
  if (faces) {
    try {
      self->priv->encoder->Add (*faces);
    }
    catch (const std::exception & e) {
      GST_ELEMENT_ERROR (self, STREAM, FAILED, ("Wavelet encoding failed."),
          ("%s", e.what ()));
      gst_buffer_unref (buffer);
      return GST_FLOW_ERROR;
    }
  }
  self->held = buffer;
  return ret;
}

static gboolean
gst_fer_wavelet_encode_sink_event (GstPad * pad, GstObject * parent,
    GstEvent * event)
{
  GstFerWaveletEncode *self = GST_FER_WAVELET_ENCODE (parent);

  switch (GST_EVENT_TYPE (event)) {
    case GST_EVENT_EOS:
      /* The stream ends: every track ends with it. */
      if (!finish_tracks (self, nullptr)) {
        gst_event_unref (event);
        return FALSE;
      }
      if (self->priv->encoder)
        self->priv->encoder->Reset ();
      release_held (self);
      return gst_pad_push_event (self->srcpad, event);
    case GST_EVENT_FLUSH_STOP:
      /* After a seek the next frame does not follow the held one. */
      drop_held (self);
      if (self->priv->encoder)
        self->priv->encoder->Reset ();
      return gst_pad_event_default (pad, parent, event);
    case GST_EVENT_CAPS:{
      GstCaps *caps;
      GstVideoInfo info;
      gst_event_parse_caps (event, &caps);
      self->frame_duration = GST_CLOCK_TIME_NONE;
      if (gst_video_info_from_caps (&info, caps) && info.fps_n > 0)
        self->frame_duration = gst_util_uint64_scale_int (GST_SECOND,
            info.fps_d, info.fps_n);
      break;
    }
    default:
      break;
  }
  /* Serialized events keep their place after the held frame. */
  if (self->held && GST_EVENT_IS_SERIALIZED (event)) {
    self->held_events = g_list_append (self->held_events, event);
    return TRUE;
  }
  return gst_pad_event_default (pad, parent, event);
}

static gboolean
gst_fer_wavelet_encode_src_query (GstPad * pad, GstObject * parent,
    GstQuery * query)
{
  GstFerWaveletEncode *self = GST_FER_WAVELET_ENCODE (parent);

  if (GST_QUERY_TYPE (query) != GST_QUERY_LATENCY)
    return gst_pad_query_default (pad, parent, query);
  if (!gst_pad_peer_query (self->sinkpad, query))
    return FALSE;
  /* Holding one frame back adds one frame of latency. */
  gboolean live;
  GstClockTime min, max;
  gst_query_parse_latency (query, &live, &min, &max);
  if (GST_CLOCK_TIME_IS_VALID (self->frame_duration)) {
    min += self->frame_duration;
    if (GST_CLOCK_TIME_IS_VALID (max))
      max += self->frame_duration;
  }
  gst_query_set_latency (query, live, min, max);
  return TRUE;
}

static GstStateChangeReturn
gst_fer_wavelet_encode_change_state (GstElement * element,
    GstStateChange transition)
{
  GstFerWaveletEncode *self = GST_FER_WAVELET_ENCODE (element);

  if (transition == GST_STATE_CHANGE_READY_TO_PAUSED) {
    GST_OBJECT_LOCK (self);
    const fer::TrackFeatureOptions options = self->priv->settings;
    GST_OBJECT_UNLOCK (self);
    try {
      self->priv->encoder = fer::TrackFeatureEncoder::Create (options);
    }
    catch (const std::exception & e) {
      GST_ELEMENT_ERROR (self, LIBRARY, SETTINGS,
          ("Invalid wavelet encoding settings."), ("%s", e.what ()));
      return GST_STATE_CHANGE_FAILURE;
    }
    self->priv->warned_no_meta = false;
    self->frame_duration = GST_CLOCK_TIME_NONE;
  }

  GstStateChangeReturn ret =
      GST_ELEMENT_CLASS (parent_class)->change_state (element, transition);

  if (transition == GST_STATE_CHANGE_PAUSED_TO_READY) {
    drop_held (self);
    self->priv->encoder.reset ();
  }
  return ret;
}

static void
gst_fer_wavelet_encode_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstFerWaveletEncode *self = GST_FER_WAVELET_ENCODE (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_WINDOW:
      self->priv->settings.window = g_value_get_int (value);
      break;
    case PROP_HOP:
      self->priv->settings.hop = g_value_get_int (value);
      break;
    case PROP_MIN_FRAMES:
      self->priv->settings.min_frames = g_value_get_int (value);
      break;
    case PROP_COEFFICIENTS:
      self->priv->settings.wavelet.coefficients = g_value_get_int (value);
      break;
    case PROP_DETAIL_LEVELS:
      self->priv->settings.wavelet.detail_levels = g_value_get_int (value);
      break;
    case PROP_LANDMARK_SPACE:
      self->priv->settings.space = (fer::LandmarkSpace) g_value_get_enum (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_fer_wavelet_encode_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec)
{
  GstFerWaveletEncode *self = GST_FER_WAVELET_ENCODE (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_WINDOW:
      g_value_set_int (value, self->priv->settings.window);
      break;
    case PROP_HOP:
      g_value_set_int (value, self->priv->settings.hop);
      break;
    case PROP_MIN_FRAMES:
      g_value_set_int (value, self->priv->settings.min_frames);
      break;
    case PROP_COEFFICIENTS:
      g_value_set_int (value, self->priv->settings.wavelet.coefficients);
      break;
    case PROP_DETAIL_LEVELS:
      g_value_set_int (value, self->priv->settings.wavelet.detail_levels);
      break;
    case PROP_LANDMARK_SPACE:
      g_value_set_enum (value, (gint) self->priv->settings.space);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_fer_wavelet_encode_finalize (GObject * object)
{
  GstFerWaveletEncode *self = GST_FER_WAVELET_ENCODE (object);

  drop_held (self);
  delete self->priv;
  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static void
gst_fer_wavelet_encode_class_init (GstFerWaveletEncodeClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  const GParamFlags rw = (GParamFlags) (G_PARAM_READWRITE |
      G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY);
  const fer::TrackFeatureOptions defaults;

  gobject_class->set_property = gst_fer_wavelet_encode_set_property;
  gobject_class->get_property = gst_fer_wavelet_encode_get_property;
  gobject_class->finalize = gst_fer_wavelet_encode_finalize;

  g_object_class_install_property (gobject_class, PROP_WINDOW,
      g_param_spec_int ("window", "Window",
          "Frames of a track encoded at a time", 1, 100000, defaults.window,
          rw));
  g_object_class_install_property (gobject_class, PROP_HOP,
      g_param_spec_int ("hop", "Hop",
          "Frames between two encodings of a track", 1, 100000, defaults.hop,
          rw));
  g_object_class_install_property (gobject_class, PROP_MIN_FRAMES,
      g_param_spec_int ("min-frames", "Minimum frames",
          "Shortest track history encoded when the track or the stream ends "
          "(must not exceed window)", 1, 100000, defaults.min_frames, rw));
  g_object_class_install_property (gobject_class, PROP_COEFFICIENTS,
      g_param_spec_int ("coefficients", "Coefficients",
          "Approximation coefficients per trajectory (N)", 1, 4096,
          defaults.wavelet.coefficients, rw));
  g_object_class_install_property (gobject_class, PROP_DETAIL_LEVELS,
      g_param_spec_int ("detail-levels", "Detail levels",
          "Coarsest detail bands appended to the approximation (K); the "
          "output then has coefficients * 2^K rows", 0, 16,
          defaults.wavelet.detail_levels, rw));
  g_object_class_install_property (gobject_class, PROP_LANDMARK_SPACE,
      g_param_spec_enum ("landmark-space", "Landmark space",
          "Coordinates of the landmarks encoded: image (normalised by the "
          "frame) or canonical (head pose and scale removed)",
          GST_TYPE_FER_LANDMARK_SPACE, (gint) defaults.space, rw));

  gst_element_class_set_static_metadata (element_class,
      "Face feature wavelet encoder", "Filter/Analyzer/Video",
      "Encodes each face track's landmark and blendshape history with a "
      "Haar wavelet", "gst-fer developers");
  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);
  element_class->change_state =
      GST_DEBUG_FUNCPTR (gst_fer_wavelet_encode_change_state);

  GST_DEBUG_CATEGORY_INIT (gst_fer_wavelet_encode_debug, "waveletencode", 0,
      "gst-fer wavelet feature encoder");
}

static void
gst_fer_wavelet_encode_init (GstFerWaveletEncode * self)
{
  self->sinkpad = gst_pad_new_from_static_template (&sink_template, "sink");
  gst_pad_set_chain_function (self->sinkpad,
      GST_DEBUG_FUNCPTR (gst_fer_wavelet_encode_chain));
  gst_pad_set_event_function (self->sinkpad,
      GST_DEBUG_FUNCPTR (gst_fer_wavelet_encode_sink_event));
  GST_PAD_SET_PROXY_CAPS (self->sinkpad);
  GST_PAD_SET_PROXY_ALLOCATION (self->sinkpad);
  gst_element_add_pad (GST_ELEMENT (self), self->sinkpad);

  self->srcpad = gst_pad_new_from_static_template (&src_template, "src");
  gst_pad_set_query_function (self->srcpad,
      GST_DEBUG_FUNCPTR (gst_fer_wavelet_encode_src_query));
  GST_PAD_SET_PROXY_CAPS (self->srcpad);
  gst_element_add_pad (GST_ELEMENT (self), self->srcpad);

  self->frame_duration = GST_CLOCK_TIME_NONE;
  self->priv = new WaveletEncodePrivate ();
}
