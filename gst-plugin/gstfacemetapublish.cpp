// SPDX-License-Identifier: LGPL-2.1-or-later
/**
 * SECTION:element-facemetapublish
 * @title: facemetapublish
 *
 * Publishes the faces metadata of every video frame as one line of JSON
 * (schema: docs/metadata.md). Buffers pass through untouched.
 *
 * method=file (the default) writes the lines to a file or to standard
 * output, flushing each line so a reader following the file sees whole
 * frames. An existing file is never overwritten unless overwrite=true:
 * starting the pipeline then fails with an error naming the file. Several
 * facemetapublish in one process may name the same location (one per
 * camera): they share the file and their lines never interleave.
 *
 * Frames that come from a livesource carry its name and drop count: the
 * lines get "source" and "dropped" fields, and the source-lost and
 * source-restored events it sends become event lines (docs/metadata.md).
 *
 * method=mqtt publishes each line (without its newline) as one MQTT message
 * to topic on the broker at host:port (libmosquitto), at QoS 0 or 1. The
 * client reconnects by itself; meanwhile messages wait in a queue of at
 * most max-queued messages, and what does not fit is dropped, counted
 * (dropped), warned about and reported in the stats message.
 *
 * Every second of stream time and at EOS it posts a "facemetapublish-stats"
 * element message: source, frames (lines written), faces (faces in them),
 * and, behind a livesource, frames-in and frames-dropped; with method=mqtt
 * also topic, connected, submitted, published, acknowledged, queued and
 * dropped (messages).
 *
 * ## Example launch lines
 * |[
 * gst-launch-1.0 filesrc location=franck.mp4 ! decodebin ! videoconvert ! \
 *     facelandmarks ! facemetapublish location=faces.jsonl ! fakesink
 * gst-launch-1.0 -e v4l2src ! videoconvert ! facelandmarks ! \
 *     facemetapublish method=mqtt host=broker.lan source=door ! fakesink
 * ]|
 */
#include "gstfacemetapublish.h"

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <memory>
#include <string>
#include <unistd.h>

#include <gst/video/video.h>

#include "fer/error.h"
#include "fer/io/json_lines.h"
#include "fer/io/line_writer.h"
#include "fer/io/mqtt_publisher.h"
#include "gstfermeta.h"
#include "gstfersourceevent.h"

GST_DEBUG_CATEGORY_STATIC (gst_face_meta_publish_debug);
#define GST_CAT_DEFAULT gst_face_meta_publish_debug

/* String properties come first: they live in self->strings[]. */
enum
{
  PROP_0,
  PROP_LOCATION,
  PROP_HOST,
  PROP_TOPIC,
  PROP_SOURCE,
  PROP_CLIENT_ID,
  PROP_USERNAME,
  PROP_PASSWORD,
  PROP_TLS_CA_FILE,
  PROP_TLS_CERT_FILE,
  PROP_TLS_KEY_FILE,
  PROP_OVERWRITE,
  PROP_INCLUDE_FEATURES,
  PROP_METHOD,
  PROP_PORT,
  PROP_QOS,
  PROP_MAX_QUEUED,
  PROP_FLUSH_TIMEOUT,
  PROP_DROPPED,
  PROP_QUEUED,
};
#define FIRST_STRING_PROP PROP_LOCATION
#define N_STRING_PROPS (PROP_TLS_KEY_FILE - PROP_LOCATION + 1)

#define DEFAULT_LOCATION "-"
#define DEFAULT_OVERWRITE FALSE
#define DEFAULT_INCLUDE_FEATURES FALSE
#define DEFAULT_METHOD GST_FACE_META_PUBLISH_METHOD_FILE
#define DEFAULT_HOST "localhost"
#define DEFAULT_PORT 1883
#define DEFAULT_TOPIC "gst-fer/{source}/faces"
#define DEFAULT_SOURCE "default"
#define DEFAULT_QOS 1
#define DEFAULT_MAX_QUEUED 1000
#define DEFAULT_FLUSH_TIMEOUT 5000

/* The MQTT side: created in start(), closed in stop(); the last counts stay
 * readable (dropped, queued) after stop. */
