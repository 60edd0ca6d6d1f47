// SPDX-License-Identifier: LGPL-2.1-or-later
#include "fer/log.h"

#include <iostream>
#include <mutex>

namespace fer {
namespace {

std::mutex& sink_mutex() {
  static std::mutex mutex;
  return mutex;
}

LogSink& current_sink() {
  static LogSink sink;
  return sink;
}

}  // namespace

void set_log_sink(LogSink sink) {
  std::lock_guard<std::mutex> lock(sink_mutex());
  current_sink() = std::move(sink);
}

void log(LogLevel level, const std::string& message) {
  LogSink sink;
  {
    std::lock_guard<std::mutex> lock(sink_mutex());
    sink = current_sink();
  }
  if (sink)
    sink(level, message);
  else if (level == LogLevel::kWarning)
    std::cerr << "gst-fer: warning: " << message << '\n';
}

}  // namespace fer
