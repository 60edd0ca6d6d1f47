// SPDX-License-Identifier: LGPL-2.1-or-later
// The training loop end to end on real footage, as a user runs it: short
// clips cut from the labelled evaluation set's videos (tests/tools/
// cut_clips.py) -> fer-extract (canonical landmarks) -> fer-train -> the
// model in `waveletencode ! emotionclassify feature-model=...` run by
// gst-launch-1.0 and in fer-eval on clips of a video it was not trained on.
// The data is tiny: the tests check that the loop works and is
// deterministic, not what accuracy it reaches. Bad inputs exit 2 and write
// nothing.
#include <algorithm>
#include <map>

#include "../elements/gst_test_support.h"
#include "fer/io/csv_table.h"
#include "fer/model_registry.h"
#include "tool_process.h"

namespace fs = std::filesystem;
using namespace fer::test;
using nlohmann::json;

namespace {

constexpr const char* kPython = "/usr/bin/python3";

std::vector<std::string> train_args(std::vector<std::string> args) {
  args.insert(args.begin(), FER_TRAIN_BIN);
  return args;
}

json read_json(const std::string& path) { return json::parse(read_file(path)); }

// The clips, their features and a first model, made once per process.
struct Loop {
  TempDir dir;
  std::string train_csv, heldout_csv, npz;
  int train_clips = 0, heldout_clips = 0;
  ProcessResult cut, extract;
};

const Loop& loop() {
  static Loop* l = [] {
    auto* s = new Loop;
    s->cut = run_tool({kPython, std::string(FER_SOURCE_DIR) + "/tests/tools/cut_clips.py",
                       std::string(FER_EVAL_SET_DIR) + "/videos.csv", s->dir.path.string(), "32", "2"},
                      s->dir.path, 300);
    // franck and cap12 clips to train on; cap13's (a video never seen) held out.
    const fer::CsvTable clips = fer::read_csv_table(s->dir.file("clips.csv"));
    std::string train = "file_path,label,actual,video_id\n", heldout = train;
    for (const fer::CsvRecord& r : clips.records) {
      const std::string row = r.fields[0] + "," + r.fields[1] + "," + r.fields[2] + "," + r.fields[3] + "\n";
      if (r.fields[4] == "cap13_edit2.mp4") {
        heldout += row;
        ++s->heldout_clips;
      } else {
        train += row;
        ++s->train_clips;
      }
    }
    s->train_csv = s->dir.file("train.csv");
    s->heldout_csv = s->dir.file("heldout.csv");
    write_file(s->train_csv, train);
    write_file(s->heldout_csv, heldout);
    s->npz = s->dir.file("train.npz");
    s->extract = run_tool({FER_EXTRACT_BIN, s->train_csv, s->npz, "--landmark-space", "canonical"}, s->dir.path, 600);
    return s;
  }();
  return *l;
}

std::string sha256_of(const std::string& path) { return fer::sha256_file(path); }

}  // namespace

