// SPDX-License-Identifier: LGPL-2.1-or-later
/**
 * SECTION:element-livesource
 * @title: livesource
 *
 * A video source for analytics on cameras: decodes any URI (rtsp://, a
 * file, v4l2://, http://, ...) to raw video and keeps going when the
 * camera does not.
 *
 * Live sources (anything but file://, or a file with pace=true) are
 * decoupled from the analytics by a leaky queue of max-buffers frames: when
 * the analytics fall behind, the oldest waiting frame is dropped, so
 * latency never builds up. Every frame leaves with a #GstFerSourceMeta
 * (source name, index among the frames received, frames dropped so far),
 * which facemetapublish writes as the "source" and "dropped" fields. A file
 * without pace is read as fast as the analytics go and never dropped.
 *
 * A file that gives no frame within timeout ms of starting is an error
 * (damaged, truncated or without video) rather than a wait for ever: for
 * some truncated files decodebin loses the demuxer's own error. A file that
 * ends with more than 3 % of the frames it declares missing ends with a
 * warning giving both counts. A file:// URI must name a regular file: a
 * FIFO or device, whose open or read could block for ever, fails the start.
 *
 * When a live source fails (an error, the end of its stream, or no frame
 * for timeout ms), it is torn down and opened again after retry-delay ms,
 * doubling up to retry-max-delay ms, until it delivers frames again;
 * downstream keeps running. Each loss and each recovery is sent downstream
 * as a "fer-source-event" custom event (facemetapublish writes a
 * source-lost / source-restored line), posted as a "livesource-lost" /
 * "livesource-restored" element message, and the loss as a warning.
 * Sending EOS to the element (gst-launch-1.0 -e, Ctrl-C) ends the stream
 * even while it is reconnecting.
 *
 * Every stats-interval ms it posts a "livesource-stats" element message:
 * source, uri, connected, frames-in, analysed, dropped, reconnects.
 *
 * ## Example launch lines
 * |[
 * gst-launch-1.0 -e livesource uri=rtsp://192.168.1.20/stream name=door ! \
 *     videoconvert ! facelandmarks ! emotionclassify ! \
 *     facemetapublish location=door.jsonl ! fakesink
 * gst-launch-1.0 -e livesource uri=file:///data/franck.mp4 pace=true ! \
 *     videoconvert ! facelandmarks ! overlay ! videoconvert ! autovideosink
 * ]|
 */
#include "gstlivesource.h"

#include <glib/gstdio.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include <atomic>
#include <chrono>
#include <string>

#include "fer/retry_backoff.h"
#include "gstfermeta.h"
#include "gstfersourceevent.h"

GST_DEBUG_CATEGORY_STATIC (gst_live_source_debug);
#define GST_CAT_DEFAULT gst_live_source_debug

enum
{
  PROP_0,
  PROP_URI,
  PROP_SOURCE,
  PROP_PACE,
  PROP_MAX_BUFFERS,
  PROP_TIMEOUT,
  PROP_RETRY_DELAY,
  PROP_RETRY_MAX_DELAY,
  PROP_LATENCY,
  PROP_STATS_INTERVAL,
  PROP_CONNECTED,
  PROP_FRAMES_IN,
  PROP_ANALYSED,
  PROP_DROPPED,
  PROP_RECONNECTS,
};

#define DEFAULT_PACE FALSE
#define DEFAULT_MAX_BUFFERS 1
#define DEFAULT_TIMEOUT 5000
#define DEFAULT_RETRY_DELAY 500
#define DEFAULT_RETRY_MAX_DELAY 8000
#define DEFAULT_LATENCY 200
#define DEFAULT_STATS_INTERVAL 1000

/* How often the supervisor looks at the watchdog and the stats clock. */
#define SUPERVISOR_TICK_US (50 * G_TIME_SPAN_MILLISECOND)

struct _GstLiveSource
{
  GstBin parent;

  /* Properties (object lock). */
  gchar *uri;
  gchar *source;
  gboolean pace;
  guint max_buffers;
  guint timeout_ms;
  guint retry_delay_ms;
  guint retry_max_delay_ms;
  guint latency_ms;
  guint stats_interval_ms;

  /* Fixed children: the queue decouples the analytics from the source. */
  GstElement *queue;
  GstPad *queue_sink;

  /* Replaced on each (re)connection; only the supervisor thread and the
   * state changes touch it, never both at once. */
  GstElement *decoder;
  GstElement *pacer;

  /* Read in streaming threads. live: drop frames rather than fall behind;
   * reconnect: errors and EOS of the source mean "lost", not the end. */
  gboolean live;
  gboolean reconnect;
  GQuark source_quark;
  std::atomic < guint64 > frames_in;
  std::atomic < guint64 > analysed;
  std::atomic < guint64 > dropped;
  std::atomic < guint > reconnects;
  std::atomic < bool > connected;
  std::atomic < gint64 > last_frame_us;   /* monotonic */
  /* A file: when it started waiting for its first frame (monotonic); 0 when
   * not waiting. */
  std::atomic < gint64 > file_wait_since_us;
  std::atomic < bool > eos_requested;

  /* Supervisor (lock + cond). */
  GThread *supervisor;
  GMutex lock;
  GCond cond;
  gboolean stopping;
  gboolean lost_pending;
  std::string *lost_reason;
  GstStructure *pending_restored;   /* source-restored, not yet pushed */
  gint64 lost_since_us;         /* monotonic; 0 while connected */
  fer::RetryBackoff * backoff;
};

