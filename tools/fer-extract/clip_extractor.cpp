#include "clip_extractor.h"

#include <gst/app/gstappsink.h>
#include <gst/gst.h>
#include <gst/video/video.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <system_error>

#include "fer/blendshapes.h"
#include "fer/error.h"
#include "fer/face.h"
#include "fer/track_features.h"
#include "fer/wavelet.h"
#include "gstferframe.h"

namespace fer_extract {

namespace {

constexpr std::size_t kLandmarkChannels = fer::kFaceLandmarks * 3;

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

// The face seed 000 keeps when there are several: the one closest to the
// frame centre (with max_faces = 1 there is at most one).
const fer::Face* primary_face(const fer::FrameFaces& frame) {
  const fer::Face* best = nullptr;
  double best_d2 = 0.0;
  for (const fer::Face& face : frame.faces) {
    if (face.landmarks.size() != static_cast<std::size_t>(fer::kFaceLandmarks)) continue;
    const double dx = face.bbox.x + face.bbox.width / 2.0 - frame.width / 2.0;
    const double dy = face.bbox.y + face.bbox.height / 2.0 - frame.height / 2.0;
    const double d2 = dx * dx + dy * dy;
    if (!best || d2 < best_d2) {
      best = &face;
      best_d2 = d2;
    }
  }
  return best;
}

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

std::string format_percent(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f", value);
  return text;
}

}  // namespace

std::string quality_problem(std::int64_t frames_total, std::int64_t frames_with_face) {
  if (frames_total == 0) return "no video frames decoded";
  if (frames_with_face < kMinFramesWithFace)
    return "a face in only " + std::to_string(frames_with_face) + " frames (fewer than " +
           std::to_string(kMinFramesWithFace) + ")";
  // Integer form of frames_with_face < 0.9 * frames_total.
  if (frames_with_face * 10 < frames_total * 9)
    return "a face in " + format_percent(100.0 * frames_with_face / frames_total) + " % of " +
           std::to_string(frames_total) + " frames (under 90 %)";
  return {};
}

ClipExtractor::ClipExtractor(const std::string& model_dir) {
  fer::FaceTrackerOptions options;  // facelandmarks' defaults ...
  options.max_faces = 1;            // ... but one face per clip (seed 000)
  options.model_dir = model_dir;
  tracker_ = fer::FaceTracker::Create(options);
  fer::FaceAnalyzerOptions analyzer_options;
  analyzer_options.model_dir = model_dir;
  analyzer_ = fer::FaceAnalyzer::Create(analyzer_options);
}

ClipFeatures ClipExtractor::extract(const std::string& path, const std::atomic<bool>* cancel) {
  ClipFeatures out;
  out.landmarks.assign(static_cast<std::size_t>(kCoefficients) * kLandmarkChannels, 0.0f);
  out.blendshapes.assign(static_cast<std::size_t>(kCoefficients) * fer::kBlendshapeCount, 0.0f);
  auto fail = [&out](const std::string& reason) {
    out.error = true;
    out.flagged = true;
    out.reason = reason;
    return out;
  };

  std::error_code ec;
  const std::filesystem::file_status status = std::filesystem::status(path, ec);
  if (!std::filesystem::exists(status)) return fail("file not found");
  if (std::filesystem::is_directory(status)) return fail("is a directory, not a video file");

  tracker_->reset();  // a fresh stream, as a new facelandmarks instance sees it
  std::vector<float> landmarks, blendshapes;  // T x 1434, T x 52
  std::string error;
  try {
    DecodePipeline decode(path);
    if (gst_element_set_state(decode.pipeline(), GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
      error = decode.pop_error();
      return fail(error.empty() ? "decoding failed: the pipeline did not start" : error);
    }
    GstVideoInfo info;
    CapsRef info_caps;  // the caps `info` was parsed from
    auto last_frame = std::chrono::steady_clock::now();
    for (;;) {
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
      fer::FrameFaces result;
      result.frame = out.frames_total;
      if (GST_BUFFER_PTS_IS_VALID(buffer)) result.pts = static_cast<std::int64_t>(GST_BUFFER_PTS(buffer));
      result.width = GST_VIDEO_FRAME_WIDTH(&frame);
      result.height = GST_VIDEO_FRAME_HEIGHT(&frame);
      try {
        result.faces = tracker_->process(gst_fer_image_view(&frame));
        analyzer_->Analyze(result);
      } catch (const std::exception& e) {
        error = std::string("face analysis failed: ") + e.what();
      }
      gst_video_frame_unmap(&frame);
      gst_sample_unref(sample);
      if (!error.empty()) break;
      ++out.frames_total;
      if (const fer::Face* face = primary_face(result)) {
        const std::vector<float> points = fer::normalised_landmarks(*face, result.width, result.height);
        landmarks.insert(landmarks.end(), points.begin(), points.end());
        const std::vector<float> shapes = fer::blendshapes_or_zeros(*face);
        blendshapes.insert(blendshapes.end(), shapes.begin(), shapes.end());
        ++out.frames_with_face;
      }
    }
    if (error.empty() && info_caps.caps) error = completeness_problem(decode, info, out.frames_total);
  } catch (const std::exception& e) {
    error = e.what();
  }
  if (!error.empty()) return fail(error);

  out.reason = quality_problem(out.frames_total, out.frames_with_face);
  if (!out.reason.empty()) {
    out.flagged = true;  // zero-filled
    return out;
  }
  const int T = static_cast<int>(out.frames_with_face);
  fer::WaveletOptions wavelet;
  wavelet.coefficients = kCoefficients;
  fer::WaveletShape shape;
  out.landmarks = fer::wavelet_encode(landmarks, T, static_cast<int>(kLandmarkChannels), wavelet, &shape);
  out.blendshapes = fer::wavelet_encode(blendshapes, T, fer::kBlendshapeCount, wavelet);
  out.valid_coefficients = shape.valid;
  return out;
}

}  // namespace fer_extract
