// SPDX-License-Identifier: LGPL-2.1-or-later
// fer-eval's label CSVs (path,label stills; frame ranges; dataset CSVs) and
// their labels through the default class map: any bytes give items or a
// fer::Error.
#include "eval_set.h"
#include "fer/error.h"
#include "label_map.h"
#include "memory_file.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // FER2013's seven, the built-in models' labels.
  static const fer_eval::LabelMap labels(
      {"angry", "disgust", "fear", "happy", "sad", "surprise", "neutral"}, {"joy=happy"});
  const fer::fuzz::MemoryFile file(data, size);
  try {
    const fer_eval::EvalSet set = fer_eval::read_eval_set(file.path());
    for (const fer_eval::EvalItem& item : set.items) {
      try {
        labels.map(item.label, item.where);
      } catch (const fer::Error&) {
      }
    }
  } catch (const fer::Error&) {
  }
  return 0;
}
