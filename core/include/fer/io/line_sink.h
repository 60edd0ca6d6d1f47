// SPDX-License-Identifier: LGPL-2.1-or-later
// fer::LineSink — where serialised lines (JSON lines, fer/io/json_lines.h)
// go, behind one small interface: a file or standard output
// (fer::LineWriter), an MQTT broker (fer::MqttPublisher). facemetapublish
// is the serialiser plus one of these; an embedder can use them alike.
//
// THREAD SAFETY
//   As the implementation says; both built-in ones accept Send() from any
//   thread.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>

namespace fer {

class LineSink {
 public:
  virtual ~LineSink() = default;

  // Hands one line (without its newline) over. False when the sink dropped
  // it (a full queue: counted by the sink); throws fer::Error when it
  // cannot be written at all.
  virtual bool Send(std::string line) = 0;

  // Waits up to `timeout` for the lines handed over to be delivered; true
  // when none is left waiting.
  virtual bool Flush(std::chrono::milliseconds timeout) = 0;

  // Flushes (up to `timeout`) and stops taking lines; returns how many
  // were never delivered.
  virtual std::size_t Close(std::chrono::milliseconds timeout) = 0;
};

}  // namespace fer
