// SPDX-License-Identifier: LGPL-2.1-or-later
// Loading an ONNX file into OpenCV's dnn module with errors that name the file,
// and reading the declared shape of its input (which cv::dnn does not expose).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <opencv2/dnn.hpp>

namespace fer {

// Reads `path` (as found by ModelRegistry) and selects the CPU backend.
// Throws fer::Error "cannot load model <path>: <reason>" on a parse failure.
cv::dnn::Net load_onnx_net(const std::string& path);

// The declared shape of the model's first graph input (initializers listed as
// inputs by old exporters are skipped); -1 for a symbolic or missing
// dimension. Throws fer::Error naming the file if it cannot be read.
std::vector<std::int64_t> onnx_input_shape(const std::string& path);

}  // namespace fer
