// SPDX-License-Identifier: LGPL-2.1-or-later
// The canonical face model reader (MediaPipe's geometry pipeline metadata,
// a protobuf read by the project's own wire reader): any bytes give a model
// or a fer::Error.
#include "fer/error.h"
#include "face/face_geometry.h"
#include "memory_file.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const fer::fuzz::MemoryFile file(data, size);
  try {
    fer::CanonicalFaceModel::Create(file.path());
  } catch (const fer::Error&) {
  }
  return 0;
}
