// SPDX-License-Identifier: LGPL-2.1-or-later
// Helpers shared by the element and pipeline tests: GStreamer initialisation
// (a gtest global environment), RGB buffers from real stills, the faces meta
// looked up by name, bus draining, JSON lines files and temporary dirs.
#pragma once

#include <gst/check/gstharness.h>
#include <gst/gst.h>
#include <gst/video/video.h>
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "gstfermeta.h"
#include "test_paths.h"

namespace fer::test {

// gst_init once per test binary, with the build tree's plugin on the path
// (ctest sets GST_PLUGIN_PATH too; this lets the binary run by hand).
class GstEnvironment : public ::testing::Environment {
 public:
  void SetUp() override {
    g_setenv("GST_PLUGIN_PATH", FER_PLUGIN_DIR, FALSE);
    gst_init(nullptr, nullptr);
  }
  // With GST_TRACERS=leaks (tests/sanitize.sh) the tracer reports the
  // GStreamer objects still alive here.
  void TearDown() override { gst_deinit(); }
};
inline ::testing::Environment* const gst_environment =
    ::testing::AddGlobalTestEnvironment(new GstEnvironment);

// The plugin registers GstFerFacesMeta inside libgstfer.so; the test binary
// does not link the plugin, so it finds the meta API by its registered name.
// The struct layout is the one of gstfermeta.h (same headers, same compiler).
inline GstFerFacesMeta* faces_meta(GstBuffer* buffer) {
  const GType api = g_type_from_name("GstFerFacesMetaAPI");
  if (api == 0) return nullptr;
  return reinterpret_cast<GstFerFacesMeta*>(gst_buffer_get_meta(buffer, api));
}

inline std::vector<GstVideoRegionOfInterestMeta*> roi_metas(GstBuffer* buffer) {
  std::vector<GstVideoRegionOfInterestMeta*> out;
  gpointer state = nullptr;
  while (GstMeta* m = gst_buffer_iterate_meta_filtered(
             buffer, &state, GST_VIDEO_REGION_OF_INTEREST_META_API_TYPE))
    out.push_back(reinterpret_cast<GstVideoRegionOfInterestMeta*>(m));
  return out;
}

// A still as RGB (cv::imread gives BGR).
inline cv::Mat load_rgb(const std::string& path) {
  cv::Mat bgr = cv::imread(path, cv::IMREAD_COLOR);
  cv::Mat rgb;
  if (!bgr.empty()) cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
  return rgb;
}

inline std::string rgb_caps(int width, int height) {
  return "video/x-raw,format=RGB,width=" + std::to_string(width) +
         ",height=" + std::to_string(height) + ",framerate=25/1";
}

// A GstBuffer holding `rgb` (CV_8UC3) with GStreamer's RGB row stride
// (rounded up to 4 bytes), timestamped as frame `index` at 25 fps.
inline GstBuffer* rgb_buffer(const cv::Mat& rgb, int index = 0) {
  GstVideoInfo info;
  gst_video_info_set_format(&info, GST_VIDEO_FORMAT_RGB, rgb.cols, rgb.rows);
  GstBuffer* buffer = gst_buffer_new_allocate(nullptr, GST_VIDEO_INFO_SIZE(&info), nullptr);
  GstVideoFrame frame;
  if (!gst_video_frame_map(&frame, &info, buffer, GST_MAP_WRITE)) {
    gst_buffer_unref(buffer);
    return nullptr;
  }
  auto* data = static_cast<guint8*>(GST_VIDEO_FRAME_PLANE_DATA(&frame, 0));
  const int stride = GST_VIDEO_FRAME_PLANE_STRIDE(&frame, 0);
  for (int y = 0; y < rgb.rows; ++y)
    std::memcpy(data + y * stride, rgb.ptr(y), static_cast<size_t>(rgb.cols) * 3);
  gst_video_frame_unmap(&frame);
  GST_BUFFER_PTS(buffer) = gst_util_uint64_scale(index, GST_SECOND, 25);
  GST_BUFFER_DURATION(buffer) = GST_SECOND / 25;
  return buffer;
}

// An RGB buffer's pixels as a CV_8UC3 copy (stride removed).
inline cv::Mat buffer_to_rgb(GstBuffer* buffer, int width, int height) {
  GstVideoInfo info;
  gst_video_info_set_format(&info, GST_VIDEO_FORMAT_RGB, width, height);
  GstVideoFrame frame;
  cv::Mat out;
  if (!gst_video_frame_map(&frame, &info, buffer, GST_MAP_READ)) return out;
  out.create(height, width, CV_8UC3);
  const auto* data = static_cast<const guint8*>(GST_VIDEO_FRAME_PLANE_DATA(&frame, 0));
  const int stride = GST_VIDEO_FRAME_PLANE_STRIDE(&frame, 0);
  for (int y = 0; y < height; ++y)
    std::memcpy(out.ptr(y), data + y * stride, static_cast<size_t>(width) * 3);
  gst_video_frame_unmap(&frame);
  return out;
}

// Messages of `types` now queued on `bus` (non-blocking), popped and owned
// by the caller's Messages.
struct Messages {
  std::vector<GstMessage*> list;
  Messages() = default;
  Messages(Messages&&) = default;
  Messages(const Messages&) = delete;
  Messages& operator=(const Messages&) = delete;
  ~Messages() {
    for (GstMessage* m : list) gst_message_unref(m);
  }
  size_t count(GstMessageType type) const {
    size_t n = 0;
    for (GstMessage* m : list) n += GST_MESSAGE_TYPE(m) == type;
    return n;
  }
  // "message | debug" of every error and warning, for assertion output.
  std::string describe() const {
    std::string out;
    for (GstMessage* m : list) {
      GError* err = nullptr;
      gchar* debug = nullptr;
      if (GST_MESSAGE_TYPE(m) == GST_MESSAGE_ERROR)
        gst_message_parse_error(m, &err, &debug);
      else if (GST_MESSAGE_TYPE(m) == GST_MESSAGE_WARNING)
        gst_message_parse_warning(m, &err, &debug);
      else
        continue;
      out += std::string(GST_MESSAGE_TYPE_NAME(m)) + ": " + (err ? err->message : "") + " | " +
             (debug ? debug : "") + "\n";
      g_clear_error(&err);
      g_free(debug);
    }
    return out;
  }
};

inline void drain(GstBus* bus, Messages& into) {
  while (GstMessage* m = gst_bus_pop_filtered(
             bus, static_cast<GstMessageType>(GST_MESSAGE_ERROR | GST_MESSAGE_WARNING)))
    into.list.push_back(m);
}

// Text of an error message: GError message and debug string.
inline void parse_error(GstMessage* m, std::string& message, std::string& debug,
                        GQuark* domain = nullptr) {
  GError* err = nullptr;
  gchar* dbg = nullptr;
  gst_message_parse_error(m, &err, &dbg);
  message = err ? err->message : "";
  debug = dbg ? dbg : "";
  if (domain) *domain = err ? err->domain : 0;
  g_clear_error(&err);
  g_free(dbg);
}

// A guint64 property of `e` (G_MAXUINT64 if it could not be read).
inline guint64 uint64_property(GstElement* e, const char* name) {
  guint64 v = G_MAXUINT64;
  g_object_get(e, name, &v, nullptr);
  return v;
}

// A fresh directory under $TMPDIR, removed with everything in it.
struct TempDir {
  std::filesystem::path path;
  TempDir() {
    gchar* p = g_dir_make_tmp("fer-test-XXXXXX", nullptr);
    if (p) path = p;
    g_free(p);
  }
  ~TempDir() {
    std::error_code ec;
    if (!path.empty()) std::filesystem::remove_all(path, ec);
  }
  std::string file(const std::string& name) const { return (path / name).string(); }
};

// A GstHarness over a launch line, with a bus on the harnessed bin so element
// errors and warnings can be read. The harness starts the bin in PLAYING and
// aborts if that fails: negative state-change tests use plain elements.
struct Harness {
  GstHarness* h = nullptr;
  GstBus* bus = nullptr;

