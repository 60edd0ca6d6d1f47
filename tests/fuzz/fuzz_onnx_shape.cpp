// SPDX-License-Identifier: LGPL-2.1-or-later
// The ONNX input-shape reader (the project's protobuf walk over a model
// file): any bytes give a shape or a fer::Error.
#include "fer/error.h"
#include "inference/onnx_net.h"
#include "memory_file.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const fer::fuzz::MemoryFile file(data, size);
  try {
    fer::onnx_input_shape(file.path());
  } catch (const fer::Error&) {
  }
  return 0;
}