struct PublishMqttState
{
  std::unique_ptr < fer::MqttPublisher > publisher;
  std::string topic;            /* {source} substituted */
  fer::MqttPublisherStats last;
  bool overflowing = false;
  std::uint64_t dropped_before_overflow = 0;
  bool eos_flushed = false;
};

/* What went out since start, for the stats message; the origin of the last
 * frame from a livesource. */
struct PublishCounts
{
  std::uint64_t frames = 0;
  std::uint64_t faces = 0;
  bool have_origin = false;
  std::string source;
  std::uint64_t frames_in = 0;
  std::uint64_t frames_dropped = 0;
  GstClockTime last_stats_pts = GST_CLOCK_TIME_NONE;
};

struct _GstFaceMetaPublish
{
  GstBaseTransform parent;

  gchar *strings[N_STRING_PROPS];
  gboolean overwrite;
  gboolean include_features;
  GstFaceMetaPublishMethod method;
  gint port;
  guint qos;
  guint max_queued;
  guint flush_timeout;

  std::shared_ptr < fer::LineWriter > *writer;   /* method=file, while started */
  PublishMqttState *mqtt;
  PublishCounts *counts;
  GstVideoInfo info;
  gboolean have_info;
  gint64 frames_without_meta;
  gint64 frame_counter;
};

#define STRING_PROP(self, prop) ((self)->strings[(prop) - FIRST_STRING_PROP])

#define gst_face_meta_publish_parent_class parent_class
G_DEFINE_TYPE (GstFaceMetaPublish, gst_face_meta_publish,
    GST_TYPE_BASE_TRANSFORM);
GST_ELEMENT_REGISTER_DEFINE (facemetapublish, "facemetapublish",
    GST_RANK_NONE, GST_TYPE_FACE_META_PUBLISH);

GType
gst_face_meta_publish_method_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    {GST_FACE_META_PUBLISH_METHOD_FILE,
        "JSON lines to a file or standard output (location)", "file"},
    {GST_FACE_META_PUBLISH_METHOD_MQTT,
        "One MQTT message per frame (host, port, topic)", "mqtt"},
    {0, nullptr, nullptr},
  };
  if (g_once_init_enter (&type)) {
    GType t = g_enum_register_static ("GstFaceMetaPublishMethod", values);
    g_once_init_leave (&type, t);
  }
  return type;
}

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS ("video/x-raw(ANY)"));
static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS ("video/x-raw(ANY)"));

/* The counts now: from the running publisher, else the last ones. Object
 * lock held. */
static fer::MqttPublisherStats
current_stats (GstFaceMetaPublish * self)
{
  return self->mqtt->publisher ? self->mqtt->publisher->stats () :
      self->mqtt->last;
}

