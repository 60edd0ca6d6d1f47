// SPDX-License-Identifier: LGPL-2.1-or-later
#include "video_decoder.h"

#include <gst/app/gstappsink.h>
#include <gst/gst.h>
#include <gst/video/video.h>

#include <chrono>
#include <cmath>
#include <exception>
#include <filesystem>
#include <system_error>

#include "fer/error.h"
#include "gstferframe.h"

namespace fer_tools {

namespace {

// The decoding pipeline of one clip; torn down (state NULL) on destruction.
class DecodePipeline {
 public:
  explicit DecodePipeline(const std::string& path) {
    GError* error = nullptr;
    pipeline_ = gst_parse_launch(
        "filesrc name=src ! decodebin ! videoconvert ! "
        "appsink name=sink sync=false max-buffers=2 drop=false enable-last-sample=false",
        &error);
    if (!pipeline_ || error) {
      const std::string message = error ? error->message : "unknown error";
      g_clear_error(&error);
      if (pipeline_) gst_object_unref(pipeline_);
      pipeline_ = nullptr;
      throw fer::Error("cannot build the decoding pipeline (GStreamer's base plugins missing?): " +
                       message);
    }
    GstElement* src = gst_bin_get_by_name(GST_BIN(pipeline_), "src");
    g_object_set(src, "location", path.c_str(), nullptr);
    gst_object_unref(src);
    sink_ = gst_bin_get_by_name(GST_BIN(pipeline_), "sink");
    // The formats facelandmarks accepts: videoconvert then negotiates what
    // it negotiates in front of the element.
    GstCaps* caps = gst_caps_from_string("video/x-raw, format=(string)" GST_FER_ANALYTICS_FORMATS);
    gst_app_sink_set_caps(GST_APP_SINK(sink_), caps);
    gst_caps_unref(caps);
    bus_ = gst_element_get_bus(pipeline_);
  }
  ~DecodePipeline() {
    if (pipeline_) gst_element_set_state(pipeline_, GST_STATE_NULL);
    if (bus_) gst_object_unref(bus_);
    if (sink_) gst_object_unref(sink_);
    if (pipeline_) gst_object_unref(pipeline_);
  }
  DecodePipeline(const DecodePipeline&) = delete;
  DecodePipeline& operator=(const DecodePipeline&) = delete;

  GstElement* pipeline() const { return pipeline_; }
  GstAppSink* sink() const { return GST_APP_SINK(sink_); }

  // The first ERROR message queued on the bus as "decoding failed (element):
  // message", or "" when there is none (other messages are discarded).
  std::string pop_error() {
    GstMessage* msg = gst_bus_pop_filtered(bus_, GST_MESSAGE_ERROR);
    if (!msg) return {};
    GError* error = nullptr;
    gchar* debug = nullptr;
    gst_message_parse_error(msg, &error, &debug);
    std::string text = "decoding failed";
    if (GST_MESSAGE_SRC(msg)) text += std::string(" (") + GST_MESSAGE_SRC_NAME(msg) + ")";
    text += std::string(": ") + (error ? error->message : "unknown error");
    g_clear_error(&error);
    g_free(debug);
    gst_message_unref(msg);
    return text;
  }

