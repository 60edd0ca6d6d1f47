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
 * The decisions (when a source counts as lost, the backoff, the file
 * checks, the frame and drop counts) are fer::LiveSourcePolicy's
 * (core/include/fer/live_source_policy.h); this file is the GStreamer side:
 * the bin and its children, the probes, the supervisor thread that feeds the
 * policy its events and ticks, and the messages and events.
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
#include <condition_variable>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>

#include "fer/live_source_policy.h"
#include "gstfermeta.h"
#include "gstfersourceevent.h"

GST_DEBUG_CATEGORY_STATIC (gst_fer_live_source_debug);
#define GST_CAT_DEFAULT gst_fer_live_source_debug

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
  PROP_NAME,                    /* GstObject's, for the default name */
};

/* The defaults of timeout, retry-delay, retry-max-delay and stats-interval
 * are fer::LiveSourcePolicyOptions'. */
#define DEFAULT_PACE FALSE
#define DEFAULT_MAX_BUFFERS 1
#define DEFAULT_LATENCY 200

using Clock = fer::LiveSourcePolicy::Clock;

/* How often the supervisor looks at the watchdog and the stats clock. */
static constexpr std::chrono::milliseconds kSupervisorTick (50);

namespace
{

/* All of the element's C++ state: created in init, deleted in finalize. */
struct LiveSourcePrivate
{
  ~LiveSourcePrivate ()
  {
    if (pending_restored)
      gst_structure_free (pending_restored);
    if (queue_sink)
      gst_object_unref (queue_sink);
  }

  /* Properties (object lock). */
  std::optional < std::string > uri;
  std::optional < std::string > source;
  bool pace = DEFAULT_PACE;
  guint max_buffers = DEFAULT_MAX_BUFFERS;
  guint latency_ms = DEFAULT_LATENCY;
  fer::LiveSourcePolicyOptions settings;        /* kind: set at start */

  /* Fixed children: the queue decouples the analytics from the source. */
  GstElement *queue = nullptr;
  GstPad *queue_sink = nullptr;

  /* Replaced on each (re)connection; only the supervisor thread and the
   * state changes touch it, never both at once. */
  GstElement *decoder = nullptr;
  GstElement *pacer = nullptr;

  /* Set at start, read in streaming threads. live: drop frames rather than
   * fall behind; reconnect: errors and EOS of the source mean "lost", not
   * the end. */
  bool live = false;
  bool reconnect = false;
  GQuark source_quark = 0;

  /* The run's decisions and counts. Replaced at start (READY -> PAUSED,
   * object lock) and kept until the next start, so the counts stay
   * readable after the stream. Streaming threads and the supervisor use it
   * without the lock: they only run between a start and a stop. */
  std::unique_ptr < fer::LiveSourcePolicy > policy;
  /* READY -> PAUSED set a stream up, which PAUSED -> READY has not
   * released yet. */
  bool started = false;

  /* Supervisor thread: woken by losses, stopped by the state changes. */
  GThread *supervisor = nullptr;
  std::mutex lock;
  std::condition_variable cond;
  bool stopping = false;
  bool woken = false;

  /* source-restored, built at the first new frame and pushed just before
   * the first frame that leaves the queue (restored_lock). */
  std::mutex restored_lock;
  GstStructure *pending_restored = nullptr;
};

}                               /* namespace */

struct _GstFerLiveSource
{
  GstBin parent;
  LiveSourcePrivate *priv;
};

#define gst_fer_live_source_parent_class parent_class
G_DEFINE_TYPE (GstFerLiveSource, gst_fer_live_source, GST_TYPE_BIN);
GST_ELEMENT_REGISTER_DEFINE (livesource, "livesource", GST_RANK_NONE,
    GST_TYPE_FER_LIVE_SOURCE);

static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS ("video/x-raw(ANY)"));

/* No C++ exception may cross into GLib: callbacks and vfuncs run their body
 * through these; an exception is logged and `fallback` returned. */
template < typename R, typename F > static R
guarded (GstFerLiveSource * self, const char *where, R fallback, F && body)
    noexcept
{
  try {
    return body ();
  }
  catch (const std::exception & e) {
    GST_ERROR_OBJECT (self, "%s: %s", where, e.what ());
  }
  catch ( ...) {
    GST_ERROR_OBJECT (self, "%s: unknown exception", where);
  }
  return fallback;
}

template < typename F > static void
guarded (GstFerLiveSource * self, const char *where, F && body) noexcept
{
  guarded (self, where, true,[&] {
        body ();
        return true;
      });
}

static std::string
source_name (GstFerLiveSource * self)
{
  std::string name;
  GST_OBJECT_LOCK (self);
  name = self->priv->source ? *self->priv->source : GST_OBJECT_NAME (self);
  GST_OBJECT_UNLOCK (self);
  return name;
}

