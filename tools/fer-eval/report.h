// SPDX-License-Identifier: LGPL-2.1-or-later
// The evaluation report (docs/evaluation.md): metrics.json,
// predictions.csv, frame_predictions.csv (clips and ranges), report.md and
// the pictures confusion.png, per_class.png (and *_frames.png at frame
// level), written into one folder.
//
// ENSURES
//   write_report() writes every file into a temporary folder inside
//   `out_dir` and renames them into place only when all are written, so an
//   interrupted or failed run leaves no half-written report; throws
//   fer::Error naming the file on a write failure (the temporary folder is
//   removed). report_files_in() lists the report files `out_dir` holds.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "eval_set.h"
#include "evaluator.h"
#include "fer/classification_metrics.h"
#include "label_map.h"

namespace fer_eval {

struct ReportInput {
  const EvalSet* set = nullptr;
  const LabelMap* labels = nullptr;
  const std::vector<std::string>* model_labels = nullptr;
  const std::vector<ItemResult>* results = nullptr;
  std::string command;        // the command line, as run
  nlohmann::json settings;    // model, floor, smoothing, ...
  double seconds = 0.0;       // the run's duration
};

// What the report measured: item level, and frame level for clips and ranges.
struct ReportMetrics {
  fer::ClassificationMetrics items;
  std::optional<fer::ClassificationMetrics> frames;
};

ReportMetrics write_report(const std::string& out_dir, const ReportInput& in);

std::vector<std::string> report_files_in(const std::string& out_dir);

}  // namespace fer_eval