#define gst_live_source_parent_class parent_class
G_DEFINE_TYPE (GstLiveSource, gst_live_source, GST_TYPE_BIN);
GST_ELEMENT_REGISTER_DEFINE (livesource, "livesource", GST_RANK_NONE,
    GST_TYPE_LIVE_SOURCE);

static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS ("video/x-raw(ANY)"));

static std::string
source_name (GstLiveSource * self)
{
  std::string name;
  GST_OBJECT_LOCK (self);
  name = self->source ? self->source : GST_OBJECT_NAME (self);
  GST_OBJECT_UNLOCK (self);
  return name;
}

static std::string
current_uri (GstLiveSource * self)
{
  std::string uri;
  GST_OBJECT_LOCK (self);
  uri = self->uri ? self->uri : "";
  GST_OBJECT_UNLOCK (self);
  return uri;
}

/* The fer-source-event of kind with the fields both kinds have; the
 * caller adds its own. */
static GstStructure *
source_event (GstLiveSource * self, const gchar * kind)
{
  const std::string name = source_name (self), uri = current_uri (self);
  GstStructure *s = gst_structure_new (GST_FER_SOURCE_EVENT_NAME,
      "event", G_TYPE_STRING, kind,
      "source", G_TYPE_STRING, name.c_str (),
      "uri", G_TYPE_STRING, uri.c_str (),
      "time", G_TYPE_INT64, g_get_real_time (),
      "frames-in", G_TYPE_UINT64, (guint64) self->frames_in.load (),
      "dropped", G_TYPE_UINT64, (guint64) self->dropped.load (), nullptr);
  return s;
}

/* Pushes the event downstream of the queue (a leaky queue may drop events
 * too) and posts it as a livesource-lost / livesource-restored message. */
static void
push_source_event (GstLiveSource * self, GstPad * queue_src, GstStructure * s)
{
  GstStructure *message = gst_structure_copy (s);
  const bool lost = g_str_equal (gst_structure_get_string (s, "event"),
      "source-lost");
  gst_structure_set_name (message, lost ? "livesource-lost" :
      "livesource-restored");
  gst_pad_push_event (queue_src,
      gst_event_new_custom (GST_EVENT_CUSTOM_DOWNSTREAM, s));
  gst_element_post_message (GST_ELEMENT (self),
      gst_message_new_element (GST_OBJECT (self), message));
}

static void
post_stats (GstLiveSource * self)
{
  const std::string name = source_name (self), uri = current_uri (self);
  GstStructure *s = gst_structure_new ("livesource-stats",
      "source", G_TYPE_STRING, name.c_str (),
      "uri", G_TYPE_STRING, uri.c_str (),
      "connected", G_TYPE_BOOLEAN, (gboolean) self->connected.load (),
      "frames-in", G_TYPE_UINT64, (guint64) self->frames_in.load (),
      "analysed", G_TYPE_UINT64, (guint64) self->analysed.load (),
      "dropped", G_TYPE_UINT64, (guint64) self->dropped.load (),
      "reconnects", G_TYPE_UINT, self->reconnects.load (), nullptr);
  gst_element_post_message (GST_ELEMENT (self),
      gst_message_new_element (GST_OBJECT (self), s));
}

/* Reports the source lost (lock held); the supervisor tears it down and
 * reopens it. The first reason of an outage is kept; after EOS, or while
 * stopping, nothing is reopened. */
static void
mark_lost_locked (GstLiveSource * self, const std::string & reason)
{
  if (self->lost_pending || self->stopping || self->eos_requested.load ())
    return;
  self->lost_pending = TRUE;
  *self->lost_reason = reason;
  g_cond_signal (&self->cond);
}

/* A file that reached its end with fewer frames than its container declares
 * (duration x frame rate) was cut short or has a damaged stretch the
 * decoder skipped: the run "succeeds", so say so with the counts. The
 * tolerance covers containers whose duration exceeds the video's (intact
 * WebMs of the test media declare 1.6-1.7 % more frames than they hold;
 * 200 kB of noise in franck.mp4 loses 5.8 %). */
static void
warn_if_file_ended_short (GstLiveSource * self, GstPad * pad)
{
  gint64 duration = -1;
  gint fps_n = 0, fps_d = 1;
  GstCaps *caps = gst_pad_get_current_caps (pad);
  if (caps) {
    gst_structure_get_fraction (gst_caps_get_structure (caps, 0), "framerate",
        &fps_n, &fps_d);
    gst_caps_unref (caps);
  }
  if (fps_n <= 0 || fps_d <= 0 || !gst_pad_peer_query_duration (pad,
          GST_FORMAT_TIME, &duration) || duration <= 0)
    return;
  const guint64 declared = gst_util_uint64_scale_round (duration, fps_n,
      (guint64) fps_d * GST_SECOND);
  const guint64 frames = self->frames_in.load ();
  const guint64 tolerance = MAX (declared * 3 / 100, 2);
  if (frames + tolerance >= declared)
    return;
  GST_ELEMENT_WARNING (self, STREAM, DECODE,
      ("%s ended after %" G_GUINT64_FORMAT " of the %" G_GUINT64_FORMAT
          " frames it declares: the file is truncated or damaged.",
          current_uri (self).c_str (), frames, declared),
      ("livesource %s: duration %" GST_TIME_FORMAT " at %d/%d fps",
          source_name (self).c_str (), GST_TIME_ARGS (duration), fps_n,
          fps_d));
}