static void
gst_face_meta_publish_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstFaceMetaPublish *self = GST_FACE_META_PUBLISH (object);

  GST_OBJECT_LOCK (self);
  if (prop_id >= FIRST_STRING_PROP
      && prop_id < FIRST_STRING_PROP + N_STRING_PROPS) {
    g_free (STRING_PROP (self, prop_id));
    STRING_PROP (self, prop_id) = g_value_dup_string (value);
    GST_OBJECT_UNLOCK (self);
    return;
  }
  switch (prop_id) {
    case PROP_OVERWRITE:
      self->overwrite = g_value_get_boolean (value);
      break;
    case PROP_INCLUDE_FEATURES:
      self->include_features = g_value_get_boolean (value);
      break;
    case PROP_METHOD:
      self->method = (GstFaceMetaPublishMethod) g_value_get_enum (value);
      break;
    case PROP_PORT:
      self->port = g_value_get_int (value);
      break;
    case PROP_QOS:
      self->qos = g_value_get_uint (value);
      break;
    case PROP_MAX_QUEUED:
      self->max_queued = g_value_get_uint (value);
      break;
    case PROP_FLUSH_TIMEOUT:
      self->flush_timeout = g_value_get_uint (value);
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
  if (prop_id >= FIRST_STRING_PROP
      && prop_id < FIRST_STRING_PROP + N_STRING_PROPS) {
    g_value_set_string (value, STRING_PROP (self, prop_id));
    GST_OBJECT_UNLOCK (self);
    return;
  }
  switch (prop_id) {
    case PROP_OVERWRITE:
      g_value_set_boolean (value, self->overwrite);
      break;
    case PROP_INCLUDE_FEATURES:
      g_value_set_boolean (value, self->include_features);
      break;
    case PROP_METHOD:
      g_value_set_enum (value, self->method);
      break;
    case PROP_PORT:
      g_value_set_int (value, self->port);
      break;
    case PROP_QOS:
      g_value_set_uint (value, self->qos);
      break;
    case PROP_MAX_QUEUED:
      g_value_set_uint (value, self->max_queued);
      break;
    case PROP_FLUSH_TIMEOUT:
      g_value_set_uint (value, self->flush_timeout);
      break;
    case PROP_DROPPED:
      g_value_set_uint64 (value, current_stats (self).dropped);
      break;
    case PROP_QUEUED:
      g_value_set_uint64 (value, current_stats (self).queued);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
  GST_OBJECT_UNLOCK (self);
}

/* "facemetapublish-stats"; reason is "interval", "eos" or "stop". */
static void
post_stats (GstFaceMetaPublish * self, const char *reason)
{
  const PublishCounts & c = *self->counts;
  std::string source = c.source;
  if (!c.have_origin) {
    GST_OBJECT_LOCK (self);
    source = STRING_PROP (self, PROP_SOURCE) ? STRING_PROP (self, PROP_SOURCE) : "";
    GST_OBJECT_UNLOCK (self);
  }
  GstStructure *st = gst_structure_new ("facemetapublish-stats",
      "reason", G_TYPE_STRING, reason,
      "source", G_TYPE_STRING, source.c_str (),
      "frames", G_TYPE_UINT64, (guint64) c.frames,
      "faces", G_TYPE_UINT64, (guint64) c.faces, nullptr);
  if (c.have_origin)
    gst_structure_set (st,
        "frames-in", G_TYPE_UINT64, (guint64) c.frames_in,
        "frames-dropped", G_TYPE_UINT64, (guint64) c.frames_dropped, nullptr);
  if (self->method == GST_FACE_META_PUBLISH_METHOD_MQTT) {
    GST_OBJECT_LOCK (self);
    const fer::MqttPublisherStats s = current_stats (self);
    GST_OBJECT_UNLOCK (self);
    gst_structure_set (st,
        "topic", G_TYPE_STRING, self->mqtt->topic.c_str (),
        "connected", G_TYPE_BOOLEAN, (gboolean) s.connected,
        "submitted", G_TYPE_UINT64, (guint64) s.submitted,
        "published", G_TYPE_UINT64, (guint64) s.published,
        "acknowledged", G_TYPE_UINT64, (guint64) s.acknowledged,
        "queued", G_TYPE_UINT64, (guint64) s.queued,
        "dropped", G_TYPE_UINT64, (guint64) s.dropped, nullptr);
  }
  gst_element_post_message (GST_ELEMENT (self),
      gst_message_new_element (GST_OBJECT (self), st));
}

/* Network thread of the publisher: connection changes. */
static void
on_mqtt_event (GstFaceMetaPublish * self, const std::string & broker,
    fer::MqttEvent event, const std::string & detail)
{
  switch (event) {
    case fer::MqttEvent::kConnected:
      GST_ELEMENT_INFO (self, RESOURCE, OPEN_WRITE,
          ("Connected to MQTT broker %s.", broker.c_str ()), (nullptr));
      break;
    case fer::MqttEvent::kConnectionLost:
      GST_ELEMENT_WARNING (self, RESOURCE, WRITE,
          ("Lost the connection to MQTT broker %s; queueing messages while "
              "reconnecting.", broker.c_str ()), ("%s", detail.c_str ()));
      break;
    case fer::MqttEvent::kConnectFailed:
      GST_ELEMENT_WARNING (self, RESOURCE, OPEN_WRITE,
          ("Could not connect to MQTT broker %s; queueing messages while "
              "retrying.", broker.c_str ()), ("%s", detail.c_str ()));
      break;
  }
}

static gboolean
gst_face_meta_publish_start_mqtt (GstFaceMetaPublish * self)
{
  fer::MqttPublisherOptions o;
  std::string topic, source;
  auto str =[self] (guint prop) {
    const gchar *s = STRING_PROP (self, prop);
    return std::string (s ? s : "");
  };

  GST_OBJECT_LOCK (self);
  o.host = str (PROP_HOST);
  o.port = self->port;
  topic = str (PROP_TOPIC);
  source = str (PROP_SOURCE);
  o.client_id = str (PROP_CLIENT_ID);
  o.qos = (int) self->qos;
  o.username = str (PROP_USERNAME);
  o.password = str (PROP_PASSWORD);
  o.tls_ca_file = str (PROP_TLS_CA_FILE);
  o.tls_cert_file = str (PROP_TLS_CERT_FILE);
  o.tls_key_file = str (PROP_TLS_KEY_FILE);
  o.max_queued = self->max_queued;
  GST_OBJECT_UNLOCK (self);

  self->mqtt->overflowing = false;
  self->mqtt->eos_flushed = false;
  try {
    o.topic = fer::expand_mqtt_topic (topic, source);
    const std::string broker = o.host + ":" + std::to_string (o.port);
    auto on_event =[self, broker] (fer::MqttEvent e, const std::string & d) {
      on_mqtt_event (self, broker, e, d);
    };
    auto publisher = fer::MqttPublisher::Create (o, on_event);
    GST_INFO_OBJECT (self, "publishing to %s topic \"%s\" as client \"%s\"",
        broker.c_str (), o.topic.c_str (), publisher->client_id ().c_str ());
    GST_OBJECT_LOCK (self);
    self->mqtt->publisher = std::move (publisher);
    self->mqtt->topic = o.topic;
    self->mqtt->last = {};
    GST_OBJECT_UNLOCK (self);
  }
  catch (const std::exception & e) {
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS, ("%s", e.what ()),
        ("facemetapublish method=mqtt: invalid settings"));
    return FALSE;
  }
  return TRUE;
}