static std::string
current_uri (GstFerLiveSource * self)
{
  std::string uri;
  GST_OBJECT_LOCK (self);
  uri = self->priv->uri ? *self->priv->uri : "";
  GST_OBJECT_UNLOCK (self);
  return uri;
}

/* A rare event from any thread (an error, EOS): the policy under the
 * object lock, as it is replaced at start. */
template < typename R, typename F > static R
with_policy (GstFerLiveSource * self, R none, F && use)
{
  GST_OBJECT_LOCK (self);
  fer::LiveSourcePolicy * policy = self->priv->policy.get ();
  R result = none;
  try {
    if (policy)
      result = use (*policy);
  }
  catch ( ...) {
    GST_OBJECT_UNLOCK (self);
    throw;
  }
  GST_OBJECT_UNLOCK (self);
  return result;
}

static void
wake_supervisor (GstFerLiveSource * self)
{
  LiveSourcePrivate & priv = *self->priv;
  std::lock_guard < std::mutex > lock (priv.lock);
  priv.woken = true;
  priv.cond.notify_one ();
}

/* The fer-source-event of kind with the fields both kinds have; the
 * caller adds its own. */
static GstStructure *
source_event (GstFerLiveSource * self, const gchar * kind, guint64 frames_in,
    guint64 dropped)
{
  const std::string name = source_name (self), uri = current_uri (self);
  GstStructure *s = gst_structure_new (GST_FER_SOURCE_EVENT_NAME,
      "event", G_TYPE_STRING, kind,
      "source", G_TYPE_STRING, name.c_str (),
      "uri", G_TYPE_STRING, uri.c_str (),
      "time", G_TYPE_INT64, g_get_real_time (),
      "frames-in", G_TYPE_UINT64, frames_in,
      "dropped", G_TYPE_UINT64, dropped, nullptr);
  return s;
}

/* Pushes the event downstream of the queue (a leaky queue may drop events
 * too) and posts it as a livesource-lost / livesource-restored message. */
static void
push_source_event (GstFerLiveSource * self, GstPad * queue_src,
    GstStructure * s)
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
post_stats (GstFerLiveSource * self)
{
  const std::string name = source_name (self), uri = current_uri (self);
  const fer::LiveSourceStats stats = with_policy (self, fer::LiveSourceStats
      {
      },[](const fer::LiveSourcePolicy & policy) {
        return policy.stats ();
      });
  GstStructure *s = gst_structure_new ("livesource-stats",
      "source", G_TYPE_STRING, name.c_str (),
      "uri", G_TYPE_STRING, uri.c_str (),
      "connected", G_TYPE_BOOLEAN, (gboolean) stats.connected,
      "frames-in", G_TYPE_UINT64, (guint64) stats.frames_in,
      "analysed", G_TYPE_UINT64, (guint64) stats.analysed,
      "dropped", G_TYPE_UINT64, (guint64) stats.dropped,
      "reconnects", G_TYPE_UINT, (guint) stats.reconnects, nullptr);
  gst_element_post_message (GST_ELEMENT (self),
      gst_message_new_element (GST_OBJECT (self), s));
}

/* A file that reached its end with fewer frames than its container declares
 * (duration x frame rate) was cut short or has a damaged stretch the
 * decoder skipped: the run "succeeds", so say so with the counts
 * (fer::LiveSourcePolicy::CheckFileLength decides). */
static void
warn_if_file_ended_short (GstFerLiveSource * self, GstPad * pad)
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
          GST_FORMAT_TIME, &duration))
    return;
  const std::optional < fer::FileShortfall > shortfall =
      self->priv->policy->CheckFileLength (std::chrono::nanoseconds (duration),
      fps_n, fps_d);
  if (!shortfall)
    return;
  GST_ELEMENT_WARNING (self, STREAM, DECODE,
      ("%s ended after %" G_GUINT64_FORMAT " of the %" G_GUINT64_FORMAT
          " frames it declares: the file is truncated or damaged.",
          current_uri (self).c_str (), (guint64) shortfall->frames,
          (guint64) shortfall->declared),
      ("livesource %s: duration %" GST_TIME_FORMAT " at %d/%d fps",
          source_name (self).c_str (), GST_TIME_ARGS (duration), fps_n,
          fps_d));
}

/* Source side of the queue: count and stamp every frame; turn the first
 * frame after a loss into a source-restored event; keep a live source's
 * EOS (camera gone) from ending the stream. */
