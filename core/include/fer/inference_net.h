// SPDX-License-Identifier: LGPL-2.1-or-later
// fer::InferenceNet — one ONNX network run by one of two engines.
//
// WHAT THIS DOES
//   Create() reads an ONNX file and prepares it for an engine:
//     xnnpack  XNNPACK (the CPU engine MediaPipe runs these networks with),
//              through the core's own importer: the ONNX graph is rebuilt as
//              an NHWC XNNPACK subgraph (docs/architecture.md#inference);
//     opencv   OpenCV's cv::dnn;
//     auto     (default) XNNPACK when every node of the graph maps to it,
//              else cv::dnn, with one INFO line (fer/log.h) saying which
//              node did not map; a graph XNNPACK maps but then refuses to
//              plan falls back the same way with a WARNING.
//   Each load logs the engine it chose at DEBUG level.
//   Run() takes the graph inputs in input_names() order (float32,
//   continuous, the shapes the graph declares; a symbolic first dimension
//   takes any batch size) and returns the outputs in output_names() order.
//   The outputs may share memory with the engine's own buffers: they hold
//   until the next Run() on the same instance (clone() to keep them longer).
//
// ERRORS
//   Create() throws fer::Error naming the file when it cannot be read or
//   parsed, and, with engine xnnpack, naming the node and operator that
//   XNNPACK cannot run. Run() throws fer::Error on inputs of the wrong
//   number, type or shape.
//
// THREAD SAFETY
//   One Run() at a time per instance (XNNPACK runtimes and cv::dnn nets keep
//   state); separate instances, even of one file, run concurrently.
//   Instances are meant to live as long as their element: creating one
//   plans the network (XNNPACK packs its weights), Run() only computes.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

namespace fer {

enum class InferenceEngine { kAuto, kXnnpack, kOpenCV };

// "auto", "xnnpack", "opencv".
const char* engine_name(InferenceEngine engine);
// The inverse; throws fer::Error listing the accepted names.
InferenceEngine parse_engine(const std::string& name);

class InferenceNet {
 public:
  static std::unique_ptr<InferenceNet> Create(const std::string& path,
                                            InferenceEngine engine = InferenceEngine::kAuto);
  virtual ~InferenceNet() = default;

  // The engine that runs the network: kXnnpack or kOpenCV, never kAuto.
  virtual InferenceEngine engine() const = 0;
  const std::string& path() const { return path_; }
  const std::vector<std::string>& input_names() const { return input_names_; }
  const std::vector<std::string>& output_names() const { return output_names_; }

  virtual std::vector<cv::Mat> Run(const std::vector<cv::Mat>& inputs) = 0;
  std::vector<cv::Mat> Run(const cv::Mat& input) { return Run(std::vector<cv::Mat>{input}); }

 protected:
  std::string path_;
  std::vector<std::string> input_names_, output_names_;
};

}  // namespace fer