static gboolean
gst_face_meta_publish_start_file (GstFaceMetaPublish * self)
{
  std::string location;
  gboolean overwrite;

  GST_OBJECT_LOCK (self);
  location = STRING_PROP (self, PROP_LOCATION) ?
      STRING_PROP (self, PROP_LOCATION) : DEFAULT_LOCATION;
  overwrite = self->overwrite;
  GST_OBJECT_UNLOCK (self);

  try {
    self->writer = new std::shared_ptr < fer::LineWriter >
        (fer::LineWriter::Create (location, overwrite));
  }
  catch (const fer::FileExists &) {
    GST_ELEMENT_ERROR (self, RESOURCE, OPEN_WRITE,
        ("File \"%s\" already exists.", location.c_str ()),
        ("Refusing to overwrite it; set overwrite=true to replace it."));
    return FALSE;
  }
  catch (const std::exception & e) {
    GST_ELEMENT_ERROR (self, RESOURCE, OPEN_WRITE,
        ("Could not open file \"%s\" for writing.", location.c_str ()),
        ("%s", e.what ()));
    return FALSE;
  }
  return TRUE;
}

static gboolean
gst_face_meta_publish_start (GstBaseTransform * trans)
{
  GstFaceMetaPublish *self = GST_FACE_META_PUBLISH (trans);
  GstFaceMetaPublishMethod method;

  GST_OBJECT_LOCK (self);
  method = self->method;
  GST_OBJECT_UNLOCK (self);

  self->frames_without_meta = 0;
  self->frame_counter = 0;
  self->have_info = FALSE;
  *self->counts = PublishCounts ();
  if (method == GST_FACE_META_PUBLISH_METHOD_MQTT)
    return gst_face_meta_publish_start_mqtt (self);
  return gst_face_meta_publish_start_file (self);
}

/* Waits (bounded) for the queue to drain, closes the connection and reports
 * what could not be delivered as dropped. */
