// SPDX-License-Identifier: LGPL-2.1-or-later
// fer-eval — how well the emotion analytics match labels: runs what
// `facelandmarks ! emotionclassify` runs over labelled clips, frame ranges,
// stills or an image folder, and writes WAR/UAR, per-class precision /
// recall / F1, confusion matrices and every prediction (docs/evaluation.md).
// The command line and the progress display; the work is in evaluator.h.
#include <gst/gst.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "cli_support.h"
#include "eval_set.h"
#include "evaluator.h"
#include "fer/emotion_classifier.h"
#include "label_map.h"
#include "report.h"

namespace {

using fer_tools::kExitFailure;
using fer_tools::kExitOk;
using fer_tools::kExitUsage;

const char* kDescription =
    "fer-eval: emotion predictions against labels, with WAR, UAR, per-class precision,\n"
    "recall and F1, and confusion matrices.\n"
    "\n"
    "Runs exactly what `facelandmarks ! emotionclassify` runs (the same core code, the\n"
    "elements' defaults, the same face crop) on one of four inputs, detected by form:\n"
    "  a dataset CSV as fer-extract reads it (file_path; DFEW's raw or cleaned form):\n"
    "      one prediction per clip and one per frame;\n"
    "  a CSV path,start_frame,end_frame,label: frame ranges of videos (inclusive,\n"
    "      0-based, frames as filesrc ! decodebin delivers them): one prediction per\n"
    "      range and one per frame;\n"
    "  a CSV path,label of still images: one prediction per image;\n"
    "  a folder ROOT/<label>/*.{jpg,jpeg,png} (FER2013, RAF-DB, AffectNet on disk).\n"
    "Relative paths are taken relative to the CSV's folder.\n"
    "\n"
    "A video is one stream (tracking and smoothing run from its first frame); the face\n"
    "nearest the frame centre is the one scored. A clip or range is predicted as the\n"
    "argmax of the mean of its frames' (smoothed) probabilities; `unknown` when that\n"
    "is under --min-confidence, `not_detected` when no frame had a face.\n";

const char* kFooter =
    "Labels are matched case-insensitively with the usual synonyms (happiness/happy,\n"
    "anger/angry, sadness/sad, surprised/surprise, fearful/fear, disgusted/disgust);\n"
    "`not_detected` marks frames without a visible face. A label the model cannot\n"
    "output is an error unless mapped: --map contempt=unknown.\n"
    "\n"
    "Outputs in --out DIR: metrics.json (item level, and frame level under \"frames\"),\n"
    "predictions.csv (item, frames, true, predicted, confidence, each class's\n"
    "probability, error), frame_predictions.csv (clips and ranges), report.md,\n"
    "confusion.png, per_class.png (and *_frames.png). They are written only when the\n"
    "run completes. Files that are missing or cannot be decoded count as not_detected\n"
    "and are listed with the reason.\n"
    "\n"
    "Models are taken from --model-dir alone when it is given (a model missing there\n"
    "is an error); else from $FER_MODEL_DIR, the install data directory, then the\n"
    "build tree.\n"
    "\n"
    "Exit codes:\n"
    "  0    report written (even if some items could not be read)\n"
    "  1    the run failed (models missing or broken, report not writable)\n"
    "  2    usage error, unreadable or invalid label CSV, unknown label, output\n"
    "       folder not usable or holding a report without --force\n"
    "  130  interrupted by SIGINT, 143 by SIGTERM (no report written)";

std::string command_line(int argc, char** argv) {
  std::string cmd;
  for (int i = 0; i < argc; ++i) {
    std::string arg = i == 0 ? "fer-eval" : argv[i];
    if (arg.find_first_of(" \t'\"$") != std::string::npos) arg = "'" + arg + "'";
    cmd += (i ? " " : "") + arg;
  }
  return cmd;
}

// One status line on a terminal, a line every ~10 s elsewhere.
class Progress {
 public:
  explicit Progress(bool interactive) : interactive_(interactive), start_(std::chrono::steady_clock::now()) {}