TEST(FerTrain, ClipsOfTheLabelledSetTrainAModelEmotionclassifyRuns) {
  const Loop& l = loop();
  ASSERT_EQ(l.cut.exit_code, 0) << describe(l.cut);
  ASSERT_EQ(l.extract.exit_code, 0) << describe(l.extract);
  ASSERT_GE(l.train_clips, 20);
  ASSERT_GE(l.heldout_clips, 4);
  const std::string model = l.dir.file("mlp.onnx");
  const ProcessResult r = run_tool(train_args({l.npz, "--out", model, "--model", "mlp", "--split-by", "video_id",
                                               "--val-fraction", "0.3", "--epochs", "40"}),
                                   l.dir.path, 600);
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  const json sidecar = read_json(model + ".json");
  EXPECT_EQ(sidecar["input"]["type"], "wavelet-features");
  EXPECT_EQ(sidecar["input"]["rows"], 10);
  EXPECT_EQ(sidecar["input"]["space"], "canonical");
  EXPECT_EQ(sidecar["labels"], json::parse(R"(["happy", "neutral"])"));
  const std::string report = l.dir.file("mlp.train-report");
  const json m = read_json(report + "/metrics.json");
  for (const char* key : {"items", "war", "uar", "macro_f1", "weighted_f1", "per_class", "confusion", "command", "data"})
    EXPECT_TRUE(m.contains(key)) << key;
  EXPECT_EQ(m["data"]["sha256"], sha256_of(l.npz));
  EXPECT_EQ(m["clips"]["usable"].get<int>(), l.train_clips);
  EXPECT_TRUE(fs::exists(report + "/curves.png"));
  EXPECT_GT(cv::imread(report + "/curves.png").cols, 400);

  // In a real pipeline: the held-out clip's track gets the model's emotion
  // when its features arrive (the track's end: the clip is shorter than a window).
  const fer::CsvTable heldout = fer::read_csv_table(l.heldout_csv);
  const std::string clip = heldout.Resolve(heldout.records[0].fields[0]);
  const std::string jsonl = l.dir.file("pipeline.jsonl");
  const ProcessResult p = run_tool({"gst-launch-1.0", "-q", "filesrc", "location=" + clip, "!", "decodebin", "!",
                                    "videoconvert", "!", "facelandmarks", "!", "waveletencode",
                                    "landmark-space=canonical", "!", "emotionclassify", "model=none",
                                    "feature-model=" + model, "!", "facemetapublish", "location=" + jsonl, "!",
                                    "fakesink"},
                                   l.dir.path, 300);
  ASSERT_EQ(p.exit_code, 0) << describe(p);
  const JsonLines lines = read_json_lines(jsonl);
  ASSERT_EQ(lines.lines.size(), 32u);
  const json& last = lines.lines.back().at("faces").at(0);
  ASSERT_TRUE(last.contains("emotion")) << last.dump().substr(0, 200);
  EXPECT_EQ(last["emotion"]["probs"].size(), 2u);

  // And in fer-eval, on clips of a video it never saw.
  const std::string eval_out = l.dir.file("heldout-report");
  const ProcessResult e = run_tool({FER_EVAL_BIN, l.heldout_csv, "--out", eval_out, "--model", "none",
                                    "--feature-model", model},
                                   l.dir.path, 600);
  ASSERT_EQ(e.exit_code, 0) << describe(e);
  const json em = read_json(eval_out + "/metrics.json");
  EXPECT_EQ(em["items"].get<int>(), l.heldout_clips);
  EXPECT_EQ(em["errors"].get<int>(), 0);
  EXPECT_EQ(em["not_detected"].get<int>(), 0);  // every clip got the model's prediction
  std::printf("held-out (cap13, %d clips): WAR %.4f UAR %.4f\n", l.heldout_clips, em["war"].get<double>(),
              em["uar"].get<double>());
}

TEST(FerTrain, SameSeedSameModelAndFolds) {
  const Loop& l = loop();
  ASSERT_EQ(l.extract.exit_code, 0) << describe(l.extract);
  std::vector<std::string> hashes;
  json first;
  for (const char* name : {"a.onnx", "b.onnx"}) {
    const ProcessResult r = run_tool(train_args({l.npz, "--out", l.dir.file(name), "--model", "linear", "--folds",
                                                 "3", "--split-by", "video_id", "--epochs", "20", "--seed", "7"}),
                                     l.dir.path, 600);
    ASSERT_EQ(r.exit_code, 0) << describe(r);
    hashes.push_back(sha256_of(l.dir.file(name)));
    const json m = read_json(l.dir.file(std::string(name).substr(0, 1) + ".train-report/metrics.json"));
    ASSERT_EQ(m["folds"].size(), 3u);
    EXPECT_TRUE(m.contains("mean") && m.contains("std"));
    EXPECT_EQ(m["level"], "out-of-fold");
    EXPECT_EQ(m["items"].get<int>(), l.train_clips);  // every clip predicted once, out of fold
    if (first.is_null())
      first = m;
    else
      EXPECT_EQ(m["confusion"], first["confusion"]);
  }
  EXPECT_EQ(hashes[0], hashes[1]);
}