static void
gst_face_meta_publish_stop_mqtt (GstFaceMetaPublish * self)
{
  PublishMqttState *m = self->mqtt;
  std::unique_ptr < fer::MqttPublisher > publisher;
  guint timeout;

  GST_OBJECT_LOCK (self);
  publisher = std::move (m->publisher);
  m->last = publisher->stats ();
  timeout = m->eos_flushed ? 0 : self->flush_timeout;
  GST_OBJECT_UNLOCK (self);

  const std::size_t abandoned =
      publisher->Close (std::chrono::milliseconds (timeout));
  const fer::MqttPublisherStats s = publisher->stats ();
  GST_OBJECT_LOCK (self);
  m->last = s;
  GST_OBJECT_UNLOCK (self);
  if (abandoned > 0)
    GST_ELEMENT_WARNING (self, RESOURCE, WRITE,
        ("%" G_GSIZE_FORMAT " MQTT messages were not acknowledged by the broker "
            "when the element stopped: dropped (%" G_GUINT64_FORMAT
            " dropped in total).", abandoned, (guint64) s.dropped),
        ("flush-timeout: %u ms", timeout));
  post_stats (self, "stop");
}

static gboolean
gst_face_meta_publish_stop (GstBaseTransform * trans)
{
  GstFaceMetaPublish *self = GST_FACE_META_PUBLISH (trans);

  if (self->mqtt->publisher)
    gst_face_meta_publish_stop_mqtt (self);
  delete self->writer;
  self->writer = nullptr;
  return TRUE;
}

/* Sends one line (without newline) to the file or the broker. */
static gboolean gst_face_meta_publish_line (GstFaceMetaPublish * self,
    std::string line);

/* A livesource's fer-source-event as an event line. */
static void
gst_face_meta_publish_source_event (GstFaceMetaPublish * self,
    const GstStructure * s)
{
  gst_face_meta_publish_line (self,
      fer::to_json_line (gst_fer_source_event_parse (s)));
}

static gboolean
gst_face_meta_publish_sink_event (GstBaseTransform * trans, GstEvent * event)
{
  GstFaceMetaPublish *self = GST_FACE_META_PUBLISH (trans);
  fer::MqttPublisher *publisher = self->mqtt->publisher.get ();

  if (GST_EVENT_TYPE (event) == GST_EVENT_CUSTOM_DOWNSTREAM
      && gst_event_has_name (event, GST_FER_SOURCE_EVENT_NAME)) {
    gst_face_meta_publish_source_event (self, gst_event_get_structure (event));
  } else if (publisher && GST_EVENT_TYPE (event) == GST_EVENT_EOS) {
    guint timeout;
    GST_OBJECT_LOCK (self);
    timeout = self->flush_timeout;
    GST_OBJECT_UNLOCK (self);
    const bool drained = publisher->Flush (std::chrono::milliseconds (timeout));
    const fer::MqttPublisherStats s = publisher->stats ();
    self->mqtt->eos_flushed = true;
    if (!drained)
      GST_ELEMENT_WARNING (self, RESOURCE, WRITE,
          ("%" G_GUINT64_FORMAT " MQTT messages still not acknowledged by the "
              "broker at EOS.", (guint64) s.queued),
          ("flush-timeout: %u ms; they count as dropped if still queued when "
              "the element stops", timeout));
  } else if (GST_EVENT_TYPE (event) == GST_EVENT_FLUSH_STOP) {
    self->mqtt->eos_flushed = false;
    self->counts->last_stats_pts = GST_CLOCK_TIME_NONE;
  }
  if (GST_EVENT_TYPE (event) == GST_EVENT_EOS)
    post_stats (self, "eos");
  return GST_BASE_TRANSFORM_CLASS (parent_class)->sink_event (trans, event);
}

static gboolean
gst_face_meta_publish_set_caps (GstBaseTransform * trans, GstCaps * incaps,
    GstCaps *)
{
  GstFaceMetaPublish *self = GST_FACE_META_PUBLISH (trans);

  self->have_info = gst_video_info_from_caps (&self->info, incaps);
  return TRUE;
}