  void update(const fer_eval::EvalProgress& p) {
    const double elapsed = seconds();
    if (!interactive_ && elapsed - last_ < 10.0 && p.units_done < p.units_total) return;
    if (interactive_ && elapsed - last_ < 0.5 && p.units_done < p.units_total) return;
    last_ = elapsed;
    std::string eta = "--:--";
    if (p.fraction > 0.01) eta = fer_tools::format_duration(elapsed / p.fraction * (1.0 - p.fraction));
    char line[200];
    std::snprintf(line, sizeof line, "[%d/%d %5.1f %%] %lld frames (%.0f/s), elapsed %s, ETA %s", p.units_done,
                  p.units_total, 100.0 * p.fraction, static_cast<long long>(p.frames_decoded),
                  elapsed > 0 ? p.frames_decoded / elapsed : 0.0, fer_tools::format_duration(elapsed).c_str(),
                  eta.c_str());
    if (interactive_) {
      std::fprintf(stderr, "\r%-90s", line);
      open_ = true;
    } else {
      std::fprintf(stderr, "fer-eval: %s\n", line);
    }
  }
  void finish_line() {
    if (open_) std::fprintf(stderr, "\n");
    open_ = false;
  }
  double seconds() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  }

 private:
  bool interactive_;
  bool open_ = false;
  double last_ = -1e9;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace

int main(int argc, char** argv) {
  std::string input, out_dir, model_dir, feature_model;
  std::vector<std::string> maps;
  fer::EmotionClassifierOptions emotion;  // the element's defaults
  double crop_margin = -1.0;
  bool force = false;
  const unsigned cores = std::thread::hardware_concurrency();
  int jobs = cores > 0 ? static_cast<int>(cores) : 1;

  std::string models;
  for (const std::string& name : fer::EmotionClassifier::appearance_model_names()) models += (models.empty() ? "" : ", ") + name;
  CLI::App app{kDescription, "fer-eval"};
  app.footer(kFooter);
  app.get_formatter()->column_width(26);
  app.add_option("INPUT", input, "Label CSV (clips, frame ranges or stills) or image folder")->required();
  app.add_option("-o,--out", out_dir, "Folder for the report (made if missing)")->required();
  app.add_option("--model", emotion.model,
                 "Appearance model: a built-in name (" + models + "), an .onnx path with its sidecar, or none")
      ->capture_default_str();
  app.add_option("--feature-model", feature_model, "Feature model (.onnx with sidecar) on waveletencode's features");
  app.add_option("--min-confidence", emotion.min_confidence, "Best probability under which the label is unknown")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  app.add_option("--smoothing-ms", emotion.smoothing_ms, "Time constant of the per-track smoothing; 0 = none")
      ->check(CLI::Range(0.0, 600000.0))
      ->capture_default_str();
  app.add_option("--crop-margin", crop_margin, "Margin of the face crop; -1 = the model's own (its sidecar's)")
      ->check(CLI::Range(-1.0, 2.0))
      ->capture_default_str();
  app.add_option("--map", maps, "DATASET=CLASS: score a dataset label as a class (repeatable), e.g. contempt=unknown");
  app.add_option("-j,--jobs", jobs, "Videos or images processed in parallel (default: the number of cores)")
      ->check(CLI::Range(1, 1024));
  app.add_flag("-f,--force", force, "Replace a report already in --out");
  fer_tools::add_common_options(app, model_dir, emotion.engine);
  if (const auto exit_code = fer_tools::parse_command_line(app, argc, argv)) return *exit_code;
  fer_tools::print_core_log("fer-eval");
  if (emotion.model == "none") emotion.model.clear();
  emotion.feature_model = feature_model;
  emotion.model_dir = model_dir;
  if (crop_margin > -1.0) {
    if (crop_margin < -0.5) {
      std::fprintf(stderr, "fer-eval: error: --crop-margin must be -1 (the model's own) or in -0.5 .. 2\n");
      return kExitUsage;
    }
    emotion.crop_margin = static_cast<float>(crop_margin);
  }

  // Refuse before any work: the output folder, the labels.
  std::error_code ec;
  if (std::filesystem::exists(out_dir, ec) && !std::filesystem::is_directory(out_dir, ec)) {
    std::fprintf(stderr, "fer-eval: error: --out %s exists and is not a folder\n", out_dir.c_str());
    return kExitUsage;
  }
  std::filesystem::create_directories(out_dir, ec);
  if (ec) {
    std::fprintf(stderr, "fer-eval: error: cannot make the output folder %s: %s\n", out_dir.c_str(),
                 ec.message().c_str());
    return kExitUsage;
  }
  if (access(out_dir.c_str(), W_OK) != 0) {
    std::fprintf(stderr, "fer-eval: error: the output folder %s is not writable\n", out_dir.c_str());
    return kExitUsage;
  }
  if (const auto existing = fer_eval::report_files_in(out_dir); !existing.empty() && !force) {
    std::fprintf(stderr, "fer-eval: error: %s holds a report (%s); use --force to replace it\n", out_dir.c_str(),
                 existing.front().c_str());
    return kExitUsage;
  }
  fer_eval::EvalSet set;
  try {
    set = fer_eval::read_eval_set(input);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "fer-eval: error: %s\n", e.what());
    return kExitUsage;
  }

