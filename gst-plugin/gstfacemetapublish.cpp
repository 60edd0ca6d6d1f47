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
 * to topic on the broker at host:port (libmosquitto), at QoS 0 or 1
 * (mqtt-qos). The
 * client reconnects by itself; meanwhile messages wait in a queue of at
 * most max-queued messages, and what does not fit is dropped, counted
 * (dropped), warned about and reported in the stats message.
 *
 * fields chooses the keys of each face (e.g. fields=id,bbox,emotion,pose
 * leaves out the 478 landmarks and 52 blendshapes: a line of about 12 KB
 * becomes about 0.45 KB) and precision the decimals of pixel values and
 * angles. With the defaults the lines hold every key but the features.
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

#include <chrono>
#include <memory>
#include <string>

#include <gst/video/video.h>

#include "fer/error.h"
#include "fer/io/json_lines.h"
#include "fer/io/line_writer.h"
#include "fer/io/mqtt_publisher.h"
#include "gstfermeta.h"
#include "gstfersourceevent.h"

GST_DEBUG_CATEGORY_STATIC (gst_fer_face_meta_publish_debug);
#define GST_CAT_DEFAULT gst_fer_face_meta_publish_debug

enum
{
  PROP_0,
  PROP_METHOD,
  PROP_LOCATION,
  PROP_OVERWRITE,
  PROP_FIELDS,
  PROP_PRECISION,
  PROP_INCLUDE_FEATURES,
  PROP_HOST,
  PROP_PORT,
  PROP_TOPIC,
  PROP_SOURCE,
  PROP_CLIENT_ID,
  PROP_MQTT_QOS,
  PROP_USERNAME,
  PROP_PASSWORD,
  PROP_TLS_CA_FILE,
  PROP_TLS_CERT_FILE,
  PROP_TLS_KEY_FILE,
  PROP_MAX_QUEUED,
  PROP_FLUSH_TIMEOUT,
  PROP_DROPPED,
  PROP_QUEUED,
};

/* The properties. The MQTT client's defaults are fer::MqttPublisherOptions',
 * the lines' fer::JsonLinesOptions'; the rest belongs to the element. */
struct PublishSettings
{
  GstFerPublishMethod method = GST_FER_PUBLISH_METHOD_FILE;
  std::string location = "-";
  bool overwrite = false;
  std::string fields;           /* "" = fer::kDefaultFaceFields */
  int precision = fer::JsonLinesOptions {}.precision;
  bool include_features = false;
  fer::MqttPublisherOptions mqtt;       /* its topic: the expanded pattern */
  std::string topic = "gst-fer/{source}/faces";
  std::string source = "default";
  guint flush_timeout = 5000;
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

/* The element's C++ state: created in init, deleted in finalize. */
struct FaceMetaPublishPrivate
{
  PublishSettings settings;     /* object lock */

  /* While started: where the lines go, and the same sink as an MQTT client
   * (for its counts) with method=mqtt. Set under the object lock. */
  std::shared_ptr < fer::LineSink > sink;
  fer::MqttPublisher *mqtt = nullptr;
  std::string topic;            /* {source} substituted */
  fer::MqttPublisherStats last; /* the counts after stop */
  bool overflowing = false;
  std::uint64_t dropped_before_overflow = 0;
  bool eos_flushed = false;

  fer::JsonLinesOptions json;   /* fields and precision, read at start */
  PublishCounts counts;
  GstVideoInfo info;
  bool have_info = false;
  gint64 frames_without_meta = 0;
  gint64 frame_counter = 0;
};

struct _GstFerFaceMetaPublish
{
  GstBaseTransform parent;
  FaceMetaPublishPrivate *priv;
};

#define gst_fer_face_meta_publish_parent_class parent_class
G_DEFINE_TYPE (GstFerFaceMetaPublish, gst_fer_face_meta_publish,
    GST_TYPE_BASE_TRANSFORM);
GST_ELEMENT_REGISTER_DEFINE (facemetapublish, "facemetapublish",
    GST_RANK_NONE, GST_TYPE_FER_FACE_META_PUBLISH);

GType
gst_fer_publish_method_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    {GST_FER_PUBLISH_METHOD_FILE,
        "JSON lines to a file or standard output (location)", "file"},
    {GST_FER_PUBLISH_METHOD_MQTT,
        "One MQTT message per frame (host, port, topic)", "mqtt"},
    {0, nullptr, nullptr},
  };
  if (g_once_init_enter (&type)) {
    GType t = g_enum_register_static ("GstFerPublishMethod", values);
    g_once_init_leave (&type, t);
  }
  return type;
}

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS ("video/x-raw(ANY)"));
static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS ("video/x-raw(ANY)"));