/* Queues the line; warns once per overflow episode and posts the counts
 * every second of stream time. */
static void
gst_face_meta_publish_mqtt (GstFaceMetaPublish * self, std::string line)
{
  PublishMqttState *m = self->mqtt;
  const bool queued = m->publisher->Publish (std::move (line));
  const fer::MqttPublisherStats s = m->publisher->stats ();

  if (!queued && !m->overflowing) {
    m->overflowing = true;
    m->dropped_before_overflow = s.dropped - 1;
    GST_ELEMENT_WARNING (self, RESOURCE, NO_SPACE_LEFT,
        ("MQTT queue full (max-queued=%" G_GUINT64_FORMAT "): dropping new "
            "messages until the broker takes some; %" G_GUINT64_FORMAT
            " dropped so far.", (guint64) m->publisher->options ().max_queued,
            (guint64) s.dropped),
        ("broker %s, %s", m->publisher->options ().host.c_str (),
            s.connected ? "connected" : "not connected"));
  } else if (queued && m->overflowing) {
    m->overflowing = false;
    GST_ELEMENT_INFO (self, RESOURCE, NO_SPACE_LEFT,
        ("MQTT queue has room again: %" G_GUINT64_FORMAT " messages were "
            "dropped while it was full (%" G_GUINT64_FORMAT " in total).",
            (guint64) (s.dropped - m->dropped_before_overflow),
            (guint64) s.dropped), (nullptr));
  }
}

/* The stats message every second of stream time. */
static void
maybe_post_stats (GstFaceMetaPublish * self, GstBuffer * buf)
{
  PublishCounts & c = *self->counts;
  if (!GST_BUFFER_PTS_IS_VALID (buf))
    return;
  const GstClockTime pts = GST_BUFFER_PTS (buf);
  if (!GST_CLOCK_TIME_IS_VALID (c.last_stats_pts) || pts < c.last_stats_pts) {
    c.last_stats_pts = pts;
  } else if (pts - c.last_stats_pts >= GST_SECOND) {
    c.last_stats_pts = pts;
    post_stats (self, "interval");
  }
}

static gboolean
gst_face_meta_publish_line (GstFaceMetaPublish * self, std::string line)
{
  if (self->mqtt->publisher) {
    gst_face_meta_publish_mqtt (self, std::move (line));
    return TRUE;
  }
  try {
    (*self->writer)->WriteLine (line);
  }
  catch (const std::exception & e) {
    GST_ELEMENT_ERROR (self, RESOURCE, WRITE, ("Could not write metadata."),
        ("%s", e.what ()));
    return FALSE;
  }
  return TRUE;
}

static GstFlowReturn
gst_face_meta_publish_transform_ip (GstBaseTransform * trans, GstBuffer * buf)
{
  GstFaceMetaPublish *self = GST_FACE_META_PUBLISH (trans);
  GstFerFacesMeta *meta = gst_buffer_get_fer_faces_meta (buf);
  GstFerSourceMeta *source = gst_buffer_get_fer_source_meta (buf);
  PublishCounts & counts = *self->counts;
  std::string line;
  fer::JsonLinesOptions options;
  fer::FrameOrigin origin;

  GST_OBJECT_LOCK (self);
  options.include_features = self->include_features;
  GST_OBJECT_UNLOCK (self);
  if (source) {
    origin.source = g_quark_to_string (source->source);
    origin.dropped = source->dropped;
    counts.have_origin = true;
    counts.source = origin.source;
    counts.frames_in = source->sequence + 1;
    counts.frames_dropped = source->dropped;
  }
  try {
    if (meta) {
      line = fer::to_json_line (*meta->faces, options, source ? &origin :
          nullptr);
      counts.faces += meta->faces->faces.size ();
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
      line = fer::to_json_line (empty, {}, source ? &origin : nullptr);
    }
  }
  catch (const std::exception & e) {
    GST_ELEMENT_ERROR (self, STREAM, FAILED, ("Could not serialise faces."),
        ("%s", e.what ()));
    return GST_FLOW_ERROR;
  }
  self->frame_counter++;
  counts.frames++;
  if (!gst_face_meta_publish_line (self, std::move (line)))
    return GST_FLOW_ERROR;
  maybe_post_stats (self, buf);
  return GST_FLOW_OK;
}