  fer_eval::EvalOptions options;
  options.emotion = emotion;
  options.jobs = jobs;
  options.cancel = &fer_tools::cancel_requested();
  gst_init(nullptr, nullptr);
  std::unique_ptr<fer_eval::Evaluator> evaluator;
  try {
    evaluator = std::make_unique<fer_eval::Evaluator>(options);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "fer-eval: error: %s\n", e.what());
    return kExitFailure;
  }
  std::unique_ptr<fer_eval::LabelMap> labels;
  try {
    labels = std::make_unique<fer_eval::LabelMap>(evaluator->model_labels(), maps);
    for (const fer_eval::EvalItem& item : set.items) labels->map(item.label, item.where);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "fer-eval: error: %s\n", e.what());
    return kExitUsage;
  }
  std::fprintf(stderr, "fer-eval: %s: %s, %zu items; model %s%s%s\n", input.c_str(), fer_eval::form_name(set.form),
               set.items.size(), emotion.model.empty() ? "none" : emotion.model.c_str(),
               feature_model.empty() ? "" : ", feature model ", feature_model.c_str());

  fer_tools::install_cancel_handlers();
  Progress progress(isatty(STDERR_FILENO) != 0);
  std::vector<fer_eval::ItemResult> results;
  try {
    results = evaluator->run(set, *labels, [&](const fer_eval::EvalProgress& p) { progress.update(p); });
  } catch (const std::exception& e) {
    progress.finish_line();
    std::fprintf(stderr, "fer-eval: error: %s\n", e.what());
    return kExitFailure;
  }
  progress.finish_line();
  if (fer_tools::cancel_requested().load()) {
    std::fprintf(stderr, "fer-eval: interrupted; no report written\n");
    return fer_tools::cancel_exit_code();
  }
  for (std::size_t i = 0; i < results.size(); ++i)
    if (!results[i].error.empty())
      std::fprintf(stderr, "fer-eval: %s: %s (counted as not_detected)\n", set.items[i].where.c_str(),
                   results[i].error.c_str());

  fer_eval::ReportInput report;
  report.set = &set;
  report.labels = labels.get();
  report.model_labels = &evaluator->model_labels();
  report.results = &results;
  report.command = command_line(argc, argv);
  report.settings = {{"model", emotion.model.empty() ? "none" : emotion.model},
                     {"feature_model", feature_model},
                     {"min_confidence", std::round(emotion.min_confidence * 1e6) / 1e6},
                     {"smoothing_ms", emotion.smoothing_ms},
                     {"crop_margin", emotion.crop_margin ? nlohmann::json(std::round(*emotion.crop_margin * 1e6) / 1e6)
                                                         : nlohmann::json("model")}};
  report.seconds = progress.seconds();
  fer_eval::ReportMetrics measured;
  try {
    measured = fer_eval::write_report(out_dir, report);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "fer-eval: error: %s\n", e.what());
    return kExitFailure;
  }
  const fer::ClassificationMetrics& m = measured.items;
  std::fprintf(stderr, "fer-eval: %lld items: WAR %.4f, UAR %.4f, macro F1 %.4f", static_cast<long long>(m.items),
               m.war, m.uar, m.macro_f1);
  if (const auto& f = measured.frames)
    std::fprintf(stderr, "; %lld frames: WAR %.4f, UAR %.4f", static_cast<long long>(f->items), f->war, f->uar);
  std::fprintf(stderr, "\nfer-eval: report in %s (report.md)\n", out_dir.c_str());
  return kExitOk;
}