  Harness(const std::string& launch, const std::string& src_caps) {
    // As gst_harness_new_parse, but the bus is set before the bin starts:
    // what an element posts while starting (an MQTT connection refused at
    // once) would otherwise be dropped for want of a bus.
    static GstStaticPadTemplate any_src = GST_STATIC_PAD_TEMPLATE("src", GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS_ANY);
    static GstStaticPadTemplate any_sink =
        GST_STATIC_PAD_TEMPLATE("sink", GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS_ANY);
    bus = gst_bus_new();
    h = gst_harness_new_empty();
    GstElement* bin = gst_parse_bin_from_description_full(launch.c_str(), TRUE, nullptr, GST_PARSE_FLAG_NONE, nullptr);
    gst_element_set_bus(bin, bus);
    gst_harness_add_element_full(h, bin, &any_src, "sink", &any_sink, "src");
    gst_object_unref(bin);
    gst_harness_set_src_caps_str(h, src_caps.c_str());
  }
  ~Harness() {
    // The messages left on the bus hold their sources, and the element holds
    // the bus: unset it, so the bus (and its messages) go with the last ref,
    // ours or that of a test still reading the messages of the stop.
    GstElement* element = GST_ELEMENT(gst_object_ref(h->element));
    gst_harness_teardown(h);
    gst_element_set_bus(element, nullptr);
    gst_object_unref(element);
    gst_object_unref(bus);
  }
  Harness(const Harness&) = delete;
  Harness& operator=(const Harness&) = delete;

