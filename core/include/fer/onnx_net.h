// Loading an ONNX file into OpenCV's dnn module with errors that name the file.
#pragma once

#include <string>

#include <opencv2/dnn.hpp>

namespace fer {

// Reads `path` (as found by ModelRegistry) and selects the CPU backend.
// Throws fer::Error "cannot load model <path>: <reason>" on a parse failure.
cv::dnn::Net load_onnx_net(const std::string& path);

}  // namespace fer