 private:
  GstElement* pipeline_ = nullptr;
  GstElement* sink_ = nullptr;
  GstBus* bus_ = nullptr;
};

// A reference to caps, dropped on destruction.
struct CapsRef {
  GstCaps* caps = nullptr;
  CapsRef() = default;
  CapsRef(const CapsRef&) = delete;
  CapsRef& operator=(const CapsRef&) = delete;
  ~CapsRef() {
    if (caps) gst_caps_unref(caps);
  }
};

// A damaged file often decodes to EOS without an error, just short (a
// truncated file, a zeroed stretch the demuxer skips): "" when the frames
// decoded are at least kMinCompleteFraction of what the container declares
// (duration x frame rate), else the problem. Unknown duration or a variable
// frame rate: "" (nothing to compare with).
std::string completeness_problem(DecodePipeline& decode, const GstVideoInfo& info, std::int64_t frames) {
  gint64 duration = -1;
  if (info.fps_n <= 0 || info.fps_d <= 0 ||
      !gst_element_query_duration(decode.pipeline(), GST_FORMAT_TIME, &duration) || duration <= 0)
    return {};
  const double expected = static_cast<double>(duration) / GST_SECOND * info.fps_n / info.fps_d;
  if (static_cast<double>(frames) >= kMinCompleteFraction * expected) return {};
  return "incomplete: decoded " + std::to_string(frames) + " of the " +
         std::to_string(static_cast<long long>(std::llround(expected))) +
         " frames the container declares (truncated or damaged file)";
}

}  // namespace

DecodeResult decode_video(const std::string& path,
                          const std::function<bool(const VideoFrame&)>& on_frame,
                          const std::atomic<bool>* cancel) {
  DecodeResult out;
  std::error_code ec;
  const std::filesystem::file_status status = std::filesystem::status(path, ec);
  if (!std::filesystem::exists(status)) {
    out.error = "file not found";
    return out;
  }
  if (std::filesystem::is_directory(status)) {
    out.error = "is a directory, not a video file";
    return out;
  }
  // A FIFO, socket or device can block the first open or read for ever (a
  // pipe with no writer); clips of a dataset are regular files.
  if (!std::filesystem::is_regular_file(status)) {
    out.error = "not a regular file (a pipe, socket or device): reading it could block for ever";
    return out;
  }
  std::string& error = out.error;
  try {
    DecodePipeline decode(path);
    if (gst_element_set_state(decode.pipeline(), GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
      error = decode.pop_error();
      if (error.empty()) error = "decoding failed: the pipeline did not start";
      return out;
    }
    GstVideoInfo info;
    CapsRef info_caps;  // the caps `info` was parsed from
    auto last_frame = std::chrono::steady_clock::now();
    bool stopped = false;
    while (!stopped) {
      if (cancel && cancel->load()) {
        out.cancelled = true;
        error = "interrupted";
        break;
      }
      error = decode.pop_error();
      if (!error.empty()) break;
      GstSample* sample = gst_app_sink_try_pull_sample(decode.sink(), GST_SECOND / 5);
      if (!sample) {
        if (gst_app_sink_is_eos(decode.sink())) break;
        if (std::chrono::steady_clock::now() - last_frame > std::chrono::seconds(kStallSeconds)) {
          error = "decoding stalled: no frame for " + std::to_string(kStallSeconds) + " s";
          break;
        }
        continue;
      }
      last_frame = std::chrono::steady_clock::now();
      GstCaps* caps = gst_sample_get_caps(sample);
      GstBuffer* buffer = gst_sample_get_buffer(sample);
      if (caps != info_caps.caps) {
        if (!caps || !gst_video_info_from_caps(&info, caps)) {
          gst_sample_unref(sample);
          error = "decoding failed: a sample without valid video caps";
          break;
        }
        gst_caps_replace(&info_caps.caps, caps);
      }
      GstVideoFrame frame;
      if (!buffer || !gst_video_frame_map(&frame, &info, buffer, GST_MAP_READ)) {
        gst_sample_unref(sample);
        error = "decoding failed: cannot map a video frame";
        break;
      }
      VideoFrame view;
      view.image = gst_fer_image_view(&frame);
      view.index = out.frames;
      if (GST_BUFFER_PTS_IS_VALID(buffer)) view.pts = static_cast<std::int64_t>(GST_BUFFER_PTS(buffer));
      if (info.fps_n > 0 && info.fps_d > 0)
        view.frame_duration_ns = static_cast<std::int64_t>(
            gst_util_uint64_scale_int(GST_SECOND, info.fps_d, info.fps_n));
      try {
        stopped = !on_frame(view);
      } catch (const std::exception& e) {
        error = e.what();
      }
      gst_video_frame_unmap(&frame);
      gst_sample_unref(sample);
      if (!error.empty()) break;
      ++out.frames;
    }
    if (error.empty() && !stopped && info_caps.caps)
      error = completeness_problem(decode, info, out.frames);
  } catch (const std::exception& e) {
    error = e.what();
  }
  return out;
}

}  // namespace fer_tools