  GstFlowReturn push(GstBuffer* buffer) { return gst_harness_push(h, buffer); }
  // Waits at most 60 s (gst_harness_pull's own bound); nullptr on timeout.
  GstBuffer* pull() { return gst_harness_pull(h); }

  // Video format the harness sink pad negotiated, e.g. "I420".
  std::string output_format() const {
    GstCaps* caps = gst_pad_get_current_caps(h->sinkpad);
    if (!caps) return {};
    const gchar* f = gst_structure_get_string(gst_caps_get_structure(caps, 0), "format");
    std::string out = f ? f : "";
    gst_caps_unref(caps);
    return out;
  }

  Messages messages() {
    Messages m;
    drain(bus, m);
    return m;
  }
};

// The error an element posts when its start (NULL -> PAUSED) fails.
struct StartError {
  bool posted = false;
  GQuark domain = 0;
  std::string message, debug;
};

// Sets `e` to PAUSED, expecting the state change to fail, and returns the
// ERROR message it posted (waiting at most 5 s); `e` is back in NULL after.
inline StartError expect_start_fails(GstElement* e) {
  GstBus* bus = gst_bus_new();
  gst_element_set_bus(e, bus);
  EXPECT_EQ(gst_element_set_state(e, GST_STATE_PAUSED), GST_STATE_CHANGE_FAILURE);
  StartError error;
  if (GstMessage* msg = gst_bus_timed_pop_filtered(bus, 5 * GST_SECOND, GST_MESSAGE_ERROR)) {
    error.posted = true;
    parse_error(msg, error.message, error.debug, &error.domain);
    gst_message_unref(msg);
  } else {
    ADD_FAILURE() << "no error message on the bus";
  }
  gst_element_set_state(e, GST_STATE_NULL);
  gst_element_set_bus(e, nullptr);
  gst_object_unref(bus);
  return error;
}

inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

inline void write_file(const std::string& path, const std::string& contents) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << contents;
}

// A JSON lines file: each line parsed; `complete` is false if the file does
// not end in a newline (a partial last line) or a line does not parse.
struct JsonLines {
  std::vector<nlohmann::json> lines;
  bool complete = true;
  std::string problem;
};

inline JsonLines read_json_lines(const std::string& path) {
  JsonLines out;
  const std::string text = read_file(path);
  if (!text.empty() && text.back() != '\n') {
    out.complete = false;
    out.problem = "file does not end in a newline";
  }
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    try {
      out.lines.push_back(nlohmann::json::parse(line));
    } catch (const std::exception& e) {
      out.complete = false;
      out.problem = "line " + std::to_string(out.lines.size()) + ": " + e.what();
      break;
    }
  }
  return out;
}

}  // namespace fer::test
