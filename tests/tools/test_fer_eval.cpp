// SPDX-License-Identifier: LGPL-2.1-or-later
// fer-eval run as a user runs it: the built binary on parts of the project's
// labelled evaluation set (tests/data/eval, laid out in the build tree) and
// on small inputs of every form made here from the test media. The report
// is checked against itself (metrics.json vs predictions.csv), against
// scikit-learn (tests/tools/check_metrics_sklearn.py) and against
// `facelandmarks ! emotionclassify` run by gst-launch-1.0 on the same
// frames; bad inputs, the refusal to overwrite a report and Ctrl-C too.
#include <signal.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "../elements/gst_test_support.h"
#include "fer/io/csv_table.h"
#include "tool_process.h"

namespace fs = std::filesystem;
using namespace fer::test;
using nlohmann::json;

namespace {

constexpr const char* kPython = "/usr/bin/python3";  // Debian's, with scikit-learn

std::vector<std::string> eval_args(std::vector<std::string> args) {
  args.insert(args.begin(), FER_EVAL_BIN);
  return args;
}

std::string eval_set(const std::string& name) { return std::string(FER_EVAL_SET_DIR) + "/" + name; }

json read_json(const std::string& path) { return json::parse(read_file(path)); }

// A CSV's records as maps column -> value.
std::vector<std::map<std::string, std::string>> read_rows(const std::string& path) {
  const fer::CsvTable t = fer::read_csv_table(path);
  std::vector<std::map<std::string, std::string>> rows;
  for (const fer::CsvRecord& r : t.records) {
    std::map<std::string, std::string> row;
    for (std::size_t c = 0; c < t.columns.size(); ++c) row[t.columns[c]] = r.fields[c];
    rows.push_back(std::move(row));
  }
  return rows;
}

// metrics.json's confusion matrix and outcome counts against the rows.
void expect_metrics_match_rows(const json& m, const std::vector<std::map<std::string, std::string>>& rows,
                               const std::string& level) {
  const std::vector<std::string> labels = m.at("confusion").at("labels");
  std::map<std::string, int> index;
  for (std::size_t i = 0; i < labels.size(); ++i) index[labels[i]] = static_cast<int>(i);
  std::vector<std::vector<std::int64_t>> counts(labels.size(), std::vector<std::int64_t>(labels.size(), 0));
  int correct = 0;
  for (const auto& r : rows) {
    ASSERT_TRUE(index.count(r.at("true")) && index.count(r.at("predicted"))) << level << ": " << r.at("true");
    ++counts[index[r.at("true")]][index[r.at("predicted")]];
    correct += r.at("true") == r.at("predicted");
  }
  EXPECT_EQ(m.at("items").get<std::size_t>(), rows.size()) << level;
  EXPECT_EQ(m.at("confusion").at("matrix").get<std::vector<std::vector<std::int64_t>>>(), counts) << level;
  EXPECT_NEAR(m.at("war").get<double>(), rows.empty() ? 0.0 : static_cast<double>(correct) / rows.size(), 1e-12)
      << level;
}

void expect_sklearn_agrees(const std::string& report, const fs::path& dir) {
  const ProcessResult r =
      run_tool({kPython, std::string(FER_SOURCE_DIR) + "/tests/tools/check_metrics_sklearn.py", report}, dir, 120);
  EXPECT_EQ(r.exit_code, 0) << r.out << describe(r);
  EXPECT_NE(r.out.find("ok"), std::string::npos) << r.out;
}

// The labelled ranges of the evaluation set for one video, written into a
// CSV of absolute paths: a part of the set for a quick end-to-end run.
std::string subset_of_ranges(const std::string& video, const std::string& csv_out, std::int64_t max_frames) {
  std::string text = "path,start_frame,end_frame,label\n";
  std::int64_t frames = 0;
  for (const auto& r : read_rows(eval_set("videos.csv"))) {
    if (fs::path(r.at("path")).filename() != video) continue;
    const std::int64_t n = std::stoll(r.at("end_frame")) - std::stoll(r.at("start_frame")) + 1;
    if (frames + n > max_frames) break;
    frames += n;
    text += eval_set(r.at("path")) + "," + r.at("start_frame") + "," + r.at("end_frame") + "," + r.at("label") + "\n";
  }
  write_file(csv_out, text);
  return csv_out;
}

// A run of fer-eval on part of the evaluation set, made once per process.
struct SubsetRun {
  TempDir dir;
  std::string csv, video, out;
  ProcessResult result;
};

const SubsetRun& subset_run() {
  static SubsetRun* run = [] {
    auto* s = new SubsetRun;
    s->video = media_path("cap13_edit2.mp4");
    s->csv = subset_of_ranges("cap13_edit2.mp4", s->dir.file("ranges.csv"), 600);
    s->out = s->dir.file("report");
    s->result = run_tool(eval_args({s->csv, "--out", s->out, "--jobs", "2"}), s->dir.path, 600);
    return s;
  }();
  return *run;
}

// The face nearest the frame centre (fer-eval's rule) of a JSON line.
const json* primary_face(const json& line) {
  const json* best = nullptr;
  double best_d2 = 0.0;
  for (const json& face : line.at("faces")) {
    if (!face.contains("landmarks")) continue;
    const auto b = face.at("bbox");
    const double dx = b[0].get<double>() + b[2].get<double>() / 2 - line.at("width").get<double>() / 2;
    const double dy = b[1].get<double>() + b[3].get<double>() / 2 - line.at("height").get<double>() / 2;
    if (!best || dx * dx + dy * dy < best_d2) {
      best = &face;
      best_d2 = dx * dx + dy * dy;
    }
  }
  return best;
}

}  // namespace