/* Source side of the queue: count and stamp every frame; turn the first
 * frame after a loss into a source-restored event; keep a live source's
 * EOS (camera gone) from ending the stream. */
static GstPadProbeReturn
on_frame_in (GstPad * pad, GstPadProbeInfo * info, gpointer user_data)
{
  GstLiveSource *self = GST_LIVE_SOURCE (user_data);

  if (info->type & GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM) {
    GstEvent *event = GST_PAD_PROBE_INFO_EVENT (info);
    if (GST_EVENT_TYPE (event) != GST_EVENT_EOS || self->eos_requested.load ())
      return GST_PAD_PROBE_OK;
    if (!self->reconnect) {
      warn_if_file_ended_short (self, pad);
      return GST_PAD_PROBE_OK;
    }
    g_mutex_lock (&self->lock);
    mark_lost_locked (self, "the stream ended");
    g_mutex_unlock (&self->lock);
    return GST_PAD_PROBE_DROP;
  }

  GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER (info);
  self->last_frame_us.store (g_get_monotonic_time ());
  if (!self->connected.exchange (true)) {
    g_mutex_lock (&self->lock);
    const gint64 lost_since = self->lost_since_us;
    const guint attempts = (guint) self->backoff->attempts ();
    self->lost_since_us = 0;
    self->backoff->Reset ();
    g_mutex_unlock (&self->lock);
    if (lost_since > 0) {
      const guint64 down_ms =
          (guint64) (g_get_monotonic_time () - lost_since) / 1000;
      GST_ELEMENT_INFO (self, RESOURCE, OPEN_READ,
          ("Source %s is back after %" G_GUINT64_FORMAT " ms (%u attempts).",
              source_name (self).c_str (), down_ms, attempts), (nullptr));
      GstStructure *restored = source_event (self, "source-restored");
      gst_structure_set (restored, "attempts", G_TYPE_UINT, attempts,
          "down-ms", G_TYPE_UINT64, down_ms, nullptr);
      g_mutex_lock (&self->lock);
      if (self->pending_restored)
        gst_structure_free (self->pending_restored);
      self->pending_restored = restored;
      g_mutex_unlock (&self->lock);
    }
  }
  buffer = gst_buffer_make_writable (buffer);
  gst_buffer_add_fer_source_meta (buffer, self->source_quark,
      self->frames_in.fetch_add (1));
  GST_PAD_PROBE_INFO_DATA (info) = buffer;
  return GST_PAD_PROBE_OK;
}

/* Analytics side of the queue: every frame index not seen leaving was
 * dropped by the leaky queue. */
static GstPadProbeReturn
on_frame_out (GstPad * pad, GstPadProbeInfo * info, gpointer user_data)
{
  GstLiveSource *self = GST_LIVE_SOURCE (user_data);
  GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER (info);
  GstFerSourceMeta *meta = gst_buffer_get_fer_source_meta (buffer);

  if (!meta)
    return GST_PAD_PROBE_OK;
  /* The recovery goes out just before the first new frame that made it
   * through the queue. */
  g_mutex_lock (&self->lock);
  GstStructure *restored = self->pending_restored;
  self->pending_restored = nullptr;
  g_mutex_unlock (&self->lock);
  if (restored)
    push_source_event (self, pad, restored);
  const guint64 analysed = self->analysed.fetch_add (1);
  const guint64 dropped = meta->sequence - analysed;
  self->dropped.store (dropped);
  if (meta->dropped != dropped) {
    buffer = gst_buffer_make_writable (buffer);
    gst_buffer_get_fer_source_meta (buffer)->dropped = dropped;
    GST_PAD_PROBE_INFO_DATA (info) = buffer;
  }
  return GST_PAD_PROBE_OK;
}

static void
on_source_setup (GstElement *, GstElement * source, GstLiveSource * self)
{
  GObjectClass *klass = G_OBJECT_GET_CLASS (source);
  guint latency;

  GST_OBJECT_LOCK (self);
  latency = self->latency_ms;
  GST_OBJECT_UNLOCK (self);
  /* rtspsrc: TCP survives loss and NAT; a short jitter buffer keeps the
   * latency low (its default is 2 s). */
  if (g_object_class_find_property (klass, "protocols"))
    gst_util_set_object_arg (G_OBJECT (source), "protocols", "tcp");
  if (g_object_class_find_property (klass, "latency"))
    g_object_set (source, "latency", latency, nullptr);
}

static void
on_pad_added (GstElement *, GstPad * pad, GstLiveSource * self)
{
  GstPad *target = self->pacer ?
      gst_element_get_static_pad (self->pacer, "sink") :
      (GstPad *) gst_object_ref (self->queue_sink);

  if (gst_pad_is_linked (target))
    GST_DEBUG_OBJECT (self, "ignoring extra stream %s:%s",
        GST_DEBUG_PAD_NAME (pad));
  else if (GST_PAD_LINK_FAILED (gst_pad_link (pad, target)))
    GST_ELEMENT_WARNING (self, CORE, NEGOTIATION,
        ("Could not link the decoded stream of %s.",
            current_uri (self).c_str ()), (nullptr));
  gst_object_unref (target);
}

/* Builds uridecodebin (+ identity sync=true when pacing a file) and adds it
 * to the bin; the caller brings it to the bin's state. */