static void
gst_face_meta_publish_finalize (GObject * object)
{
  GstFaceMetaPublish *self = GST_FACE_META_PUBLISH (object);

  for (gchar * s:self->strings)
    g_free (s);
  delete self->mqtt;
  delete self->counts;
  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static void
install_string (GObjectClass * gobject_class, guint prop_id,
    const gchar * name, const gchar * blurb, const gchar * default_value)
{
  g_object_class_install_property (gobject_class, prop_id,
      g_param_spec_string (name, name, blurb, default_value,
          (GParamFlags) (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
              GST_PARAM_MUTABLE_READY)));
}

static void
gst_face_meta_publish_class_init (GstFaceMetaPublishClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBaseTransformClass *trans_class = GST_BASE_TRANSFORM_CLASS (klass);
  const GParamFlags rw = (GParamFlags) (G_PARAM_READWRITE |
      G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY);
  const GParamFlags ro = (GParamFlags) (G_PARAM_READABLE |
      G_PARAM_STATIC_STRINGS);

  gobject_class->set_property = gst_face_meta_publish_set_property;
  gobject_class->get_property = gst_face_meta_publish_get_property;
  gobject_class->finalize = gst_face_meta_publish_finalize;

  g_object_class_install_property (gobject_class, PROP_METHOD,
      g_param_spec_enum ("method", "Method",
          "Where the JSON lines go: a file (location) or an MQTT broker",
          GST_TYPE_FACE_META_PUBLISH_METHOD, DEFAULT_METHOD, rw));
  install_string (gobject_class, PROP_LOCATION, "location",
      "method=file: file to write JSON lines to, or \"-\" for standard output",
      DEFAULT_LOCATION);
  g_object_class_install_property (gobject_class, PROP_OVERWRITE,
      g_param_spec_boolean ("overwrite", "Overwrite",
          "method=file: replace an existing file instead of failing",
          DEFAULT_OVERWRITE, rw));
  g_object_class_install_property (gobject_class, PROP_INCLUDE_FEATURES,
      g_param_spec_boolean ("include-features", "Include features",
          "Also write the wavelet features waveletencode attaches "
          "(about 60 KB per face and encoding)",
          DEFAULT_INCLUDE_FEATURES, (GParamFlags) (G_PARAM_READWRITE |
              G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_PLAYING)));

  install_string (gobject_class, PROP_HOST, "host",
      "method=mqtt: broker host name or address", DEFAULT_HOST);
  g_object_class_install_property (gobject_class, PROP_PORT,
      g_param_spec_int ("port", "Port", "method=mqtt: broker TCP port",
          1, 65535, DEFAULT_PORT, rw));
  install_string (gobject_class, PROP_TOPIC, "topic",
      "method=mqtt: topic of the messages; {source} is replaced by source",
      DEFAULT_TOPIC);
  install_string (gobject_class, PROP_SOURCE, "source",
      "Name of the stream, put in the topic's {source} (the JSON lines take "
      "the name of the livesource the frames come from)", DEFAULT_SOURCE);
  install_string (gobject_class, PROP_CLIENT_ID, "client-id",
      "method=mqtt: MQTT client id (NULL: a unique gst-fer-... id)", nullptr);
  /* Replaces GstBaseTransform's boolean "qos" (QoS events, of no use to a
   * pass-through metadata writer). */
  g_object_class_install_property (gobject_class, PROP_QOS,
      g_param_spec_uint ("qos", "MQTT QoS",
          "method=mqtt: 0 = at most once, 1 = at least once (a message leaves "
          "the queue when the broker acknowledged it)", 0, 1, DEFAULT_QOS, rw));
  install_string (gobject_class, PROP_USERNAME, "username",
      "method=mqtt: user name for the broker (NULL: none)", nullptr);
  install_string (gobject_class, PROP_PASSWORD, "password",
      "method=mqtt: password for the broker (needs username)", nullptr);
  install_string (gobject_class, PROP_TLS_CA_FILE, "tls-ca-file",
      "method=mqtt: PEM file of the CA certificates to verify the broker "
      "with; set, it switches TLS on", nullptr);
  install_string (gobject_class, PROP_TLS_CERT_FILE, "tls-cert-file",
      "method=mqtt: PEM client certificate (with tls-key-file)", nullptr);
  install_string (gobject_class, PROP_TLS_KEY_FILE, "tls-key-file",
      "method=mqtt: PEM private key of tls-cert-file (unencrypted)", nullptr);
  g_object_class_install_property (gobject_class, PROP_MAX_QUEUED,
      g_param_spec_uint ("max-queued", "Max queued",
          "method=mqtt: most messages waiting for the broker; more are dropped "
          "and counted", 1, G_MAXUINT, DEFAULT_MAX_QUEUED, rw));
  g_object_class_install_property (gobject_class, PROP_FLUSH_TIMEOUT,
      g_param_spec_uint ("flush-timeout", "Flush timeout",
          "method=mqtt: at EOS and stop, milliseconds to wait for queued "
          "messages to be acknowledged", 0, G_MAXUINT, DEFAULT_FLUSH_TIMEOUT,
          rw));
  g_object_class_install_property (gobject_class, PROP_DROPPED,
      g_param_spec_uint64 ("dropped", "Dropped",
          "method=mqtt: messages dropped (queue full, or not acknowledged at "
          "stop)", 0, G_MAXUINT64, 0, ro));
  g_object_class_install_property (gobject_class, PROP_QUEUED,
      g_param_spec_uint64 ("queued", "Queued",
          "method=mqtt: messages waiting for the broker now", 0, G_MAXUINT64,
          0, ro));

  gst_element_class_set_static_metadata (element_class,
      "Face metadata publisher", "Filter/Metadata/Video",
      "Writes per-frame face metadata as JSON lines to a file or an MQTT "
      "broker", "gst-fer developers");
  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);

  trans_class->start = GST_DEBUG_FUNCPTR (gst_face_meta_publish_start);
  trans_class->stop = GST_DEBUG_FUNCPTR (gst_face_meta_publish_stop);
  trans_class->sink_event = GST_DEBUG_FUNCPTR (gst_face_meta_publish_sink_event);
  trans_class->set_caps = GST_DEBUG_FUNCPTR (gst_face_meta_publish_set_caps);
  trans_class->transform_ip =
      GST_DEBUG_FUNCPTR (gst_face_meta_publish_transform_ip);
  trans_class->passthrough_on_same_caps = TRUE;

  gst_type_mark_as_plugin_api (GST_TYPE_FACE_META_PUBLISH_METHOD,
      (GstPluginAPIFlags) 0);
  GST_DEBUG_CATEGORY_INIT (gst_face_meta_publish_debug, "facemetapublish", 0,
      "gst-fer JSON lines publisher");
}

static void
gst_face_meta_publish_init (GstFaceMetaPublish * self)
{
  STRING_PROP (self, PROP_LOCATION) = g_strdup (DEFAULT_LOCATION);
  STRING_PROP (self, PROP_HOST) = g_strdup (DEFAULT_HOST);
  STRING_PROP (self, PROP_TOPIC) = g_strdup (DEFAULT_TOPIC);
  STRING_PROP (self, PROP_SOURCE) = g_strdup (DEFAULT_SOURCE);
  self->overwrite = DEFAULT_OVERWRITE;
  self->include_features = DEFAULT_INCLUDE_FEATURES;
  self->method = DEFAULT_METHOD;
  self->port = DEFAULT_PORT;
  self->qos = DEFAULT_QOS;
  self->max_queued = DEFAULT_MAX_QUEUED;
  self->flush_timeout = DEFAULT_FLUSH_TIMEOUT;
  self->writer = nullptr;
  self->mqtt = new PublishMqttState ();
  self->counts = new PublishCounts ();
  gst_base_transform_set_passthrough (GST_BASE_TRANSFORM (self), TRUE);
}