TEST(FerEval, RangesOfTheEvaluationSetGiveAConsistentReport) {
  const SubsetRun& s = subset_run();
  ASSERT_EQ(s.result.exit_code, 0) << describe(s.result);
  EXPECT_NE(s.result.err.find("frame-range CSV"), std::string::npos) << s.result.err;
  for (const char* name : {"metrics.json", "predictions.csv", "frame_predictions.csv", "report.md", "confusion.png",
                           "per_class.png", "confusion_frames.png", "per_class_frames.png"})
    EXPECT_TRUE(fs::exists(fs::path(s.out) / name)) << name;
  const json m = read_json(s.out + "/metrics.json");
  const auto items = read_rows(s.out + "/predictions.csv");
  const auto frames = read_rows(s.out + "/frame_predictions.csv");
  EXPECT_GT(items.size(), 0u);
  EXPECT_GE(frames.size(), 100u);
  expect_metrics_match_rows(m, items, "items");
  expect_metrics_match_rows(m.at("frames"), frames, "frames");
  expect_sklearn_agrees(s.out, s.dir.path);
  const cv::Mat png = cv::imread(s.out + "/confusion.png");
  EXPECT_GT(png.cols, 400);
  const std::string md = read_file(s.out + "/report.md");
  EXPECT_NE(md.find("| class | precision | recall | F1 | support |"), std::string::npos);
  EXPECT_NE(md.find("![confusion](confusion.png)"), std::string::npos);
}

TEST(FerEval, FramePredictionsEqualThePipelines) {
  const SubsetRun& s = subset_run();
  ASSERT_EQ(s.result.exit_code, 0) << describe(s.result);
  const std::string jsonl = s.dir.file("pipeline.jsonl");
  const ProcessResult p = run_tool({"gst-launch-1.0", "-q", "filesrc", "location=" + s.video, "!", "decodebin", "!",
                                    "videoconvert", "!", "facelandmarks", "!", "emotionclassify", "!",
                                    "facemetapublish", "location=" + jsonl, "!", "fakesink"},
                                   s.dir.path, 600);
  ASSERT_EQ(p.exit_code, 0) << describe(p);
  const JsonLines lines = read_json_lines(jsonl);
  ASSERT_TRUE(lines.complete) << lines.problem;
  int compared = 0, with_face = 0;
  for (const auto& row : read_rows(s.out + "/frame_predictions.csv")) {
    const std::size_t frame = std::stoul(row.at("frame"));
    ASSERT_LT(frame, lines.lines.size());
    const json* face = primary_face(lines.lines[frame]);
    ++compared;
    if (!face || !face->contains("emotion")) {
      EXPECT_EQ(row.at("predicted"), face ? "unknown" : "not_detected") << "frame " << frame;
      continue;
    }
    ++with_face;
    const json& emotion = face->at("emotion");
    EXPECT_EQ(row.at("predicted"), emotion.at("label").get<std::string>()) << "frame " << frame;
    for (const auto& [label, p] : emotion.at("probs").items())
      EXPECT_NEAR(std::stod(row.at(label)), p.get<double>(), 1.5e-4) << "frame " << frame << " " << label;
  }
  EXPECT_GE(compared, 100);
  EXPECT_GE(with_face, compared / 2);
}

