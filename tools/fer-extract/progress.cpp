// SPDX-License-Identifier: LGPL-2.1-or-later
#include "progress.h"

#include <algorithm>
#include <cmath>

#include "cli_support.h"

namespace fer_extract {

using fer_tools::format_duration;

ProgressReporter::ProgressReporter(std::FILE* out, bool interactive, int jobs)
    : out_(out), interactive_(interactive), jobs_(jobs), start_(std::chrono::steady_clock::now()) {}

double ProgressReporter::elapsed_seconds() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

void ProgressReporter::started(int total, int reused, const std::string& parts_dir) {
  total_ = total;
  reused_ = reused;
  pending_ = total - reused;
  start_ = std::chrono::steady_clock::now();
  if (reused > 0)
    std::fprintf(out_, "fer-extract: reusing %d of %d clips finished by an earlier run (%s)\n", reused,
                 total, parts_dir.c_str());
  if (pending_ > 0)
    std::fprintf(out_, "fer-extract: %d clips to extract, %d at a time\n", pending_,
                 std::min(jobs_, pending_));
  std::fflush(out_);
  if (interactive_ && pending_ > 0) redraw();
}

std::string ProgressReporter::status() const {
  const int finished = reused_ + done_;
  const double percent = total_ > 0 ? 100.0 * finished / total_ : 100.0;
  const double elapsed = elapsed_seconds();
  std::string eta = "--:--";
  if (done_ > 0) eta = format_duration(elapsed / done_ * (pending_ - done_));
  char text[256];
  std::snprintf(text, sizeof text, "[%d/%d %5.1f %%] elapsed %s, ETA %s, %d flagged", finished, total_,
                percent, format_duration(elapsed).c_str(), eta.c_str(), flagged_);
  return text;
}

void ProgressReporter::redraw() {
  std::fprintf(out_, "\r\033[K%s", status().c_str());
  std::fflush(out_);
  line_open_ = true;
  last_draw_ = std::chrono::steady_clock::now();
}

void ProgressReporter::finish_line() {
  if (line_open_) {
    std::fprintf(out_, "\n");
    std::fflush(out_);
    line_open_ = false;
  }
}

void ProgressReporter::clip_finished(const ClipOutcome& outcome, int done, int pending) {
  done_ = done;
  pending_ = pending;
  const ClipFeatures& f = outcome.features;
  flagged_ += f.flagged;
  errors_ += f.error;
  const std::string& path = outcome.clip->file_path;
  if (interactive_) {
    if (f.error) std::fprintf(out_, "\r\033[Kerror: %s: %s\n", path.c_str(), f.reason.c_str());
    redraw();
    return;
  }
  const int finished = reused_ + done_;
  std::string what;
  if (f.error)
    what = "error: " + f.reason;
  else
    what = std::to_string(f.frames_total) + " frames, a face in " + std::to_string(f.frames_with_face) +
           (f.flagged ? ", flagged: " + f.reason : ", ok");
  const double elapsed = elapsed_seconds();
  std::fprintf(out_, "[%d/%d] %s: %s (%.1f s; elapsed %s, ETA %s)\n", finished, total_, path.c_str(),
               what.c_str(), outcome.seconds, format_duration(elapsed).c_str(),
               format_duration(elapsed / done_ * (pending_ - done_)).c_str());
  std::fflush(out_);
}

void ProgressReporter::tick() {
  if (!interactive_) return;
  if (std::chrono::steady_clock::now() - last_draw_ >= std::chrono::milliseconds(500)) redraw();
}

void ProgressReporter::writing(const std::string& output) {
  finish_line();
  std::fprintf(out_, "fer-extract: writing %s\n", output.c_str());
  std::fflush(out_);
}

}  // namespace fer_extract