static gboolean
create_decoder (GstLiveSource * self)
{
  gboolean pace;
  const std::string uri = current_uri (self);

  GST_OBJECT_LOCK (self);
  pace = self->pace;
  GST_OBJECT_UNLOCK (self);

  self->decoder = gst_element_factory_make ("uridecodebin", nullptr);
  if (!self->decoder) {
    GST_ELEMENT_ERROR (self, CORE, MISSING_PLUGIN,
        ("uridecodebin is missing (gstreamer1.0-plugins-base)."), (nullptr));
    return FALSE;
  }
  GstCaps *video = gst_caps_from_string ("video/x-raw(ANY)");
  g_object_set (self->decoder, "uri", uri.c_str (), "caps", video,
      "expose-all-streams", FALSE, nullptr);
  gst_caps_unref (video);
  g_signal_connect (self->decoder, "source-setup",
      G_CALLBACK (on_source_setup), self);
  g_signal_connect (self->decoder, "pad-added", G_CALLBACK (on_pad_added),
      self);
  gst_bin_add (GST_BIN (self), self->decoder);
  if (pace) {
    self->pacer = gst_element_factory_make ("identity", nullptr);
    g_object_set (self->pacer, "sync", TRUE, nullptr);
    gst_bin_add (GST_BIN (self), self->pacer);
    gst_element_link (self->pacer, self->queue);
  }
  return TRUE;
}

/* Brings a new camera decoder to the bin's state (the state lock is held)
 * and has the pipeline recompute its latency with it. Asked for PLAYING
 * from NULL, uridecodebin around a live source commits PAUSED on its own
 * async-done, within that same call, and drops the pending PLAYING
 * (GStreamer 1.22): the camera, opened but never sent PLAY, gave no frame on
 * about half the openings. So a decoder left short of the bin's state right
 * after the call is asked again. */
static gboolean
start_decoder (GstLiveSource * self)
{
  if (!gst_element_sync_state_with_parent (self->decoder))
    return FALSE;
  GST_OBJECT_LOCK (self);
  const GstState target = GST_STATE (self);
  GST_OBJECT_UNLOCK (self);
  GstState state, pending;
  if (gst_element_get_state (self->decoder, &state, &pending, 0) !=
      GST_STATE_CHANGE_FAILURE && pending == GST_STATE_VOID_PENDING
      && state < target) {
    GST_DEBUG_OBJECT (self, "decoder stopped at %s, setting %s again",
        gst_element_state_get_name (state),
        gst_element_state_get_name (target));
    if (gst_element_set_state (self->decoder, target) ==
        GST_STATE_CHANGE_FAILURE)
      return FALSE;
  }
  /* Its async messages stay inside (handle_message), so nothing else makes
   * the pipeline count the new source's jitter buffer and decoder. */
  gst_element_post_message (GST_ELEMENT (self),
      gst_message_new_latency (GST_OBJECT (self)));
  return TRUE;
}

static void
remove_decoder (GstLiveSource * self)
{
  for (GstElement ** e : {&self->decoder, &self->pacer}) {
    if (!*e)
      continue;
    gst_element_set_locked_state (*e, TRUE);
    gst_element_set_state (*e, GST_STATE_NULL);
    gst_bin_remove (GST_BIN (self), *e);
    *e = nullptr;
  }
  /* GstBin drops the flag with its last source child; the pipeline must
   * still send EOS here while the camera is away. */
  GST_OBJECT_FLAG_SET (self, GST_ELEMENT_FLAG_SOURCE);
}

/* Gives the pages malloc keeps after a torn-down source back to the system.
 * Each reconnection's new streaming threads can land on a malloc arena that
 * had not held a decoder's frame pool yet, and the arena keeps the pool's
 * pages once freed: RSS stepped up by 3-4 MB at some reconnection while the
 * memory in use stayed flat (docs/elements/livesource.md). Called once per
 * outage, after a source that delivered frames: malloc_trim locks each
 * arena in turn, a short stall for the other streams of the process. */
static void
release_freed_memory (void)
{
#ifdef __GLIBC__
  malloc_trim (0);
#endif
}

/* Supervisor thread: tears a lost source down, reopens it with backoff,
 * watches for a source that stalls, and posts the stats. */
