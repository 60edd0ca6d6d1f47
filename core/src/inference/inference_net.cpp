// SPDX-License-Identifier: LGPL-2.1-or-later
#include "fer/inference_net.h"

#include "fer/error.h"
#include "fer/log.h"
#include "inference/onnx_net.h"
#include "inference/xnnpack_net.h"

namespace fer {
namespace {

// cv::dnn, as the project ran every network before XNNPACK.
class OpenCvNet : public InferenceNet {
 public:
  OpenCvNet(const std::string& path, const OnnxGraph* graph) : net_(load_onnx_net(path)) {
    path_ = path;
    if (graph) {
      for (const auto& in : graph->inputs) input_names_.push_back(in.name);
      for (const auto& out : graph->outputs) output_names_.push_back(out.name);
    } else {
      output_names_ = net_.getUnconnectedOutLayersNames();
    }
  }

  InferenceEngine engine() const override { return InferenceEngine::kOpenCV; }

  std::vector<cv::Mat> Run(const std::vector<cv::Mat>& inputs) override {
    try {
      if (input_names_.empty()) {
        if (inputs.size() != 1) throw Error(path_ + ": the model takes one input");
        net_.setInput(inputs[0]);
      } else {
        if (inputs.size() != input_names_.size())
          throw Error(path_ + ": " + std::to_string(inputs.size()) +
                      " inputs given, the model takes " + std::to_string(input_names_.size()));
        for (size_t i = 0; i < inputs.size(); ++i) net_.setInput(inputs[i], input_names_[i]);
      }
      std::vector<cv::Mat> outputs;
      // One output: the net's last layer (an output named like no layer,
      // e.g. behind an Identity, would not be found by name).
      if (output_names_.size() == 1)
        outputs.push_back(net_.forward());
      else
        net_.forward(outputs, output_names_);
      return outputs;
    } catch (const cv::Exception& e) {
      throw Error(path_ + ": " + e.msg);
    }
  }

 private:
  cv::dnn::Net net_;
};

}  // namespace

std::unique_ptr<InferenceNet> make_opencv_net(const std::string& path, const OnnxGraph& graph) {
  return std::make_unique<OpenCvNet>(path, &graph);
}

const char* engine_name(InferenceEngine engine) {
  switch (engine) {
    case InferenceEngine::kXnnpack: return "xnnpack";
    case InferenceEngine::kOpenCV: return "opencv";
    default: return "auto";
  }
}

InferenceEngine parse_engine(const std::string& name) {
  for (InferenceEngine e : {InferenceEngine::kAuto, InferenceEngine::kXnnpack, InferenceEngine::kOpenCV})
    if (name == engine_name(e)) return e;
  throw Error("unknown inference engine \"" + name + "\" (expected auto, xnnpack or opencv)");
}

std::unique_ptr<InferenceNet> InferenceNet::Create(const std::string& path, InferenceEngine engine) {
  std::shared_ptr<const OnnxGraph> graph;
  try {
    graph = std::make_shared<OnnxGraph>(OnnxGraph::Read(path));
  } catch (const Error& e) {
    // cv::dnn reads some files our reader does not (e.g. external data).
    if (engine == InferenceEngine::kXnnpack) throw Error("cannot load model " + path + ": " + e.what());
    log(LogLevel::kInfo, "model " + path + ": cv::dnn (" + e.what() + ")");
    return std::make_unique<OpenCvNet>(path, nullptr);
  }
  if (engine == InferenceEngine::kOpenCV) {
    log(LogLevel::kDebug, "model " + path + ": cv::dnn (engine opencv)");
    return make_opencv_net(path, *graph);
  }
  try {
    auto net = make_xnnpack_net(path, graph);
    log(LogLevel::kDebug, "model " + path + ": XNNPACK");
    return net;
  } catch (const XnnpackUnmappable& e) {
    if (engine == InferenceEngine::kXnnpack)
      throw Error("model " + path + ": XNNPACK cannot run " + e.what());
    log(LogLevel::kInfo, "model " + path + ": cv::dnn, because XNNPACK cannot run " + e.what());
  } catch (const XnnpackRejected& e) {
    if (engine == InferenceEngine::kXnnpack) throw Error("model " + path + ": " + e.what());
    log(LogLevel::kWarning, "model " + path + ": falling back to cv::dnn: " + e.what());
  }
  return make_opencv_net(path, *graph);
}

}  // namespace fer
