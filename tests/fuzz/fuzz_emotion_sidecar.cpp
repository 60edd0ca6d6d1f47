// SPDX-License-Identifier: LGPL-2.1-or-later
// The emotion model sidecar (MODEL.onnx.json): input kind, crop and
// normalisation, the feature rows and landmark space of feature models,
// output kind and labels. Any bytes give a spec or a fer::Error.
#include <cstdlib>

#include "fer/emotion_model_spec.h"
#include "fer/error.h"
#include "memory_file.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const fer::fuzz::MemoryFile file(data, size);
  try {
    const fer::EmotionModelSpec spec = fer::load_emotion_model_spec(file.path());
    if (spec.labels.empty()) std::abort();
    if (spec.input == fer::EmotionInput::WaveletFeatures && spec.feature_length() <= 0) std::abort();
  } catch (const fer::Error&) {
  }
  return 0;
}