/* The string property `prop_id` of the settings, or nullptr. */
static std::string *
string_setting (PublishSettings & s, guint prop_id)
{
  switch (prop_id) {
    case PROP_LOCATION:
      return &s.location;
    case PROP_FIELDS:
      return &s.fields;
    case PROP_HOST:
      return &s.mqtt.host;
    case PROP_TOPIC:
      return &s.topic;
    case PROP_SOURCE:
      return &s.source;
    case PROP_CLIENT_ID:
      return &s.mqtt.client_id;
    case PROP_USERNAME:
      return &s.mqtt.username;
    case PROP_PASSWORD:
      return &s.mqtt.password;
    case PROP_TLS_CA_FILE:
      return &s.mqtt.tls_ca_file;
    case PROP_TLS_CERT_FILE:
      return &s.mqtt.tls_cert_file;
    case PROP_TLS_KEY_FILE:
      return &s.mqtt.tls_key_file;
    default:
      return nullptr;
  }
}

/* The counts now: from the running client, else the last ones. Object lock
 * held. */
static fer::MqttPublisherStats
current_stats (FaceMetaPublishPrivate * p)
{
  return p->mqtt ? p->mqtt->stats () : p->last;
}

static void
gst_fer_face_meta_publish_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstFerFaceMetaPublish *self = GST_FER_FACE_META_PUBLISH (object);
  PublishSettings & s = self->priv->settings;

  GST_OBJECT_LOCK (self);
  if (std::string * str = string_setting (s, prop_id)) {
    const gchar *v = g_value_get_string (value);
    *str = v ? v : "";
  } else {
    switch (prop_id) {
      case PROP_METHOD:
        s.method = (GstFerPublishMethod) g_value_get_enum (value);
        break;
      case PROP_OVERWRITE:
        s.overwrite = g_value_get_boolean (value);
        break;
      case PROP_PRECISION:
        s.precision = g_value_get_int (value);
        break;
      case PROP_INCLUDE_FEATURES:
        s.include_features = g_value_get_boolean (value);
        break;
      case PROP_PORT:
        s.mqtt.port = g_value_get_int (value);
        break;
      case PROP_MQTT_QOS:
        s.mqtt.qos = (int) g_value_get_uint (value);
        break;
      case PROP_MAX_QUEUED:
        s.mqtt.max_queued = g_value_get_uint (value);
        break;
      case PROP_FLUSH_TIMEOUT:
        s.flush_timeout = g_value_get_uint (value);
        break;
      default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_fer_face_meta_publish_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec)
{
  GstFerFaceMetaPublish *self = GST_FER_FACE_META_PUBLISH (object);
  PublishSettings & s = self->priv->settings;

  GST_OBJECT_LOCK (self);
  if (const std::string * str = string_setting (s, prop_id)) {
    g_value_set_string (value, str->empty ()? nullptr : str->c_str ());
  } else {
    switch (prop_id) {
      case PROP_METHOD:
        g_value_set_enum (value, s.method);
        break;
      case PROP_OVERWRITE:
        g_value_set_boolean (value, s.overwrite);
        break;
      case PROP_PRECISION:
        g_value_set_int (value, s.precision);
        break;
      case PROP_INCLUDE_FEATURES:
        g_value_set_boolean (value, s.include_features);
        break;
      case PROP_PORT:
        g_value_set_int (value, s.mqtt.port);
        break;
      case PROP_MQTT_QOS:
        g_value_set_uint (value, (guint) s.mqtt.qos);
        break;
      case PROP_MAX_QUEUED:
        g_value_set_uint (value, (guint) s.mqtt.max_queued);
        break;
      case PROP_FLUSH_TIMEOUT:
        g_value_set_uint (value, s.flush_timeout);
        break;
      case PROP_DROPPED:
        g_value_set_uint64 (value, current_stats (self->priv).dropped);
        break;
      case PROP_QUEUED:
        g_value_set_uint64 (value, current_stats (self->priv).queued);
        break;
      default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
  }
  GST_OBJECT_UNLOCK (self);
}

/* "facemetapublish-stats"; reason is "interval", "eos" or "stop". */
static void
post_stats (GstFerFaceMetaPublish * self, const char *reason)
{
  FaceMetaPublishPrivate *p = self->priv;
  const PublishCounts & c = p->counts;
  std::string source = c.source;
  bool mqtt;

  GST_OBJECT_LOCK (self);
  if (!c.have_origin)
    source = p->settings.source;
  mqtt = p->settings.method == GST_FER_PUBLISH_METHOD_MQTT;
  const fer::MqttPublisherStats s = current_stats (p);
  GST_OBJECT_UNLOCK (self);

  GstStructure *st = gst_structure_new ("facemetapublish-stats",
      "reason", G_TYPE_STRING, reason,
      "source", G_TYPE_STRING, source.c_str (),
      "frames", G_TYPE_UINT64, (guint64) c.frames,
      "faces", G_TYPE_UINT64, (guint64) c.faces, nullptr);
  if (c.have_origin)
    gst_structure_set (st,
        "frames-in", G_TYPE_UINT64, (guint64) c.frames_in,
        "frames-dropped", G_TYPE_UINT64, (guint64) c.frames_dropped, nullptr);
  if (mqtt)
    gst_structure_set (st,
        "topic", G_TYPE_STRING, p->topic.c_str (),
        "connected", G_TYPE_BOOLEAN, (gboolean) s.connected,
        "submitted", G_TYPE_UINT64, (guint64) s.submitted,
        "published", G_TYPE_UINT64, (guint64) s.published,
        "acknowledged", G_TYPE_UINT64, (guint64) s.acknowledged,
        "queued", G_TYPE_UINT64, (guint64) s.queued,
        "dropped", G_TYPE_UINT64, (guint64) s.dropped, nullptr);
  gst_element_post_message (GST_ELEMENT (self),
      gst_message_new_element (GST_OBJECT (self), st));
}

/* Network thread of the MQTT client: connection changes. */
static void
on_mqtt_event (GstFerFaceMetaPublish * self, const std::string & broker,
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

/* The MQTT client, or nullptr after posting the error. */
static std::shared_ptr < fer::LineSink >
start_mqtt (GstFerFaceMetaPublish * self, const PublishSettings & s)
{
  FaceMetaPublishPrivate *p = self->priv;
  fer::MqttPublisherOptions o = s.mqtt;

  p->overflowing = false;
  p->eos_flushed = false;
  try {
    o.topic = fer::expand_mqtt_topic (s.topic, s.source);
    const std::string broker = o.host + ":" + std::to_string (o.port);
    auto on_event =[self, broker] (fer::MqttEvent e, const std::string & d) {
      on_mqtt_event (self, broker, e, d);
    };
    std::shared_ptr < fer::MqttPublisher > client =
        fer::MqttPublisher::Create (o, on_event);
    GST_INFO_OBJECT (self, "publishing to %s topic \"%s\" as client \"%s\"",
        broker.c_str (), o.topic.c_str (), client->client_id ().c_str ());
    GST_OBJECT_LOCK (self);
    p->mqtt = client.get ();
    p->topic = o.topic;
    p->last = {};
    GST_OBJECT_UNLOCK (self);
    return client;
  }
  catch (const std::exception & e) {
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS, ("%s", e.what ()),
        ("facemetapublish method=mqtt: invalid settings"));
    return nullptr;
  }
}

/* The file (shared with other writers of the same path), or nullptr after
 * posting the error. */
static std::shared_ptr < fer::LineSink >
start_file (GstFerFaceMetaPublish * self, const PublishSettings & s)
{
  const std::string location = s.location.empty ()? "-" : s.location;
  try {
    return fer::LineWriter::Create (location, s.overwrite);
  }
  catch (const fer::FileExists &) {
    GST_ELEMENT_ERROR (self, RESOURCE, OPEN_WRITE,
        ("File \"%s\" already exists.", location.c_str ()),
        ("Refusing to overwrite it; set overwrite=true to replace it."));
  }
  catch (const std::exception & e) {
    GST_ELEMENT_ERROR (self, RESOURCE, OPEN_WRITE,
        ("Could not open file \"%s\" for writing.", location.c_str ()),
        ("%s", e.what ()));
  }
  return nullptr;
}

static gboolean
gst_fer_face_meta_publish_start (GstBaseTransform * trans)
{
  GstFerFaceMetaPublish *self = GST_FER_FACE_META_PUBLISH (trans);
  FaceMetaPublishPrivate *p = self->priv;

  GST_OBJECT_LOCK (self);
  const PublishSettings s = p->settings;
  GST_OBJECT_UNLOCK (self);

  try {
    p->json.fields = s.fields.empty ()? fer::kDefaultFaceFields :
        fer::parse_face_fields (s.fields);
    p->json.precision = s.precision;
  }
  catch (const std::exception & e) {
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS, ("%s", e.what ()),
        ("facemetapublish fields"));
    return FALSE;
  }
  p->frames_without_meta = 0;
  p->frame_counter = 0;
  p->have_info = false;
  p->counts = PublishCounts ();
  std::shared_ptr < fer::LineSink > sink =
      s.method == GST_FER_PUBLISH_METHOD_MQTT ? start_mqtt (self, s) :
      start_file (self, s);
  GST_OBJECT_LOCK (self);
  p->sink = sink;
  GST_OBJECT_UNLOCK (self);
  return sink != nullptr;
}

/* Waits (bounded) for the queue to drain, closes the connection and reports
 * what could not be delivered as dropped. */
static void
stop_mqtt (GstFerFaceMetaPublish * self, fer::LineSink & client)
{
  FaceMetaPublishPrivate *p = self->priv;
  guint timeout;

  GST_OBJECT_LOCK (self);
  timeout = p->eos_flushed ? 0 : p->settings.flush_timeout;
  GST_OBJECT_UNLOCK (self);

  const std::size_t abandoned = client.Close (std::chrono::milliseconds (timeout));
  GST_OBJECT_LOCK (self);
  const fer::MqttPublisherStats s = p->mqtt->stats ();
  p->last = s;
  p->mqtt = nullptr;
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
gst_fer_face_meta_publish_stop (GstBaseTransform * trans)
{
  GstFerFaceMetaPublish *self = GST_FER_FACE_META_PUBLISH (trans);
  FaceMetaPublishPrivate *p = self->priv;

  if (p->mqtt)
    stop_mqtt (self, *p->sink);
  GST_OBJECT_LOCK (self);
  std::shared_ptr < fer::LineSink > sink = std::move (p->sink);
  GST_OBJECT_UNLOCK (self);
  return TRUE;
}

/* Queues the line on the broker's client; warns once per overflow episode. */
static void
send_mqtt (GstFerFaceMetaPublish * self, std::string line)
{
  FaceMetaPublishPrivate *p = self->priv;
  const bool queued = p->sink->Send (std::move (line));
  const fer::MqttPublisherStats s = p->mqtt->stats ();

  if (!queued && !p->overflowing) {
    p->overflowing = true;
    p->dropped_before_overflow = s.dropped - 1;
    GST_ELEMENT_WARNING (self, RESOURCE, NO_SPACE_LEFT,
        ("MQTT queue full (max-queued=%" G_GUINT64_FORMAT "): dropping new "
            "messages until the broker takes some; %" G_GUINT64_FORMAT
            " dropped so far.", (guint64) p->mqtt->options ().max_queued,
            (guint64) s.dropped),
        ("broker %s, %s", p->mqtt->options ().host.c_str (),
            s.connected ? "connected" : "not connected"));
  } else if (queued && p->overflowing) {
    p->overflowing = false;
    GST_ELEMENT_INFO (self, RESOURCE, NO_SPACE_LEFT,
        ("MQTT queue has room again: %" G_GUINT64_FORMAT " messages were "
            "dropped while it was full (%" G_GUINT64_FORMAT " in total).",
            (guint64) (s.dropped - p->dropped_before_overflow),
            (guint64) s.dropped), (nullptr));
  }
}

/* Sends one line (without newline) to the file or the broker. */
static gboolean
send_line (GstFerFaceMetaPublish * self, std::string line)
{
  if (self->priv->mqtt) {
    send_mqtt (self, std::move (line));
    return TRUE;
  }
  try {
    self->priv->sink->Send (std::move (line));
  }
  catch (const std::exception & e) {
    GST_ELEMENT_ERROR (self, RESOURCE, WRITE, ("Could not write metadata."),
        ("%s", e.what ()));
    return FALSE;
  }
  return TRUE;
}

static gboolean
gst_fer_face_meta_publish_sink_event (GstBaseTransform * trans,
    GstEvent * event)
{
  GstFerFaceMetaPublish *self = GST_FER_FACE_META_PUBLISH (trans);
  FaceMetaPublishPrivate *p = self->priv;

  if (GST_EVENT_TYPE (event) == GST_EVENT_CUSTOM_DOWNSTREAM
      && gst_event_has_name (event, GST_FER_SOURCE_EVENT_NAME) && p->sink) {
    /* A livesource's source-lost / source-restored: an event line. */
    send_line (self, fer::to_json_line (gst_fer_source_event_parse
            (gst_event_get_structure (event))));
  } else if (p->mqtt && GST_EVENT_TYPE (event) == GST_EVENT_EOS) {
    guint timeout;
    GST_OBJECT_LOCK (self);
    timeout = p->settings.flush_timeout;
    GST_OBJECT_UNLOCK (self);
    const bool drained = p->sink->Flush (std::chrono::milliseconds (timeout));
    const fer::MqttPublisherStats s = p->mqtt->stats ();
    p->eos_flushed = true;
    if (!drained)
      GST_ELEMENT_WARNING (self, RESOURCE, WRITE,
          ("%" G_GUINT64_FORMAT " MQTT messages still not acknowledged by the "
              "broker at EOS.", (guint64) s.queued),
          ("flush-timeout: %u ms; they count as dropped if still queued when "
              "the element stops", timeout));
  } else if (GST_EVENT_TYPE (event) == GST_EVENT_FLUSH_STOP) {
    p->eos_flushed = false;
    p->counts.last_stats_pts = GST_CLOCK_TIME_NONE;
  }
  if (GST_EVENT_TYPE (event) == GST_EVENT_EOS)
    post_stats (self, "eos");
  return GST_BASE_TRANSFORM_CLASS (parent_class)->sink_event (trans, event);
}

static gboolean
gst_fer_face_meta_publish_set_caps (GstBaseTransform * trans, GstCaps * incaps,
    GstCaps *)
{
  GstFerFaceMetaPublish *self = GST_FER_FACE_META_PUBLISH (trans);

  self->priv->have_info = gst_video_info_from_caps (&self->priv->info, incaps);
  return TRUE;
}

/* The stats message every second of stream time. */
static void
maybe_post_stats (GstFerFaceMetaPublish * self, GstBuffer * buf)
{
  PublishCounts & c = self->priv->counts;
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

/* The frame's line; a frame without the faces meta still gets one (with no
 * faces), so frame counts stay honest. */
static std::string
frame_line (GstFerFaceMetaPublish * self, GstBuffer * buf,
    const fer::FrameOrigin * origin)
{
  FaceMetaPublishPrivate *p = self->priv;
  GstFerFacesMeta *meta = gst_buffer_get_fer_faces_meta (buf);
  fer::JsonLinesOptions json = p->json;

  GST_OBJECT_LOCK (self);
  if (p->settings.include_features)
    json.fields |= fer::kFieldFeatures;
  GST_OBJECT_UNLOCK (self);
  if (meta) {
    p->counts.faces += meta->faces->faces.size ();
    return fer::to_json_line (*meta->faces, json, origin);
  }
  if (p->frames_without_meta++ == 0)
    GST_ELEMENT_WARNING (self, STREAM, FORMAT,
        ("Buffers carry no faces metadata: writing frames without faces."),
        ("Is facelandmarks upstream of facemetapublish?"));
  fer::FrameFaces empty;
  empty.frame = p->frame_counter;
  if (GST_BUFFER_PTS_IS_VALID (buf))
    empty.pts = (gint64) GST_BUFFER_PTS (buf);
  if (p->have_info) {
    empty.width = GST_VIDEO_INFO_WIDTH (&p->info);
    empty.height = GST_VIDEO_INFO_HEIGHT (&p->info);
  }
  return fer::to_json_line (empty, json, origin);
}

static GstFlowReturn
gst_fer_face_meta_publish_transform_ip (GstBaseTransform * trans,
    GstBuffer * buf)
{
  GstFerFaceMetaPublish *self = GST_FER_FACE_META_PUBLISH (trans);
  FaceMetaPublishPrivate *p = self->priv;
  GstFerSourceMeta *source = gst_buffer_get_fer_source_meta (buf);
  fer::FrameOrigin origin;
  std::string line;

  if (source) {
    origin.source = g_quark_to_string (source->source);
    origin.dropped = source->dropped;
    p->counts.have_origin = true;
    p->counts.source = origin.source;
    p->counts.frames_in = source->sequence + 1;
    p->counts.frames_dropped = source->dropped;
  }
  try {
    line = frame_line (self, buf, source ? &origin : nullptr);
  }
  catch (const std::exception & e) {
    GST_ELEMENT_ERROR (self, STREAM, FAILED, ("Could not serialise faces."),
        ("%s", e.what ()));
    return GST_FLOW_ERROR;
  }
  p->frame_counter++;
  p->counts.frames++;
  if (!send_line (self, std::move (line)))
    return GST_FLOW_ERROR;
  maybe_post_stats (self, buf);
  return GST_FLOW_OK;
}

static void
gst_fer_face_meta_publish_finalize (GObject * object)
{
  GstFerFaceMetaPublish *self = GST_FER_FACE_META_PUBLISH (object);

  delete self->priv;
  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static void
install_string (GObjectClass * gobject_class, guint prop_id,
    const gchar * name, const gchar * blurb, const std::string & default_value)
{
  /* GParamSpec copies the default. */
  g_object_class_install_property (gobject_class, prop_id,
      g_param_spec_string (name, name, blurb,
          default_value.empty ()? nullptr : default_value.c_str (),
          (GParamFlags) (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
              GST_PARAM_MUTABLE_READY)));
}

static void
gst_fer_face_meta_publish_class_init (GstFerFaceMetaPublishClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBaseTransformClass *trans_class = GST_BASE_TRANSFORM_CLASS (klass);
  const GParamFlags rw = (GParamFlags) (G_PARAM_READWRITE |
      G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY);
  const GParamFlags ro = (GParamFlags) (G_PARAM_READABLE |
      G_PARAM_STATIC_STRINGS);
  const PublishSettings defaults;
  const std::string field_list = "Keys of each face to write, comma-separated, "
      "from " + fer::face_field_names () + " (NULL: all but features; e.g. "
      "id,bbox,emotion,pose leaves out the landmarks and blendshapes)";

  gobject_class->set_property = gst_fer_face_meta_publish_set_property;
  gobject_class->get_property = gst_fer_face_meta_publish_get_property;
  gobject_class->finalize = gst_fer_face_meta_publish_finalize;

  g_object_class_install_property (gobject_class, PROP_METHOD,
      g_param_spec_enum ("method", "Method",
          "Where the JSON lines go: a file (location) or an MQTT broker",
          GST_TYPE_FER_PUBLISH_METHOD, defaults.method, rw));
  install_string (gobject_class, PROP_LOCATION, "location",
      "method=file: file to write JSON lines to, or \"-\" for standard output",
      defaults.location);
  g_object_class_install_property (gobject_class, PROP_OVERWRITE,
      g_param_spec_boolean ("overwrite", "Overwrite",
          "method=file: replace an existing file instead of failing",
          defaults.overwrite, rw));
  /* The blurb must outlive the class: interned. */
  g_object_class_install_property (gobject_class, PROP_FIELDS,
      g_param_spec_string ("fields", "Fields",
          g_intern_string (field_list.c_str ()), nullptr, rw));
  g_object_class_install_property (gobject_class, PROP_PRECISION,
      g_param_spec_int ("precision", "Precision",
          "Decimal places of pixel values (bbox, landmarks) and angles; "
          "scores and probabilities keep 4", 0, 6, defaults.precision, rw));
  g_object_class_install_property (gobject_class, PROP_INCLUDE_FEATURES,
      g_param_spec_boolean ("include-features", "Include features",
          "Also write the wavelet features waveletencode attaches "
          "(about 60 KB per face and encoding)",
          defaults.include_features, (GParamFlags) (G_PARAM_READWRITE |
              G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_PLAYING)));

  install_string (gobject_class, PROP_HOST, "host",
      "method=mqtt: broker host name or address", defaults.mqtt.host);
  g_object_class_install_property (gobject_class, PROP_PORT,
      g_param_spec_int ("port", "Port", "method=mqtt: broker TCP port",
          1, 65535, defaults.mqtt.port, rw));
  install_string (gobject_class, PROP_TOPIC, "topic",
      "method=mqtt: topic of the messages; {source} is replaced by source",
      defaults.topic);
  install_string (gobject_class, PROP_SOURCE, "source",
      "Name of the stream, put in the topic's {source} (the JSON lines take "
      "the name of the livesource the frames come from)", defaults.source);
  install_string (gobject_class, PROP_CLIENT_ID, "client-id",
      "method=mqtt: MQTT client id (NULL: a unique gst-fer-... id)",
      defaults.mqtt.client_id);
  g_object_class_install_property (gobject_class, PROP_MQTT_QOS,
      g_param_spec_uint ("mqtt-qos", "MQTT QoS",
          "method=mqtt: 0 = at most once, 1 = at least once (a message leaves "
          "the queue when the broker acknowledged it)", 0, 1,
          (guint) defaults.mqtt.qos, rw));
  install_string (gobject_class, PROP_USERNAME, "username",
      "method=mqtt: user name for the broker (NULL: none)",
      defaults.mqtt.username);
  install_string (gobject_class, PROP_PASSWORD, "password",
      "method=mqtt: password for the broker (needs username)",
      defaults.mqtt.password);
  install_string (gobject_class, PROP_TLS_CA_FILE, "tls-ca-file",
      "method=mqtt: PEM file of the CA certificates to verify the broker "
      "with; set, it switches TLS on", defaults.mqtt.tls_ca_file);
  install_string (gobject_class, PROP_TLS_CERT_FILE, "tls-cert-file",
      "method=mqtt: PEM client certificate (with tls-key-file)",
      defaults.mqtt.tls_cert_file);
  install_string (gobject_class, PROP_TLS_KEY_FILE, "tls-key-file",
      "method=mqtt: PEM private key of tls-cert-file (unencrypted)",
      defaults.mqtt.tls_key_file);
  g_object_class_install_property (gobject_class, PROP_MAX_QUEUED,
      g_param_spec_uint ("max-queued", "Max queued",
          "method=mqtt: most messages waiting for the broker; more are dropped "
          "and counted", 1, G_MAXUINT, (guint) defaults.mqtt.max_queued, rw));
  g_object_class_install_property (gobject_class, PROP_FLUSH_TIMEOUT,
      g_param_spec_uint ("flush-timeout", "Flush timeout",
          "method=mqtt: at EOS and stop, milliseconds to wait for queued "
          "messages to be acknowledged", 0, G_MAXUINT, defaults.flush_timeout,
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

  trans_class->start = GST_DEBUG_FUNCPTR (gst_fer_face_meta_publish_start);
  trans_class->stop = GST_DEBUG_FUNCPTR (gst_fer_face_meta_publish_stop);
  trans_class->sink_event =
      GST_DEBUG_FUNCPTR (gst_fer_face_meta_publish_sink_event);
  trans_class->set_caps = GST_DEBUG_FUNCPTR (gst_fer_face_meta_publish_set_caps);
  trans_class->transform_ip =
      GST_DEBUG_FUNCPTR (gst_fer_face_meta_publish_transform_ip);
  trans_class->passthrough_on_same_caps = TRUE;

  gst_type_mark_as_plugin_api (GST_TYPE_FER_PUBLISH_METHOD,
      (GstPluginAPIFlags) 0);
  GST_DEBUG_CATEGORY_INIT (gst_fer_face_meta_publish_debug, "facemetapublish",
      0, "gst-fer JSON lines publisher");
}

static void
gst_fer_face_meta_publish_init (GstFerFaceMetaPublish * self)
{
  self->priv = new FaceMetaPublishPrivate ();
  gst_base_transform_set_passthrough (GST_BASE_TRANSFORM (self), TRUE);
}
