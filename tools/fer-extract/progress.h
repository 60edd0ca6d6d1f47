// SPDX-License-Identifier: LGPL-2.1-or-later
// ProgressReporter — fer-extract's progress on standard error.
//
// On a terminal: one line rewritten in place, "clips done/total, percent,
// elapsed, ETA, flagged"; a clip that could not be decoded is printed above
// it with its path and reason. Elsewhere (logs, CI): one plain line per
// finished clip with its counts, flag reason, elapsed time and ETA.
// The ETA extrapolates the rate of the clips computed in this run.
#pragma once

#include <chrono>
#include <cstdio>
#include <string>

#include "dataset_extraction.h"

namespace fer_extract {

class ProgressReporter : public ExtractionReporter {
 public:
  // `interactive`: redraw one line (stderr is a terminal).
  ProgressReporter(std::FILE* out, bool interactive, int jobs);

  void started(int total, int reused, const std::string& parts_dir) override;
  void clip_finished(const ClipOutcome& outcome, int done, int pending) override;
  void tick() override;
  void writing(const std::string& output) override;

  // Ends the status line (before a final message).
  void finish_line();
  double elapsed_seconds() const;

 private:
  void redraw();
  std::string status() const;

  std::FILE* out_;
  bool interactive_;
  int jobs_;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_draw_{};
  int total_ = 0, reused_ = 0, done_ = 0, pending_ = 0, flagged_ = 0, errors_ = 0;
  bool line_open_ = false;
};

}  // namespace fer_extract
