// SPDX-License-Identifier: LGPL-2.1-or-later
// A fer-source-event as facemetapublish receives it (any element may send a
// custom event of that name): any structure gives a valid JSON line.
#include <gst/gst.h>

#include <nlohmann/json.hpp>
#include <string>

#include "gstfersourceevent.h"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  gst_init(nullptr, nullptr);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);  // NUL-terminated
  GstStructure* s = gst_structure_from_string(text.c_str(), nullptr);
  if (!s) return 0;
  const std::string line = fer::to_json_line(gst_fer_source_event_parse(s));
  gst_structure_free(s);
  // Throws (and so fails the run) if the line is not JSON.
  (void)nlohmann::json::parse(line);
  return 0;
}