static gpointer
supervise (gpointer user_data)
{
  GstLiveSource *self = GST_LIVE_SOURCE (user_data);
  gint64 next_attempt_us = 0, next_stats_us = 0, attempt_started_us =
      g_get_monotonic_time ();

  g_mutex_lock (&self->lock);
  while (!self->stopping) {
    const gint64 now = g_get_monotonic_time ();
    guint timeout_ms, stats_ms;
    GST_OBJECT_LOCK (self);
    timeout_ms = self->timeout_ms;
    stats_ms = self->stats_interval_ms;
    GST_OBJECT_UNLOCK (self);

    /* A frame or attempt older than timeout: the source stalled. */
    const gint64 last_sign = MAX (self->last_frame_us.load (),
        attempt_started_us);
    if (self->reconnect && self->decoder && timeout_ms > 0
        && now - last_sign > (gint64) timeout_ms * 1000)
      mark_lost_locked (self, self->connected.load () ?
          "no frame for " + std::to_string (timeout_ms) + " ms" :
          "no frame within " + std::to_string (timeout_ms) + " ms of opening");

    /* A file without a single frame: no camera to wait for; decodebin may
     * have lost the demuxer's error, so this one is posted instead. */
    gint64 file_wait = self->file_wait_since_us.load ();
    if (!self->reconnect && file_wait > 0 && timeout_ms > 0
        && now - file_wait > (gint64) timeout_ms * 1000
        && self->frames_in.load () == 0 && !self->eos_requested.load ()
        && self->file_wait_since_us.compare_exchange_strong (file_wait, 0)) {
      g_mutex_unlock (&self->lock);
      GST_ELEMENT_ERROR (self, STREAM, FAILED,
          ("No video frame from %s within %u ms of starting: the file is "
              "damaged or truncated, or holds no video.",
              current_uri (self).c_str (), timeout_ms),
          ("livesource %s: timeout=%u ms (0: wait for ever)",
              source_name (self).c_str (), timeout_ms));
      g_mutex_lock (&self->lock);
      continue;
    }

    if (self->eos_requested.load ())
      self->lost_pending = FALSE;       /* ended: never reopen */
    const bool open_due = self->reconnect && !self->decoder
        && now >= next_attempt_us && !self->eos_requested.load ();
    /* Adding, syncing and removing the source must not interleave with a
     * state change of the bin (a source added mid-change could stay
     * behind); the change stops this thread, so never wait for it. */
    if ((self->lost_pending || open_due) && !GST_STATE_TRYLOCK (self)) {
      g_cond_wait_until (&self->cond, &self->lock,
          g_get_monotonic_time () + SUPERVISOR_TICK_US);
      continue;
    }

    if (self->lost_pending) {
      const std::string reason = *self->lost_reason;
      const bool was_connected = self->connected.exchange (false);
      const gint64 delay_us =
          std::chrono::microseconds (self->backoff->Next ()).count ();
      self->lost_pending = FALSE;
      const bool new_episode = self->lost_since_us == 0;
      if (new_episode)
        self->lost_since_us = now;
      next_attempt_us = now + delay_us;
      g_mutex_unlock (&self->lock);

      remove_decoder (self);
      GST_STATE_UNLOCK (self);
      if (was_connected)
        release_freed_memory ();
      GST_ELEMENT_WARNING (self, RESOURCE, READ,
          ("Lost source %s (%s): %s; retrying in %.1f s.",
              source_name (self).c_str (), current_uri (self).c_str (),
              reason.c_str (), delay_us / 1e6), (nullptr));
      if (new_episode) {
        GstPad *queue_src = gst_element_get_static_pad (self->queue, "src");
        GstStructure *lost = source_event (self, "source-lost");
        gst_structure_set (lost, "reason", G_TYPE_STRING, reason.c_str (),
            "connected", G_TYPE_BOOLEAN, (gboolean) was_connected, nullptr);
        push_source_event (self, queue_src, lost);
        gst_object_unref (queue_src);
      }
      g_mutex_lock (&self->lock);
      continue;
    }

    if (open_due) {
      if (self->lost_since_us > 0)
        self->reconnects++;
      g_mutex_unlock (&self->lock);
      GST_INFO_OBJECT (self, "opening %s", current_uri (self).c_str ());
      attempt_started_us = g_get_monotonic_time ();
      if (create_decoder (self) && !start_decoder (self)) {
        g_mutex_lock (&self->lock);
        mark_lost_locked (self, "could not start the source");
        g_mutex_unlock (&self->lock);
      }
      GST_STATE_UNLOCK (self);
      g_mutex_lock (&self->lock);
      continue;
    }

    if (stats_ms > 0 && now >= next_stats_us) {
      if (next_stats_us > 0) {
        g_mutex_unlock (&self->lock);
        post_stats (self);
        g_mutex_lock (&self->lock);
      }
      next_stats_us = now + (gint64) stats_ms * 1000;
    }
    g_cond_wait_until (&self->cond, &self->lock,
        g_get_monotonic_time () + SUPERVISOR_TICK_US);
  }
  g_mutex_unlock (&self->lock);
  return nullptr;
}

static void
stop_supervisor (GstLiveSource * self)
{
  if (!self->supervisor)
    return;
  g_mutex_lock (&self->lock);
  self->stopping = TRUE;
  g_cond_signal (&self->cond);
  g_mutex_unlock (&self->lock);
  g_thread_join (self->supervisor);
  self->supervisor = nullptr;
}

/* What READY -> PAUSED set up for a stream: the decoder, the backoff, a
 * pending event; the last stats are posted. */
static void
release_stream (GstLiveSource * self)
{
  remove_decoder (self);
  if (self->pending_restored)
    gst_structure_free (self->pending_restored);
  self->pending_restored = nullptr;
  delete self->backoff;
  self->backoff = nullptr;
  post_stats (self);
}

/* A camera's errors mean "camera lost": handled here, not fatal. Its
 * decoder's async state changes stay inside too: the element does not
 * preroll, and the ASYNC_START of a decoder added while playing makes the
 * bin lose its PLAYING state (and the decoder's ASYNC_DONE then commits
 * PAUSED for good). */
static void
gst_live_source_handle_message (GstBin * bin, GstMessage * message)
{
  GstLiveSource *self = GST_LIVE_SOURCE (bin);

  if (self->reconnect && (GST_MESSAGE_TYPE (message) == GST_MESSAGE_ASYNC_START
          || GST_MESSAGE_TYPE (message) == GST_MESSAGE_ASYNC_DONE)) {
    gst_message_unref (message);
    return;
  }

  if (GST_MESSAGE_TYPE (message) == GST_MESSAGE_ERROR && self->reconnect
      && GST_MESSAGE_SRC (message) != GST_OBJECT (self->queue)) {
    GError *error = nullptr;
    gst_message_parse_error (message, &error, nullptr);
    GST_DEBUG_OBJECT (self, "source error from %s: %s",
        GST_MESSAGE_SRC_NAME (message), error->message);
    /* After EOS the stream is over: a source failing then changes nothing. */
    g_mutex_lock (&self->lock);
    mark_lost_locked (self, error->message);
    g_mutex_unlock (&self->lock);
    g_error_free (error);
    gst_message_unref (message);
    return;
  }
  GST_BIN_CLASS (parent_class)->handle_message (bin, message);
}

