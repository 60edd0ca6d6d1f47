// SPDX-License-Identifier: LGPL-2.1-or-later
// fer::EmotionModel — one ONNX emotion classifier with its sidecar
// (fer/emotion_model_spec.h), run by an inference engine (fer/inference_net.h).
//
// WHAT THIS DOES
//   Create() takes a built-in model name — "minixception-fer2013" (mini-Xception
//   trained on FER2013, 64x64 grey) or "faceapi-expression" (face-api's
//   expression net, 112x112 RGB) — found through the ModelRegistry with its
//   sidecar beside it, or the path of any .onnx file with MODEL.onnx.json
//   next to it. Run() turns a batch blob (fer/emotion_input.h) into one
//   probability vector per batch row, applying a softmax to logits.
//
// ENSURES
//   Create() checks the sidecar against the model: the declared input shape
//   (where the ONNX file states it) and the number of scores a test input
//   produces must match the sidecar; a mismatch throws fer::Error naming the
//   sidecar and its field. labels() are canonical (fer/emotion_labels.h) and
//   distinct. Create() also finds out whether the model takes a batch of
//   several inputs (a fixed batch dimension of 1, or an export that reshapes
//   to batch 1, does not); Run() then runs a batch row by row. Run() throws
//   fer::Error if a row does not have one score per label.
//
// THREAD SAFETY
//   Run() is not reentrant (the engines keep state); one model per thread.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "fer/emotion_model_spec.h"
#include "fer/inference_net.h"
#include "fer/model_registry.h"

namespace fer {

class EmotionModel {
 public:
  static std::unique_ptr<EmotionModel> Create(const std::string& model, const ModelRegistry& registry,
                                            InferenceEngine engine = InferenceEngine::kAuto);

  // The built-in model names, default first.
  static const std::vector<std::string>& builtin_names();

  const EmotionModelSpec& spec() const { return spec_; }
  const std::vector<std::string>& labels() const { return labels_; }
  const std::string& path() const { return path_; }
  InferenceEngine engine() const { return net_->engine(); }

  std::vector<std::vector<float>> Run(const cv::Mat& blob);

  // Whether Run() feeds a whole batch to the network in one inference.
  bool batchable() const { return batchable_; }

 private:
  EmotionModel() = default;
  void Check(const std::string& sidecar);
  std::vector<std::vector<float>> Infer(const cv::Mat& blob);
  bool AcceptsBatches(const cv::Mat& one_input);

  EmotionModelSpec spec_;
  std::vector<std::string> labels_;
  std::string path_;
  std::unique_ptr<InferenceNet> net_;
  bool batchable_ = false;
};

}  // namespace fer