TEST(FerTrain, BadInputsExit2AndWriteNothing_n) {
  const Loop& l = loop();
  ASSERT_EQ(l.extract.exit_code, 0) << describe(l.extract);
  TempDir dir;
  const auto expect_refused = [&](const std::vector<std::string>& args, const std::string& says) {
    const std::string out = dir.file("x.onnx");
    std::vector<std::string> full = args;
    full.insert(full.end(), {"--out", out, "--epochs", "2"});
    expect_exit_saying(train_args(full), dir.path, 300, 2, says);
    EXPECT_FALSE(fs::exists(out));
    EXPECT_FALSE(fs::exists(out + ".json"));
    EXPECT_FALSE(fs::exists(dir.file("x.train-report")));
  };
  // No labels: the same clips extracted from a CSV without label columns.
  const fer::CsvTable train = fer::read_csv_table(l.train_csv);
  std::string unlabelled = "file_path\n", one_class = "file_path,actual\n";
  for (const fer::CsvRecord& r : train.records) {
    unlabelled += train.Resolve(r.fields[0]) + "\n";
    if (r.fields[2] == "neutral") one_class += train.Resolve(r.fields[0]) + ",neutral\n";
  }
  write_file(dir.file("unlabelled.csv"), unlabelled);
  write_file(dir.file("one_class.csv"), one_class);
  for (const char* name : {"unlabelled", "one_class"}) {
    const ProcessResult x = run_tool({FER_EXTRACT_BIN, dir.file(std::string(name) + ".csv"),
                                      dir.file(std::string(name) + ".npz"), "--jobs", "2"},
                                     dir.path, 600);
    ASSERT_EQ(x.exit_code, 0) << describe(x);
  }
  expect_refused({dir.file("unlabelled.npz")}, "no labelled clip to train on");
  expect_refused({dir.file("one_class.npz")}, "a classifier needs two classes");
  expect_refused({l.npz, "--folds", "500"}, "fewer groups than folds");
  expect_refused({l.npz, "--rows", "11"}, "--rows 11");
  expect_refused({l.npz, "--split-by", "subject"}, "--split-by subject: no such per-clip array");
  expect_refused({l.npz, "--inputs", "pixels"}, "--inputs pixels");
  expect_refused({dir.file("absent.npz")}, "absent.npz: cannot read");
  // Feature sizes that do not match: an .npz of the wrong shapes, made by numpy.
  const ProcessResult bad = run_tool(
      {kPython, "-c",
       "import numpy as np; np.savez('" + dir.file("shapes.npz") +
           "', landmarks=np.zeros((4,10,468,3),'f4'), blendshapes=np.zeros((4,10,52),'f4'), "
           "flagged=np.zeros(4,'i4'), actual=np.array(['happy','sad','happy','sad']))"},
      dir.path, 60);
  ASSERT_EQ(bad.exit_code, 0) << describe(bad);
  expect_refused({dir.file("shapes.npz")}, "feature sizes do not match");
  // An existing model is not replaced without --force.
  write_file(dir.file("x.onnx"), "keep");
  const ProcessResult kept = run_tool(train_args({l.npz, "--out", dir.file("x.onnx"), "--epochs", "2"}), dir.path, 300);
  EXPECT_EQ(kept.exit_code, 2) << describe(kept);
  EXPECT_EQ(read_file(dir.file("x.onnx")), "keep");
}

TEST(FerTrain, HelpDocumentsOptionsAndOutputs) {
  expect_help_mentions(FER_TRAIN_BIN, {"--model {linear,mlp}", "--inputs", "--split-by", "--folds", "--seed",
                                       "--force", "metrics.json", "curves.png", "Exit codes"});
}