static GstPadProbeReturn
on_frame_in (GstPad * pad, GstPadProbeInfo * info, GstFerLiveSource * self)
{
  LiveSourcePrivate & priv = *self->priv;

  if (info->type & GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM) {
    GstEvent *event = GST_PAD_PROBE_INFO_EVENT (info);
    if (GST_EVENT_TYPE (event) != GST_EVENT_EOS)
      return GST_PAD_PROBE_OK;
    /* Also the EOS sent to the element: any thread, any time. */
    const fer::LiveSourceEos eos = with_policy (self,
        fer::LiveSourceEos::kEndOfStream,[](fer::LiveSourcePolicy & policy) {
          return policy.OnSourceEos ();
        });
    switch (eos) {
      case fer::LiveSourceEos::kEndOfStream:
        return GST_PAD_PROBE_OK;
      case fer::LiveSourceEos::kEndOfFile:
        warn_if_file_ended_short (self, pad);
        return GST_PAD_PROBE_OK;
      case fer::LiveSourceEos::kSourceLost:
        wake_supervisor (self);
        return GST_PAD_PROBE_DROP;
    }
    return GST_PAD_PROBE_OK;
  }

  GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER (info);
  const fer::SourceFrame frame = priv.policy->OnFrame (Clock::now ());
  if (frame.restored) {
    const guint attempts = frame.restored->attempts;
    const guint64 down_ms = (guint64) frame.restored->down.count ();
    GST_ELEMENT_INFO (self, RESOURCE, OPEN_READ,
        ("Source %s is back after %" G_GUINT64_FORMAT " ms (%u attempts).",
            source_name (self).c_str (), down_ms, attempts), (nullptr));
    /* frames-in: the frames before this one. */
    GstStructure *restored = source_event (self, "source-restored",
        frame.sequence, priv.policy->dropped ());
    gst_structure_set (restored, "attempts", G_TYPE_UINT, attempts,
        "down-ms", G_TYPE_UINT64, down_ms, nullptr);
    std::lock_guard < std::mutex > lock (priv.restored_lock);
    if (priv.pending_restored)
      gst_structure_free (priv.pending_restored);
    priv.pending_restored = restored;
  }
  buffer = gst_buffer_make_writable (buffer);
  gst_buffer_add_fer_source_meta (buffer, priv.source_quark, frame.sequence);
  GST_PAD_PROBE_INFO_DATA (info) = buffer;
  return GST_PAD_PROBE_OK;
}

/* Analytics side of the queue: every frame index not seen leaving was
 * dropped by the leaky queue. */
static GstPadProbeReturn
on_frame_out (GstPad * pad, GstPadProbeInfo * info, GstFerLiveSource * self)
{
  LiveSourcePrivate & priv = *self->priv;
  GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER (info);
  GstFerSourceMeta *meta = gst_buffer_get_fer_source_meta (buffer);

  if (!meta)
    return GST_PAD_PROBE_OK;
  /* The recovery goes out just before the first new frame that made it
   * through the queue. */
  GstStructure *restored;
  {
    std::lock_guard < std::mutex > lock (priv.restored_lock);
    restored = std::exchange (priv.pending_restored, nullptr);
  }
  if (restored)
    push_source_event (self, pad, restored);
  const guint64 dropped = priv.policy->OnFrameOut (meta->sequence);
  if (meta->dropped != dropped) {
    buffer = gst_buffer_make_writable (buffer);
    gst_buffer_get_fer_source_meta (buffer)->dropped = dropped;
    GST_PAD_PROBE_INFO_DATA (info) = buffer;
  }
  return GST_PAD_PROBE_OK;
}

static void
on_source_setup (GstElement *, GstElement * source, GstFerLiveSource * self)
{
  guarded (self, "source-setup",[&] {
        GObjectClass * klass = G_OBJECT_GET_CLASS (source);
        guint latency;
        GST_OBJECT_LOCK (self);
        latency = self->priv->latency_ms;
        GST_OBJECT_UNLOCK (self);
        /* rtspsrc: TCP survives loss and NAT; a short jitter buffer keeps
         * the latency low (its default is 2 s). */
        if (g_object_class_find_property (klass, "protocols"))
          gst_util_set_object_arg (G_OBJECT (source), "protocols", "tcp");
        if (g_object_class_find_property (klass, "latency"))
          g_object_set (source, "latency", latency, nullptr);
      });
}

static void
on_pad_added (GstElement *, GstPad * pad, GstFerLiveSource * self)
{
  guarded (self, "pad-added",[&] {
        LiveSourcePrivate & priv = *self->priv;
        GstPad * target = priv.pacer ?
            gst_element_get_static_pad (priv.pacer, "sink") :
            (GstPad *) gst_object_ref (priv.queue_sink);
        if (gst_pad_is_linked (target))
          GST_DEBUG_OBJECT (self, "ignoring extra stream %s:%s",
              GST_DEBUG_PAD_NAME (pad));
        else if (GST_PAD_LINK_FAILED (gst_pad_link (pad, target)))
          GST_ELEMENT_WARNING (self, CORE, NEGOTIATION,
              ("Could not link the decoded stream of %s.",
                  current_uri (self).c_str ()), (nullptr));
        gst_object_unref (target);
      });
}

/* Builds uridecodebin (+ identity sync=true when pacing a file) and adds it
 * to the bin; the caller brings it to the bin's state. */
