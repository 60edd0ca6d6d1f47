// SPDX-License-Identifier: LGPL-2.1-or-later
// LineWriter — a LineSink of whole lines to a file or standard output, shared by every
// writer of the same path in the process, so several streams (one
// facemetapublish per camera) can write one JSON lines file: each line is
// written and flushed under a lock, so lines never interleave and a reader
// following the file sees whole lines.
#pragma once

#include <cstdio>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "fer/io/line_sink.h"

namespace fer {

class LineWriter final : public LineSink {
 public:
  // The writer of path ("-": standard output), opened now or joined if
  // another writer in this process already has it open. Opening an existing
  // file throws FileExists unless overwrite (then it is truncated); other
  // failures throw Error naming the path and the reason.
  static std::shared_ptr<LineWriter> Create(const std::string& path, bool overwrite);

  ~LineWriter() override;
  LineWriter(const LineWriter&) = delete;
  LineWriter& operator=(const LineWriter&) = delete;

  // Appends line and a newline, then flushes; throws Error on failure.
  void WriteLine(std::string_view line);

  // LineSink: every line is written and flushed as it comes, so nothing is
  // ever waiting or dropped; closing is the last owner's release.
  bool Send(std::string line) override {
    WriteLine(line);
    return true;
  }
  bool Flush(std::chrono::milliseconds) override { return true; }
  std::size_t Close(std::chrono::milliseconds) override { return 0; }

  const std::string& path() const { return path_; }

 private:
  LineWriter(std::string path, std::FILE* file) : path_(std::move(path)), file_(file) {}

  std::string path_;
  std::FILE* file_;
  std::mutex mutex_;
};

}  // namespace fer