TEST(FerEval, StillsOfTheEvaluationSet) {
  TempDir dir;
  const std::string out = dir.file("report");
  const ProcessResult r = run_tool(eval_args({eval_set("stills.csv"), "--out", out}), dir.path, 300);
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_NE(r.err.find("stills CSV"), std::string::npos) << r.err;
  const json m = read_json(out + "/metrics.json");
  EXPECT_FALSE(m.contains("frames"));
  EXPECT_FALSE(fs::exists(out + "/frame_predictions.csv"));
  EXPECT_EQ(m.at("errors").get<int>(), 0);
  expect_metrics_match_rows(m, read_rows(out + "/predictions.csv"), "stills");
  expect_sklearn_agrees(out, dir.path);
}

TEST(FerEval, DatasetClipCsvAndUnreadableClips) {
  TempDir dir;
  fs::create_symlink(media_path("cap13_edit2.mp4"), dir.file("calm.mp4"));
  write_file(dir.file("text.mp4"), "this is not a video\n");
  write_file(dir.file("dfew.csv"),
             "video_id,file_path,label,actual\n"
             "1,calm.mp4,3,Neutral\n"
             "2,missing.mp4,1,Happy\n"
             "3,text.mp4,1,Happy\n");
  const std::string out = dir.file("report");
  const ProcessResult r = run_tool(eval_args({dir.file("dfew.csv"), "--out", out}), dir.path, 300);
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_NE(r.err.find("DFEW clip CSV"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("dfew.csv:3: file not found"), std::string::npos) << r.err;
  const auto items = read_rows(out + "/predictions.csv");
  ASSERT_EQ(items.size(), 3u);
  EXPECT_EQ(items[0].at("true"), "neutral");
  EXPECT_EQ(std::stoi(items[0].at("frames")), 765);  // the whole clip
  EXPECT_EQ(items[0].at("error"), "");
  for (int i : {1, 2}) {
    EXPECT_EQ(items[i].at("predicted"), "not_detected");
    EXPECT_NE(items[i].at("error"), "");
  }
  const json m = read_json(out + "/metrics.json");
  EXPECT_EQ(m.at("errors").get<int>(), 2);
  EXPECT_EQ(m.at("frames").at("items").get<int>(), 765);
  EXPECT_NE(read_file(out + "/report.md").find("missing.mp4` | file not found"), std::string::npos);
  expect_sklearn_agrees(out, dir.path);
}

TEST(FerEval, ImageFolderAndAFrameWithoutAFace) {
  TempDir dir;
  const fs::path root = dir.path / "faces";
  fs::create_directories(root / "Happy");
  fs::create_directories(root / "neutral");
  fs::create_symlink(astronaut_path(), root / "Happy" / "astronaut.png");
  fs::create_symlink(grace_hopper_path(), root / "neutral" / "grace_hopper.jpg");
  // A cat: no human face.
  fs::create_symlink("/usr/lib/python3/dist-packages/imageio/resources/images/chelsea.png",
                     root / "neutral" / "chelsea.PNG");
  write_file((root / "neutral" / "notes.txt").string(), "not an image\n");
  const std::string out = dir.file("report");
  const ProcessResult r = run_tool(eval_args({root.string(), "--out", out}), dir.path, 300);
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_NE(r.err.find("image folder"), std::string::npos) << r.err;
  const auto items = read_rows(out + "/predictions.csv");
  ASSERT_EQ(items.size(), 3u);
  std::map<std::string, std::map<std::string, std::string>> by_item;
  for (const auto& row : items) by_item[row.at("item")] = row;
  EXPECT_EQ(by_item.at("Happy/astronaut.png").at("true"), "happy");
  EXPECT_EQ(by_item.at("neutral/chelsea.PNG").at("predicted"), "not_detected");
  EXPECT_EQ(by_item.at("neutral/chelsea.PNG").at("error"), "");  // read fine, no face
  EXPECT_NE(by_item.at("neutral/grace_hopper.jpg").at("predicted"), "not_detected");
  expect_sklearn_agrees(out, dir.path);
}

TEST(FerEval, LabelsMatchSynonymsAndMaps_n) {
  TempDir dir;
  write_file(dir.file("stills.csv"), "path,label\n" + astronaut_path() + ",Happiness\n" + grace_hopper_path() +
                                         ",contempt\n");
  const ProcessResult refused = run_tool(eval_args({dir.file("stills.csv"), "--out", dir.file("r1")}), dir.path, 120);
  EXPECT_EQ(refused.exit_code, 2) << describe(refused);
  EXPECT_NE(refused.err.find("stills.csv:3: label 'contempt' is not one the model outputs"), std::string::npos)
      << refused.err;
  EXPECT_NE(refused.err.find("--map contempt="), std::string::npos) << refused.err;
  EXPECT_FALSE(fs::exists(dir.file("r1/metrics.json")));

  const ProcessResult mapped = run_tool(
      eval_args({dir.file("stills.csv"), "--out", dir.file("r2"), "--map", "Contempt=unknown"}), dir.path, 120);
  ASSERT_EQ(mapped.exit_code, 0) << describe(mapped);
  const auto items = read_rows(dir.file("r2/predictions.csv"));
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[0].at("true"), "happy");
  EXPECT_EQ(items[1].at("true"), "unknown");

  expect_exit_saying(eval_args({dir.file("stills.csv"), "--out", dir.file("r3"), "--map", "contempt=smug"}), dir.path,
                     120, 2, "'smug' is not a class");
}