static gboolean
create_decoder (GstFerLiveSource * self)
{
  LiveSourcePrivate & priv = *self->priv;
  gboolean pace;
  const std::string uri = current_uri (self);

  GST_OBJECT_LOCK (self);
  pace = priv.pace;
  GST_OBJECT_UNLOCK (self);

  priv.decoder = gst_element_factory_make ("uridecodebin", nullptr);
  if (!priv.decoder) {
    GST_ELEMENT_ERROR (self, CORE, MISSING_PLUGIN,
        ("uridecodebin is missing (gstreamer1.0-plugins-base)."), (nullptr));
    return FALSE;
  }
  GstCaps *video = gst_caps_from_string ("video/x-raw(ANY)");
  g_object_set (priv.decoder, "uri", uri.c_str (), "caps", video,
      "expose-all-streams", FALSE, nullptr);
  gst_caps_unref (video);
  g_signal_connect (priv.decoder, "source-setup",
      G_CALLBACK (on_source_setup), self);
  g_signal_connect (priv.decoder, "pad-added", G_CALLBACK (on_pad_added),
      self);
  gst_bin_add (GST_BIN (self), priv.decoder);
  if (pace) {
    priv.pacer = gst_element_factory_make ("identity", nullptr);
    g_object_set (priv.pacer, "sync", TRUE, nullptr);
    gst_bin_add (GST_BIN (self), priv.pacer);
    gst_element_link (priv.pacer, priv.queue);
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
start_decoder (GstFerLiveSource * self)
{
  GstElement *decoder = self->priv->decoder;
  if (!gst_element_sync_state_with_parent (decoder))
    return FALSE;
  GST_OBJECT_LOCK (self);
  const GstState target = GST_STATE (self);
  GST_OBJECT_UNLOCK (self);
  GstState state, pending;
  if (gst_element_get_state (decoder, &state, &pending, 0) !=
      GST_STATE_CHANGE_FAILURE && pending == GST_STATE_VOID_PENDING
      && state < target) {
    GST_DEBUG_OBJECT (self, "decoder stopped at %s, setting %s again",
        gst_element_state_get_name (state),
        gst_element_state_get_name (target));
    if (gst_element_set_state (decoder, target) == GST_STATE_CHANGE_FAILURE)
      return FALSE;
  }
  /* Its async messages stay inside (handle_message), so nothing else makes
   * the pipeline count the new source's jitter buffer and decoder. */
  gst_element_post_message (GST_ELEMENT (self),
      gst_message_new_latency (GST_OBJECT (self)));
  return TRUE;
}

static void
remove_decoder (GstFerLiveSource * self)
{
  LiveSourcePrivate & priv = *self->priv;
  for (GstElement ** e : {&priv.decoder, &priv.pacer}) {
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

/* The pending loss (the state lock is held, and released here): the source
 * is torn down, the loss reported. */
static void
tear_down_source (GstFerLiveSource * self, fer::LiveSourcePolicy & policy,
    Clock::time_point now)
{
  const std::optional < fer::SourceLoss > loss = policy.TearDown (now);
  if (!loss) {
    GST_STATE_UNLOCK (self);
    return;
  }
  remove_decoder (self);
  GST_STATE_UNLOCK (self);
  if (loss->was_connected)
    release_freed_memory ();
  GST_ELEMENT_WARNING (self, RESOURCE, READ,
      ("Lost source %s (%s): %s; retrying in %.1f s.",
          source_name (self).c_str (), current_uri (self).c_str (),
          loss->reason.c_str (), loss->retry_in.count () / 1e3), (nullptr));
  if (loss->first_of_outage) {
    GstPad *queue_src = gst_element_get_static_pad (self->priv->queue, "src");
    GstStructure *lost = source_event (self, "source-lost",
        policy.frames_in (), policy.dropped ());
    gst_structure_set (lost, "reason", G_TYPE_STRING, loss->reason.c_str (),
        "connected", G_TYPE_BOOLEAN, (gboolean) loss->was_connected, nullptr);
    push_source_event (self, queue_src, lost);
    gst_object_unref (queue_src);
  }
}

/* Opens the source (the state lock is held, and released here). */
static void
open_source (GstFerLiveSource * self, fer::LiveSourcePolicy & policy)
{
  GST_INFO_OBJECT (self, "opening %s", current_uri (self).c_str ());
  policy.OnOpening (Clock::now ());
  if (!create_decoder (self))
    policy.OnOpenFailed ();
  else if (!start_decoder (self))
    policy.OnSourceLost ("could not start the source");
  GST_STATE_UNLOCK (self);
}

/* One look at the source: does what the policy says now. Returns true to
 * look again at once, false to wait for the next tick or a wake-up. */
static bool
supervise_once (GstFerLiveSource * self, fer::LiveSourcePolicy & policy)
{
  const Clock::time_point now = Clock::now ();
  switch (policy.Tick (now)) {
    case fer::LiveSourceAction::kFailFile:{
      /* A file without a single frame: decodebin may have lost the
       * demuxer's error, so this one is posted instead. */
      const guint timeout_ms = policy.timeout_ms ();
      GST_ELEMENT_ERROR (self, STREAM, FAILED,
          ("No video frame from %s within %u ms of starting: the file is "
              "damaged or truncated, or holds no video.",
              current_uri (self).c_str (), timeout_ms),
          ("livesource %s: timeout=%u ms (0: wait for ever)",
              source_name (self).c_str (), timeout_ms));
      return true;
    }
    /* Adding, syncing and removing the source must not interleave with a
     * state change of the bin (a source added mid-change could stay
     * behind); the change stops this thread, so never wait for it. */
    case fer::LiveSourceAction::kTearDown:
      if (!GST_STATE_TRYLOCK (self))
        return false;
      tear_down_source (self, policy, now);
      return true;
    case fer::LiveSourceAction::kOpen:
      if (!GST_STATE_TRYLOCK (self))
        return false;
      open_source (self, policy);
      return true;
    case fer::LiveSourceAction::kPostStats:
      post_stats (self);
      return false;
    case fer::LiveSourceAction::kNone:
      return false;
  }
  return false;
}

/* Supervisor thread: feeds the policy its ticks every 50 ms (or at once
 * when a loss wakes it) and does what it decides: tears a lost source down,
 * reopens it, fails a file that gives no frame, posts the stats. */
static gpointer
supervise (gpointer user_data)
{
  GstFerLiveSource *self = GST_FER_LIVE_SOURCE (user_data);
  LiveSourcePrivate & priv = *self->priv;
  fer::LiveSourcePolicy & policy = *priv.policy;

  guarded (self, "supervisor",[&] {
        std::unique_lock < std::mutex > lock (priv.lock);
        while (!priv.stopping) {
          lock.unlock ();
          const bool again = supervise_once (self, policy);
          lock.lock ();
          if (!again)
            priv.cond.wait_for (lock, kSupervisorTick,[&] {
                  return priv.stopping || priv.woken;
                });
          priv.woken = false;
        }
      });
  return nullptr;
}

static void
stop_supervisor (GstFerLiveSource * self)
{
  LiveSourcePrivate & priv = *self->priv;
  if (!priv.supervisor)
    return;
  {
    std::lock_guard < std::mutex > lock (priv.lock);
    priv.stopping = true;
    priv.cond.notify_one ();
  }
  g_thread_join (priv.supervisor);
  priv.supervisor = nullptr;
}

/* What READY -> PAUSED set up for a stream: the decoder, a pending event;
 * the last stats are posted. */
static void
release_stream (GstFerLiveSource * self)
{
  LiveSourcePrivate & priv = *self->priv;
  remove_decoder (self);
  {
    std::lock_guard < std::mutex > lock (priv.restored_lock);
    if (priv.pending_restored)
      gst_structure_free (priv.pending_restored);
    priv.pending_restored = nullptr;
  }
  priv.started = false;
  post_stats (self);
}

/* A camera's errors mean "camera lost": handled here, not fatal. Its
 * decoder's async state changes stay inside too: the element does not
 * preroll, and the ASYNC_START of a decoder added while playing makes the
 * bin lose its PLAYING state (and the decoder's ASYNC_DONE then commits
 * PAUSED for good). */
static void
gst_fer_live_source_handle_message (GstBin * bin, GstMessage * message)
{
  GstFerLiveSource *self = GST_FER_LIVE_SOURCE (bin);
  LiveSourcePrivate & priv = *self->priv;

  const bool handled = guarded (self, "handle_message", false,[&] {
        if (priv.reconnect
            && (GST_MESSAGE_TYPE (message) == GST_MESSAGE_ASYNC_START
                || GST_MESSAGE_TYPE (message) == GST_MESSAGE_ASYNC_DONE))
          return true;
        if (GST_MESSAGE_TYPE (message) != GST_MESSAGE_ERROR || !priv.reconnect
            || GST_MESSAGE_SRC (message) == GST_OBJECT (priv.queue))
          return false;
        GError * error = nullptr;
        gst_message_parse_error (message, &error, nullptr);
        GST_DEBUG_OBJECT (self, "source error from %s: %s",
            GST_MESSAGE_SRC_NAME (message), error->message);
        const std::string reason = error->message;
        g_error_free (error);
        /* After EOS the stream is over: a source failing then changes
         * nothing. */
        if (with_policy (self, false,[&](fer::LiveSourcePolicy & policy) {
              return policy.OnSourceLost (reason);}))
          wake_supervisor (self);
        return true;
      });
  if (handled)
    gst_message_unref (message);
  else
    GST_BIN_CLASS (parent_class)->handle_message (bin, message);
}

/* EOS sent to the element ends the stream, even between reconnections: it
 * goes straight into the queue, and the source's errors are ignored from
 * then on. */
static gboolean
gst_fer_live_source_send_event (GstElement * element, GstEvent * event)
{
  GstFerLiveSource *self = GST_FER_LIVE_SOURCE (element);

  if (GST_EVENT_TYPE (event) == GST_EVENT_EOS) {
    guarded (self, "send_event",[&] {
          with_policy (self, true,[](fer::LiveSourcePolicy & policy) {
                policy.OnEosRequested ();
                return true;
              });
        });
    return gst_pad_send_event (self->priv->queue_sink, event);
  }
  return GST_ELEMENT_CLASS (parent_class)->send_event (element, event);
}

/* A FIFO, socket or device behind a file:// URI can block filesrc's open
 * or read for ever (a pipe with no writer sits in the state change, where no
 * timeout reaches it): only regular files are read. A missing file is left
 * to filesrc, whose error names it. */
static gboolean
check_regular_file (GstFerLiveSource * self, const std::string & uri)
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

/* READY -> PAUSED before the children change: checks the URI, sets up the
 * run's policy and the queue, and builds a file's decoder (a camera's is
 * built by the supervisor, so one that is down at start is retried like one
 * that goes away later). */
static gboolean
prepare_stream (GstFerLiveSource * self)
{
  LiveSourcePrivate & priv = *self->priv;
  const std::string uri = current_uri (self);
  if (uri.empty () || !gst_uri_is_valid (uri.c_str ())) {
    GST_ELEMENT_ERROR (self, RESOURCE, NOT_FOUND,
        ("livesource needs a valid uri, got \"%s\".", uri.c_str ()),
        ("e.g. rtsp://host/path, file:///path/video.mp4, v4l2:///dev/video0"));
    return FALSE;
  }
  gchar *scheme = gst_uri_get_protocol (uri.c_str ());
  const bool file = g_strcmp0 (scheme, "file") == 0;
  g_free (scheme);
  if (file && !check_regular_file (self, uri))
    return FALSE;

  /* A supervisor left by a start that never reached PAUSED. */
  stop_supervisor (self);
  GST_OBJECT_LOCK (self);
  fer::LiveSourcePolicyOptions options = priv.settings;
  options.kind = !file ? fer::LiveSourceKind::kCamera : priv.pace ?
      fer::LiveSourceKind::kPacedFile : fer::LiveSourceKind::kFile;
  const guint max_buffers = priv.max_buffers;
  GST_OBJECT_UNLOCK (self);
  std::unique_ptr < fer::LiveSourcePolicy > policy =
      fer::LiveSourcePolicy::Create (options);
  GST_OBJECT_LOCK (self);
  priv.policy = std::move (policy);
  priv.reconnect = options.kind == fer::LiveSourceKind::kCamera;
  priv.live = options.kind != fer::LiveSourceKind::kFile;
  priv.started = true;
  GST_OBJECT_UNLOCK (self);
  priv.source_quark = g_quark_from_string (source_name (self).c_str ());
  /* Live: drop the oldest frame rather than fall behind. A file: wait for
   * the analytics, drop nothing. */
  g_object_set (priv.queue, "max-size-buffers", max_buffers,
      "max-size-bytes", 0, "max-size-time", (guint64) 0,
      "leaky", priv.live ? 2 : 0, nullptr);
  priv.stopping = false;
  priv.woken = false;
  if (!priv.reconnect && !create_decoder (self))
    return FALSE;
  return TRUE;
}

static GstStateChangeReturn
change_state (GstFerLiveSource * self, GstStateChange transition)
{
  LiveSourcePrivate & priv = *self->priv;
  GstStateChangeReturn ret;

  switch (transition) {
    case GST_STATE_CHANGE_READY_TO_PAUSED:
      if (!prepare_stream (self))
        return GST_STATE_CHANGE_FAILURE;
      break;
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

  ret = GST_ELEMENT_CLASS (parent_class)->change_state (GST_ELEMENT (self),
      transition);

  switch (transition) {
    case GST_STATE_CHANGE_READY_TO_PAUSED:
      if (ret == GST_STATE_CHANGE_FAILURE)
        break;
      /* A file prerolls now; a paced one only starts when playing. */
      priv.policy->OnStarted (Clock::now ());
      priv.supervisor = g_thread_new ("livesource", supervise, self);
      /* The source's liveness decides prerolling; a camera that is still
       * connecting must not block the pipeline. */
      if (priv.live)
        ret = GST_STATE_CHANGE_NO_PREROLL;
      break;
    case GST_STATE_CHANGE_PAUSED_TO_PLAYING:
      priv.policy->OnPlaying (Clock::now ());
      break;
    case GST_STATE_CHANGE_PLAYING_TO_PAUSED:
      priv.policy->OnPaused ();
      break;
    case GST_STATE_CHANGE_PAUSED_TO_READY:
      release_stream (self);
      break;
    case GST_STATE_CHANGE_READY_TO_NULL:
      if (priv.started)         /* READY -> PAUSED ran, PAUSED -> READY did not */
        release_stream (self);
      break;
    default:
      break;
  }
  return ret;
}

static GstStateChangeReturn
gst_fer_live_source_change_state (GstElement * element,
    GstStateChange transition)
{
  GstFerLiveSource *self = GST_FER_LIVE_SOURCE (element);

  try {
    return change_state (self, transition);
  }
  catch (const std::exception & e) {
    GST_ELEMENT_ERROR (self, CORE, STATE_CHANGE,
        ("livesource %s: %s", GST_OBJECT_NAME (self), e.what ()), (nullptr));
  }
  catch ( ...) {
    GST_ELEMENT_ERROR (self, CORE, STATE_CHANGE,
        ("livesource %s: unknown exception", GST_OBJECT_NAME (self)),
        (nullptr));
  }
  return GST_STATE_CHANGE_FAILURE;
}

/* An element made without a name is called livesource0, livesource1, ...
 * as when the type was GstLiveSource (GStreamer would derive
 * "ferlivesource<n>" from GstFerLiveSource): the name is the default
 * `source` in the metadata, events and stats. */
static void
set_name (GstFerLiveSource * self, const gchar * name)
{
  static std::atomic < guint > unnamed (0);
  if (name) {
    gst_object_set_name (GST_OBJECT (self), name);
    return;
  }
  gchar *numbered = g_strdup_printf ("livesource%u", unnamed.fetch_add (1));
  gst_object_set_name (GST_OBJECT (self), numbered);
  g_free (numbered);
}

static std::optional < std::string > dup_string (const GValue * value)
{
  const gchar *s = g_value_get_string (value);
  return s ? std::optional < std::string > (s) : std::nullopt;
}

static void
gst_fer_live_source_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstFerLiveSource *self = GST_FER_LIVE_SOURCE (object);
  LiveSourcePrivate & priv = *self->priv;

  if (prop_id == PROP_NAME) {   /* takes the object lock */
    set_name (self, g_value_get_string (value));
    return;
  }
  GST_OBJECT_LOCK (self);
  guarded (self, "set_property",[&] {
        switch (prop_id) {
          case PROP_URI:
            priv.uri = dup_string (value);
            break;
          case PROP_SOURCE:
            priv.source = dup_string (value);
            break;
          case PROP_PACE:
            priv.pace = g_value_get_boolean (value);
            break;
          case PROP_MAX_BUFFERS:
            priv.max_buffers = g_value_get_uint (value);
            break;
          case PROP_TIMEOUT:
            priv.settings.timeout_ms = g_value_get_uint (value);
            if (priv.policy)
              priv.policy->set_timeout_ms (priv.settings.timeout_ms);
            break;
          case PROP_RETRY_DELAY:
            priv.settings.retry_delay_ms = g_value_get_uint (value);
            break;
          case PROP_RETRY_MAX_DELAY:
            priv.settings.retry_max_delay_ms = g_value_get_uint (value);
            break;
          case PROP_LATENCY:
            priv.latency_ms = g_value_get_uint (value);
            break;
          case PROP_STATS_INTERVAL:
            priv.settings.stats_interval_ms = g_value_get_uint (value);
            if (priv.policy)
              priv.policy->set_stats_interval_ms
                  (priv.settings.stats_interval_ms);
            break;
          default:
            G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
        }
      });
  GST_OBJECT_UNLOCK (self);
}

static void
gst_fer_live_source_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec)
{
  GstFerLiveSource *self = GST_FER_LIVE_SOURCE (object);
  LiveSourcePrivate & priv = *self->priv;

  if (prop_id == PROP_NAME) {   /* takes the object lock */
    g_value_take_string (value, gst_object_get_name (GST_OBJECT (self)));
    return;
  }
  GST_OBJECT_LOCK (self);
  guarded (self, "get_property",[&] {
        const fer::LiveSourcePolicy * policy = priv.policy.get ();
        switch (prop_id) {
          case PROP_URI:
            g_value_set_string (value, priv.uri ? priv.uri->c_str () : nullptr);
            break;
          case PROP_SOURCE:
            g_value_set_string (value,
                priv.source ? priv.source->c_str () : nullptr);
            break;
          case PROP_PACE:
            g_value_set_boolean (value, priv.pace);
            break;
          case PROP_MAX_BUFFERS:
            g_value_set_uint (value, priv.max_buffers);
            break;
          case PROP_TIMEOUT:
            g_value_set_uint (value, priv.settings.timeout_ms);
            break;
          case PROP_RETRY_DELAY:
            g_value_set_uint (value, priv.settings.retry_delay_ms);
            break;
          case PROP_RETRY_MAX_DELAY:
            g_value_set_uint (value, priv.settings.retry_max_delay_ms);
            break;
          case PROP_LATENCY:
            g_value_set_uint (value, priv.latency_ms);
            break;
          case PROP_STATS_INTERVAL:
            g_value_set_uint (value, priv.settings.stats_interval_ms);
            break;
          case PROP_CONNECTED:
            g_value_set_boolean (value, policy && policy->connected ());
            break;
          case PROP_FRAMES_IN:
            g_value_set_uint64 (value, policy ? policy->frames_in () : 0);
            break;
          case PROP_ANALYSED:
            g_value_set_uint64 (value, policy ? policy->analysed () : 0);
            break;
          case PROP_DROPPED:
            g_value_set_uint64 (value, policy ? policy->dropped () : 0);
            break;
          case PROP_RECONNECTS:
            g_value_set_uint (value, policy ? policy->reconnects () : 0);
            break;
          default:
            G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
        }
      });
  GST_OBJECT_UNLOCK (self);
}

static void
gst_fer_live_source_finalize (GObject * object)
{
  GstFerLiveSource *self = GST_FER_LIVE_SOURCE (object);

  guarded (self, "finalize",[&] {
        stop_supervisor (self); /* never running past the element's life */
      });
  delete self->priv;
  self->priv = nullptr;
  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static void
gst_fer_live_source_class_init (GstFerLiveSourceClass * klass)
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
  const fer::LiveSourcePolicyOptions defaults;

  gobject_class->set_property = gst_fer_live_source_set_property;
  gobject_class->get_property = gst_fer_live_source_get_property;
  gobject_class->finalize = gst_fer_live_source_finalize;

  g_object_class_override_property (gobject_class, PROP_NAME, "name");

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
          "is an error (0: never)", 0, G_MAXUINT, defaults.timeout_ms,
          rw_playing));
  g_object_class_install_property (gobject_class, PROP_RETRY_DELAY,
      g_param_spec_uint ("retry-delay", "Retry delay",
          "Live: milliseconds before the first attempt to reopen a lost "
          "source; doubled after each failed attempt", 1, G_MAXUINT,
          defaults.retry_delay_ms, rw));
  g_object_class_install_property (gobject_class, PROP_RETRY_MAX_DELAY,
      g_param_spec_uint ("retry-max-delay", "Retry max delay",
          "Live: longest wait in milliseconds between attempts", 1, G_MAXUINT,
          defaults.retry_max_delay_ms, rw));
  g_object_class_install_property (gobject_class, PROP_LATENCY,
      g_param_spec_uint ("latency", "Latency",
          "rtsp://: jitter buffer in milliseconds (rtspsrc latency)", 0,
          G_MAXUINT, DEFAULT_LATENCY, rw));
  g_object_class_install_property (gobject_class, PROP_STATS_INTERVAL,
      g_param_spec_uint ("stats-interval", "Stats interval",
          "Milliseconds between livesource-stats messages (0: none)", 0,
          G_MAXUINT, defaults.stats_interval_ms, rw_playing));
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
      GST_DEBUG_FUNCPTR (gst_fer_live_source_change_state);
  element_class->send_event =
      GST_DEBUG_FUNCPTR (gst_fer_live_source_send_event);
  bin_class->handle_message =
      GST_DEBUG_FUNCPTR (gst_fer_live_source_handle_message);

  GST_DEBUG_CATEGORY_INIT (gst_fer_live_source_debug, "livesource", 0,
      "gst-fer reconnecting live source");
}

static void
gst_fer_live_source_init (GstFerLiveSource * self)
{
  self->priv = new LiveSourcePrivate ();
  LiveSourcePrivate & priv = *self->priv;

  priv.queue = gst_element_factory_make ("queue", "analytics-queue");
  gst_bin_add (GST_BIN (self), priv.queue);
  priv.queue_sink = gst_element_get_static_pad (priv.queue, "sink");
  gst_pad_add_probe (priv.queue_sink, (GstPadProbeType)
      (GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM),
      [](GstPad * pad, GstPadProbeInfo * info, gpointer user_data) {
        GstFerLiveSource *self = GST_FER_LIVE_SOURCE (user_data);
        return guarded (self, "frame in", GST_PAD_PROBE_OK,[&] {
              return on_frame_in (pad, info, self);
            });
      }, self, nullptr);
  GstPad *queue_src = gst_element_get_static_pad (priv.queue, "src");
  gst_pad_add_probe (queue_src, GST_PAD_PROBE_TYPE_BUFFER,
      [](GstPad * pad, GstPadProbeInfo * info, gpointer user_data) {
        GstFerLiveSource *self = GST_FER_LIVE_SOURCE (user_data);
        return guarded (self, "frame out", GST_PAD_PROBE_OK,[&] {
              return on_frame_out (pad, info, self);
            });
      }, self, nullptr);
  GstPad *ghost = gst_ghost_pad_new_from_template ("src", queue_src,
      gst_static_pad_template_get (&src_template));
  gst_element_add_pad (GST_ELEMENT (self), ghost);
  gst_object_unref (queue_src);
  GST_OBJECT_FLAG_SET (self, GST_ELEMENT_FLAG_SOURCE);
}
