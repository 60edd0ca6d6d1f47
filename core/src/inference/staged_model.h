// SPDX-License-Identifier: LGPL-2.1-or-later
// fer::StagedModel — a network with MediaPipe custom ops, run as ONNX parts
// with the custom ops in C++ between them.
//
// WHAT THIS REPRESENTS
//   The project's converter cuts a TFLite model at its custom operations and
//   writes NAME.manifest.json: the model input, an ordered list of stages
//   (an ONNX part, or one custom op with its decoded options) naming the
//   tensors each reads and writes, and the final outputs. run() executes the
//   stages in order over a table of named tensors; consecutive stages that
//   do not read each other's outputs (the independent branches the converter
//   cuts, e.g. the three refinement heads) run concurrently, one thread each,
//   when one of them runs on cv::dnn; on XNNPACK they are faster than a
//   thread hand-over and run one after another.
//   Tensors crossing stage boundaries keep TFLite's shapes and NHWC layout.
//
// ERRORS
//   Create() throws fer::Error naming the manifest (and the field) when it is
//   malformed, or the part file when it is missing, corrupt or unloadable.
//
// THREAD SAFETY
//   One instance per thread.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "fer/inference_net.h"
#include "fer/model_registry.h"

namespace fer {

class StagedModel {
 public:
  static std::unique_ptr<StagedModel> Create(const ModelRegistry& registry,
                                           const std::string& manifest_name,
                                           InferenceEngine engine = InferenceEngine::kAuto);
  ~StagedModel();

  // TFLite shape of the model input, e.g. {1, 192, 192, 3}.
  const std::vector<int>& input_shape() const { return input_shape_; }

  // Runs all stages on `input` (float tensor of input_shape()) and returns the
  // final outputs in manifest order.
  std::vector<cv::Mat> run(const cv::Mat& input);

  const std::vector<std::string>& output_names() const { return output_names_; }

  struct Stage;  // one ONNX part or custom op (defined in staged_model.cpp)
  using TensorTable = std::map<std::string, cv::Mat>;  // tensors by name

 private:
  StagedModel() = default;
  static std::vector<std::vector<size_t>> plan_waves(
      const std::vector<std::unique_ptr<Stage>>& stages);
  void run_wave(const std::vector<size_t>& wave, TensorTable& tensors);

  std::string input_name_;
  std::vector<int> input_shape_;
  std::vector<std::string> output_names_;
  std::vector<std::unique_ptr<Stage>> stages_;
  std::vector<std::vector<size_t>> waves_;  // indices into stages_, in order
};

}  // namespace fer