TEST(FerEval, BadInputsAreNamed_n) {
  TempDir dir;
  const auto expect_usage_error = [&](const std::vector<std::string>& args, const std::string& says) {
    expect_exit_saying(eval_args(args), dir.path, 120, 2, says);
  };
  const std::string out = dir.file("out");
  expect_usage_error({dir.file("absent.csv"), "--out", out}, "absent.csv: cannot read label CSV");
  write_file(dir.file("columns.csv"), "video,emotion\na.mp4,happy\n");
  expect_usage_error({dir.file("columns.csv"), "--out", out}, "columns.csv:1: not a label CSV");
  write_file(dir.file("frames.csv"), "path,start_frame,end_frame,label\na.mp4,10,x,happy\n");
  expect_usage_error({dir.file("frames.csv"), "--out", out}, "frames.csv:2: column 3 (end_frame): not a frame number");
  write_file(dir.file("order.csv"), "path,start_frame,end_frame,label\na.mp4,10,5,happy\n");
  expect_usage_error({dir.file("order.csv"), "--out", out}, "order.csv:2: end_frame 5 is before start_frame 10");
  write_file(dir.file("overlap.csv"), "path,start_frame,end_frame,label\na.mp4,0,10,happy\na.mp4,10,20,sad\n");
  expect_usage_error({dir.file("overlap.csv"), "--out", out}, "overlap.csv:3: frames 10-20 overlap");
  write_file(dir.file("fields.csv"), "path,label\na.jpg\n");
  expect_usage_error({dir.file("fields.csv"), "--out", out}, "fields.csv:2: 1 fields, expected 2");
  write_file(dir.file("empty.csv"), "path,label\n,happy\n");
  expect_usage_error({dir.file("empty.csv"), "--out", out}, "empty.csv:2: column 1 (path): empty path");
  fs::create_directories(dir.path / "nothing");
  expect_usage_error({(dir.path / "nothing").string(), "--out", out}, "no labelled images");

  write_file(dir.file("ok.csv"), "path,label\n" + astronaut_path() + ",happy\n");
  write_file(dir.file("a-file"), "x");
  expect_usage_error({dir.file("ok.csv"), "--out", dir.file("a-file")}, "is not a folder");
  expect_usage_error({dir.file("ok.csv")}, "--out is required");
  expect_usage_error({dir.file("ok.csv"), "--out", out, "--min-confidence", "2"}, "--min-confidence");
  expect_usage_error({dir.file("ok.csv"), "--out", out, "--crop-margin", "-0.7"}, "--crop-margin");

  // A report is not replaced without --force.
  const ProcessResult first = run_tool(eval_args({dir.file("ok.csv"), "--out", out}), dir.path, 120);
  ASSERT_EQ(first.exit_code, 0) << describe(first);
  const std::string before = read_file(out + "/predictions.csv");
  expect_usage_error({dir.file("ok.csv"), "--out", out, "--model", "faceapi-expression"}, "holds a report");
  EXPECT_EQ(read_file(out + "/predictions.csv"), before);
  const ProcessResult forced =
      run_tool(eval_args({dir.file("ok.csv"), "--out", out, "--model", "faceapi-expression", "--force"}), dir.path, 120);
  EXPECT_EQ(forced.exit_code, 0) << describe(forced);
  EXPECT_NE(read_file(out + "/metrics.json").find("faceapi-expression"), std::string::npos);

  // Damaged or missing files are items that could not be read, not crashes.
  std::string noise(4096, '\0');
  for (std::size_t i = 0; i < noise.size(); ++i) noise[i] = static_cast<char>((i * 2654435761u) >> 13);
  write_file(dir.file("noise.jpg"), noise);
  write_file(dir.file("damaged.csv"), "path,label\nnoise.jpg,happy\nmissing.png,sad\n" + astronaut_path() + ",happy\n");
  const ProcessResult damaged = run_tool(eval_args({dir.file("damaged.csv"), "--out", dir.file("d")}), dir.path, 120);
  ASSERT_EQ(damaged.exit_code, 0) << describe(damaged);
  EXPECT_NE(damaged.err.find("damaged.csv:2: cannot decode the image"), std::string::npos) << damaged.err;
  EXPECT_NE(damaged.err.find("damaged.csv:3: file not found"), std::string::npos) << damaged.err;
  EXPECT_EQ(read_json(dir.file("d/metrics.json")).at("errors").get<int>(), 2);

  // Models that do not exist: a failure of the run, not of the input.
  expect_exit_saying(eval_args({dir.file("ok.csv"), "--out", dir.file("m"), "--model", "/nonexistent/x.onnx"}),
                     dir.path, 120, 1, "/nonexistent/x.onnx");
}