/* EOS sent to the element ends the stream, even between reconnections: it
 * goes straight into the queue, and the source's errors are ignored from
 * then on. */
static gboolean
gst_live_source_send_event (GstElement * element, GstEvent * event)
{
  GstLiveSource *self = GST_LIVE_SOURCE (element);

  if (GST_EVENT_TYPE (event) == GST_EVENT_EOS) {
    self->eos_requested.store (true);
    return gst_pad_send_event (self->queue_sink, event);
  }
  return GST_ELEMENT_CLASS (parent_class)->send_event (element, event);
}

/* A FIFO, socket or device behind a file:// URI can block filesrc's open
 * or read for ever (a pipe with no writer sits in the state change, where no
 * timeout reaches it): only regular files are read. A missing file is left
 * to filesrc, whose error names it. */
static gboolean
check_regular_file (GstLiveSource * self, const std::string & uri)
{
  gchar *path = g_filename_from_uri (uri.c_str (), nullptr, nullptr);
  GStatBuf st;
  const gboolean refused = path && g_stat (path, &st) == 0
      && !S_ISREG (st.st_mode);
  if (refused)
    GST_ELEMENT_ERROR (self, RESOURCE, OPEN_READ,
        ("%s is %s, not a regular file: reading it could block for ever.",
            uri.c_str (), S_ISDIR (st.st_mode) ? "a directory" :
            S_ISFIFO (st.st_mode) ? "a pipe" : "a socket or device"),
        ("livesource %s: a file:// URI must name a regular file",
            source_name (self).c_str ()));
  g_free (path);
  return !refused;
}

static GstStateChangeReturn
gst_live_source_change_state (GstElement * element, GstStateChange transition)
{
  GstLiveSource *self = GST_LIVE_SOURCE (element);
  GstStateChangeReturn ret;

  switch (transition) {
    case GST_STATE_CHANGE_READY_TO_PAUSED:{
      const std::string uri = current_uri (self);
      if (uri.empty () || !gst_uri_is_valid (uri.c_str ())) {
        GST_ELEMENT_ERROR (self, RESOURCE, NOT_FOUND,
            ("livesource needs a valid uri, got \"%s\".", uri.c_str ()),
            ("e.g. rtsp://host/path, file:///path/video.mp4, v4l2:///dev/video0"));
        return GST_STATE_CHANGE_FAILURE;
      }
      gchar *scheme = gst_uri_get_protocol (uri.c_str ());
      if (g_strcmp0 (scheme, "file") == 0 && !check_regular_file (self, uri)) {
        g_free (scheme);
        return GST_STATE_CHANGE_FAILURE;
      }
      guint max_buffers;
      GST_OBJECT_LOCK (self);
      self->reconnect = g_strcmp0 (scheme, "file") != 0;
      self->live = self->reconnect || self->pace;
      max_buffers = self->max_buffers;
      self->backoff = new fer::RetryBackoff (std::chrono::milliseconds
          (self->retry_delay_ms), std::chrono::milliseconds
          (self->retry_max_delay_ms));
      GST_OBJECT_UNLOCK (self);
      g_free (scheme);
      self->source_quark = g_quark_from_string (source_name (self).c_str ());
      /* Live: drop the oldest frame rather than fall behind. A file: wait
       * for the analytics, drop nothing. */
      g_object_set (self->queue, "max-size-buffers", max_buffers,
          "max-size-bytes", 0, "max-size-time", (guint64) 0,
          "leaky", self->live ? 2 : 0, nullptr);
      self->frames_in = 0;
      self->analysed = 0;
      self->dropped = 0;
      self->reconnects = 0;
      self->connected = false;
      self->eos_requested = false;
      self->last_frame_us = 0;
      self->file_wait_since_us = 0;
      self->stopping = FALSE;
      self->lost_pending = FALSE;
      self->lost_since_us = 0;
      /* A camera is opened by the supervisor, so one that is down at start
       * is retried like one that goes away later. */
      if (!self->reconnect && !create_decoder (self))
        return GST_STATE_CHANGE_FAILURE;
      break;
    }
    case GST_STATE_CHANGE_PAUSED_TO_READY:
      stop_supervisor (self);
      break;
    case GST_STATE_CHANGE_READY_TO_NULL:
      /* A file that failed to preroll never reached PAUSED, so the pipeline
       * goes from READY to NULL without PAUSED -> READY: stop the supervisor
       * here too, or it outlives the element. */
      stop_supervisor (self);
      break;
    default:
      break;
  }

  ret = GST_ELEMENT_CLASS (parent_class)->change_state (element, transition);

  switch (transition) {
    case GST_STATE_CHANGE_READY_TO_PAUSED:
      if (ret == GST_STATE_CHANGE_FAILURE)
        break;
      /* A file prerolls now; a paced one only starts when playing. */
      if (!self->live)
        self->file_wait_since_us = g_get_monotonic_time ();
      self->supervisor = g_thread_new ("livesource", supervise, self);
      /* The source's liveness decides prerolling; a camera that is still
       * connecting must not block the pipeline. */
      if (self->live)
        ret = GST_STATE_CHANGE_NO_PREROLL;
      break;
    case GST_STATE_CHANGE_PAUSED_TO_PLAYING:
      if (!self->reconnect && self->live && self->frames_in.load () == 0)
        self->file_wait_since_us = g_get_monotonic_time ();
      break;
    case GST_STATE_CHANGE_PLAYING_TO_PAUSED:
      if (self->live)
        self->file_wait_since_us = 0;
      break;
    case GST_STATE_CHANGE_PAUSED_TO_READY:
      release_stream (self);
      break;
    case GST_STATE_CHANGE_READY_TO_NULL:
      if (self->backoff)        /* READY -> PAUSED ran, PAUSED -> READY did not */
        release_stream (self);
      break;
    default:
      break;
  }
  return ret;
}

