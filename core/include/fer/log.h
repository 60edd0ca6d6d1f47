// SPDX-License-Identifier: LGPL-2.1-or-later
// fer::log — where the core's few diagnostic lines go.
//
// The core is GStreamer-free, so it does not log by itself: it hands each
// line to the sink the host installs (the plugin forwards them to its
// GStreamer debug category, so they show with GST_DEBUG=fer:4). Without a
// sink, warnings go to stderr and the rest is dropped.
//
// THREAD SAFETY
//   log() may be called from any thread; set_log_sink() is meant for start-up
//   (it is synchronised, but a line being written may still reach the old sink).
#pragma once

#include <functional>
#include <string>

namespace fer {

enum class LogLevel { kDebug, kInfo, kWarning };

using LogSink = std::function<void(LogLevel, const std::string&)>;

void set_log_sink(LogSink sink);
void log(LogLevel level, const std::string& message);

}  // namespace fer