TEST(FerEval, InterruptLeavesNoReport) {
  TempDir dir;
  write_file(dir.file("long.csv"), "path,start_frame,end_frame,label\n" + media_path("franck.mp4") + ",0,4799,neutral\n");
  const std::string out = dir.file("out");
  const Child child = start_tool(eval_args({dir.file("long.csv"), "--out", out, "--jobs", "1"}), dir.path);
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));
  kill(child.pid, SIGINT);
  const ProcessResult r = wait_tool(child, 60);
  EXPECT_EQ(r.exit_code, 130) << describe(r);
  EXPECT_NE(r.err.find("interrupted; no report written"), std::string::npos) << r.err;
  for (const char* name : {"metrics.json", "predictions.csv", "frame_predictions.csv", "report.md", "confusion.png"})
    EXPECT_FALSE(fs::exists(fs::path(out) / name)) << name;
  // Nor a temporary folder left behind.
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(out, ec)) ADD_FAILURE() << "left: " << entry.path();
}

TEST(FerEval, HelpDocumentsFormsOptionsAndExitCodes) {
  expect_help_mentions(FER_EVAL_BIN, {"path,start_frame,end_frame,label", "path,label", "ROOT/<label>", "file_path",
                                      "--model", "ensemble", "--feature-model", "--min-confidence", "--smoothing-ms",
                                      "--crop-margin", "--map", "--jobs", "--force", "not_detected", "unknown",
                                      "metrics.json", "Exit codes", "130"});
}