static void
gst_live_source_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstLiveSource *self = GST_LIVE_SOURCE (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_URI:
      g_free (self->uri);
      self->uri = g_value_dup_string (value);
      break;
    case PROP_SOURCE:
      g_free (self->source);
      self->source = g_value_dup_string (value);
      break;
    case PROP_PACE:
      self->pace = g_value_get_boolean (value);
      break;
    case PROP_MAX_BUFFERS:
      self->max_buffers = g_value_get_uint (value);
      break;
    case PROP_TIMEOUT:
      self->timeout_ms = g_value_get_uint (value);
      break;
    case PROP_RETRY_DELAY:
      self->retry_delay_ms = g_value_get_uint (value);
      break;
    case PROP_RETRY_MAX_DELAY:
      self->retry_max_delay_ms = g_value_get_uint (value);
      break;
    case PROP_LATENCY:
      self->latency_ms = g_value_get_uint (value);
      break;
    case PROP_STATS_INTERVAL:
      self->stats_interval_ms = g_value_get_uint (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_live_source_get_property (GObject * object, guint prop_id, GValue * value,
    GParamSpec * pspec)
{
  GstLiveSource *self = GST_LIVE_SOURCE (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_URI:
      g_value_set_string (value, self->uri);
      break;
    case PROP_SOURCE:
      g_value_set_string (value, self->source);
      break;
    case PROP_PACE:
      g_value_set_boolean (value, self->pace);
      break;
    case PROP_MAX_BUFFERS:
      g_value_set_uint (value, self->max_buffers);
      break;
    case PROP_TIMEOUT:
      g_value_set_uint (value, self->timeout_ms);
      break;
    case PROP_RETRY_DELAY:
      g_value_set_uint (value, self->retry_delay_ms);
      break;
    case PROP_RETRY_MAX_DELAY:
      g_value_set_uint (value, self->retry_max_delay_ms);
      break;
    case PROP_LATENCY:
      g_value_set_uint (value, self->latency_ms);
      break;
    case PROP_STATS_INTERVAL:
      g_value_set_uint (value, self->stats_interval_ms);
      break;
    case PROP_CONNECTED:
      g_value_set_boolean (value, self->connected.load ());
      break;
    case PROP_FRAMES_IN:
      g_value_set_uint64 (value, self->frames_in.load ());
      break;
    case PROP_ANALYSED:
      g_value_set_uint64 (value, self->analysed.load ());
      break;
    case PROP_DROPPED:
      g_value_set_uint64 (value, self->dropped.load ());
      break;
    case PROP_RECONNECTS:
      g_value_set_uint (value, self->reconnects.load ());
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_live_source_finalize (GObject * object)
{
  GstLiveSource *self = GST_LIVE_SOURCE (object);

  stop_supervisor (self);       /* never running past the element's life */
  g_free (self->uri);
  g_free (self->source);
  gst_object_unref (self->queue_sink);
  delete self->lost_reason;
  delete self->backoff;
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->cond);
  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static void
gst_live_source_class_init (GstLiveSourceClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBinClass *bin_class = GST_BIN_CLASS (klass);
  const GParamFlags rw = (GParamFlags) (G_PARAM_READWRITE |
      G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY);
  const GParamFlags rw_playing = (GParamFlags) (G_PARAM_READWRITE |
      G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_PLAYING);
  const GParamFlags ro = (GParamFlags) (G_PARAM_READABLE |
      G_PARAM_STATIC_STRINGS);

  gobject_class->set_property = gst_live_source_set_property;
  gobject_class->get_property = gst_live_source_get_property;
  gobject_class->finalize = gst_live_source_finalize;

  g_object_class_install_property (gobject_class, PROP_URI,
      g_param_spec_string ("uri", "URI",
          "What to read: rtsp://, file://, v4l2://, http://, ... (anything "
          "uridecodebin reads)", nullptr, rw));
  g_object_class_install_property (gobject_class, PROP_SOURCE,
      g_param_spec_string ("source", "Source",
          "Name of the stream in metadata, events and stats (NULL: the "
          "element's name)", nullptr, rw));
  g_object_class_install_property (gobject_class, PROP_PACE,
      g_param_spec_boolean ("pace", "Pace",
          "Play a file at its own frame rate and treat it as live (frames "
          "dropped when the analytics fall behind): a camera simulated by a "
          "file", DEFAULT_PACE, rw));
  g_object_class_install_property (gobject_class, PROP_MAX_BUFFERS,
      g_param_spec_uint ("max-buffers", "Max buffers",
          "Frames waiting for the analytics; live: one more and the oldest is "
          "dropped", 1, 1000, DEFAULT_MAX_BUFFERS, rw));
  g_object_class_install_property (gobject_class, PROP_TIMEOUT,
      g_param_spec_uint ("timeout", "Timeout",
          "Live: milliseconds without a frame after which the source counts as "
          "lost and is reopened; a file: no frame within this time of starting "
          "is an error (0: never)", 0, G_MAXUINT, DEFAULT_TIMEOUT,
          rw_playing));
  g_object_class_install_property (gobject_class, PROP_RETRY_DELAY,
      g_param_spec_uint ("retry-delay", "Retry delay",
          "Live: milliseconds before the first attempt to reopen a lost "
          "source; doubled after each failed attempt", 1, G_MAXUINT,
          DEFAULT_RETRY_DELAY, rw));
  g_object_class_install_property (gobject_class, PROP_RETRY_MAX_DELAY,
      g_param_spec_uint ("retry-max-delay", "Retry max delay",
          "Live: longest wait in milliseconds between attempts", 1, G_MAXUINT,
          DEFAULT_RETRY_MAX_DELAY, rw));
  g_object_class_install_property (gobject_class, PROP_LATENCY,
      g_param_spec_uint ("latency", "Latency",
          "rtsp://: jitter buffer in milliseconds (rtspsrc latency)", 0,
          G_MAXUINT, DEFAULT_LATENCY, rw));
  g_object_class_install_property (gobject_class, PROP_STATS_INTERVAL,
      g_param_spec_uint ("stats-interval", "Stats interval",
          "Milliseconds between livesource-stats messages (0: none)", 0,
          G_MAXUINT, DEFAULT_STATS_INTERVAL, rw_playing));
  g_object_class_install_property (gobject_class, PROP_CONNECTED,
      g_param_spec_boolean ("connected", "Connected",
          "Frames are arriving from the source", FALSE, ro));
  g_object_class_install_property (gobject_class, PROP_FRAMES_IN,
      g_param_spec_uint64 ("frames-in", "Frames in",
          "Frames received from the source since start", 0, G_MAXUINT64, 0,
          ro));
  g_object_class_install_property (gobject_class, PROP_ANALYSED,
      g_param_spec_uint64 ("analysed", "Analysed",
          "Frames passed on to the analytics since start", 0, G_MAXUINT64, 0,
          ro));
  g_object_class_install_property (gobject_class, PROP_DROPPED,
      g_param_spec_uint64 ("dropped", "Dropped",
          "Frames dropped because the analytics were behind, since start", 0,
          G_MAXUINT64, 0, ro));
  g_object_class_install_property (gobject_class, PROP_RECONNECTS,
      g_param_spec_uint ("reconnects", "Reconnects",
          "Attempts to reopen the source since start", 0, G_MAXUINT, 0, ro));

  gst_element_class_set_static_metadata (element_class,
      "Live video source for analytics", "Source/Video",
      "Decodes a camera or file URI to raw video; reconnects lost cameras "
      "with backoff and drops frames when the analytics fall behind",
      "gst-fer developers");
  gst_element_class_add_static_pad_template (element_class, &src_template);

  element_class->change_state =
      GST_DEBUG_FUNCPTR (gst_live_source_change_state);
  element_class->send_event = GST_DEBUG_FUNCPTR (gst_live_source_send_event);
  bin_class->handle_message =
      GST_DEBUG_FUNCPTR (gst_live_source_handle_message);

  GST_DEBUG_CATEGORY_INIT (gst_live_source_debug, "livesource", 0,
      "gst-fer reconnecting live source");
}

static void
gst_live_source_init (GstLiveSource * self)
{
  self->uri = nullptr;
  self->source = nullptr;
  self->pace = DEFAULT_PACE;
  self->max_buffers = DEFAULT_MAX_BUFFERS;
  self->timeout_ms = DEFAULT_TIMEOUT;
  self->retry_delay_ms = DEFAULT_RETRY_DELAY;
  self->retry_max_delay_ms = DEFAULT_RETRY_MAX_DELAY;
  self->latency_ms = DEFAULT_LATENCY;
  self->stats_interval_ms = DEFAULT_STATS_INTERVAL;
  self->decoder = nullptr;
  self->pacer = nullptr;
  self->supervisor = nullptr;
  self->lost_reason = new std::string ();
  self->pending_restored = nullptr;
  self->backoff = nullptr;
  g_mutex_init (&self->lock);
  g_cond_init (&self->cond);

  self->queue = gst_element_factory_make ("queue", "analytics-queue");
  gst_bin_add (GST_BIN (self), self->queue);
  self->queue_sink = gst_element_get_static_pad (self->queue, "sink");
  gst_pad_add_probe (self->queue_sink, (GstPadProbeType)
      (GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM),
      on_frame_in, self, nullptr);
  GstPad *queue_src = gst_element_get_static_pad (self->queue, "src");
  gst_pad_add_probe (queue_src, GST_PAD_PROBE_TYPE_BUFFER, on_frame_out, self,
      nullptr);
  GstPad *ghost = gst_ghost_pad_new_from_template ("src", queue_src,
      gst_static_pad_template_get (&src_template));
  gst_element_add_pad (GST_ELEMENT (self), ghost);
  gst_object_unref (queue_src);
  GST_OBJECT_FLAG_SET (self, GST_ELEMENT_FLAG_SOURCE);
}
