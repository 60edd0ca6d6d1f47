// SPDX-License-Identifier: LGPL-2.1-or-later
#include "inference/staged_model.h"

#include <algorithm>
#include <exception>
#include <filesystem>
#include <fstream>
#include <set>

#include <nlohmann/json.hpp>
#include <opencv2/core/utility.hpp>

#include "fer/error.h"
#include "inference/mediapipe_ops.h"

namespace fer {
namespace {

using Json = nlohmann::json;
using TensorTable = StagedModel::TensorTable;

// A float tensor of the given TFLite shape.
cv::Mat make_tensor(const std::vector<int>& shape) {
  return cv::Mat(static_cast<int>(shape.size()), shape.data(), CV_32F);
}

// The 4x4 matrix a custom op reads from its matrix input.
Matrix4 read_matrix(const cv::Mat& tensor) {
  Matrix4 m;
  std::copy(tensor.ptr<float>(), tensor.ptr<float>() + m.size(), m.begin());
  return m;
}

// Product of dimensions.
size_t count(const std::vector<int>& shape) {
  size_t n = 1;
  for (int d : shape) n *= static_cast<size_t>(d);
  return n;
}

}  // namespace

struct StagedModel::Stage {
  virtual ~Stage() = default;
  // Reads its inputs from `tensors`, returns its outputs in `outputs` order.
  // Stages of one wave run concurrently: `tensors` is only read.
  virtual std::vector<cv::Mat> run(const TensorTable& tensors) = 0;
  // Whether the stage is worth a thread of its own when its wave has several.
  virtual bool heavy() const { return false; }

  std::vector<std::string> inputs, outputs;
  std::vector<int> output_shape;

  const cv::Mat& input(const TensorTable& tensors, size_t i) const {
    auto it = tensors.find(inputs[i]);
    if (it == tensors.end()) throw Error("staged model: tensor " + inputs[i] + " not computed");
    return it->second;
  }
};

namespace {

// The part's graph inputs and outputs are the stage's, in the same order
// (checked at load).
struct OnnxStage : StagedModel::Stage {
  std::unique_ptr<InferenceNet> net;
  // A refinement head takes cv::dnn ~0.5 ms, XNNPACK under 0.1 ms: less than
  // handing it to another thread costs.
  bool heavy() const override { return net->engine() == InferenceEngine::kOpenCV; }
  std::vector<cv::Mat> run(const TensorTable& tensors) override {
    std::vector<cv::Mat> in;
    for (size_t i = 0; i < inputs.size(); ++i) in.push_back(input(tensors, i));
    return net->Run(in);
  }
};

struct TransformMatrixStage : StagedModel::Stage {
  LandmarksToTransformMatrixOptions options;
  std::vector<cv::Mat> run(const TensorTable& tensors) override {
    const Matrix4 m = landmarks_to_transform_matrix(input(tensors, 0).ptr<float>(), options);
    cv::Mat out = make_tensor(output_shape);
    std::copy(m.begin(), m.end(), out.ptr<float>());
    return {out};
  }
};

struct TransformTensorStage : StagedModel::Stage {
  std::vector<int> input_shape;  // NHWC
  std::vector<cv::Mat> run(const TensorTable& tensors) override {
    const Matrix4 matrix = read_matrix(input(tensors, 1));
    cv::Mat out = make_tensor(output_shape);
    transform_tensor_bilinear(input(tensors, 0).ptr<float>(), input_shape[1], input_shape[2],
                              input_shape[3], matrix, output_shape[1], output_shape[2],
                              out.ptr<float>());
    return {out};
  }
};

struct TransformLandmarksStage : StagedModel::Stage {
  int dimensions = 2;
  std::vector<cv::Mat> run(const TensorTable& tensors) override {
    const Matrix4 matrix = read_matrix(input(tensors, 1));
    cv::Mat out = make_tensor(output_shape);
    const int n = static_cast<int>(count(output_shape)) / dimensions;
    transform_landmarks(input(tensors, 0).ptr<float>(), n, dimensions, matrix, out.ptr<float>());
    return {out};
  }
};

// Reads options of Landmarks2TransformMatrix v2 (keys as MediaPipe writes them).
LandmarksToTransformMatrixOptions transform_matrix_options(const Json& o) {
  LandmarksToTransformMatrixOptions r;
  r.left_rotation_idx = o.at("left_rotation_idx").get<int>();
  r.right_rotation_idx = o.at("right_rotation_idx").get<int>();
  r.target_rotation_radians = o.at("target_rotation_radians").get<float>();
  r.output_width = o.at("output_width").get<int>();
  r.output_height = o.at("output_height").get<int>();
  r.scale_x = o.at("scale_x").get<float>();
  r.scale_y = o.at("scale_y").get<float>();
  r.subset_idxs = o.at("subset_idxs").get<std::vector<int>>();
  if (r.subset_idxs.empty()) throw Error("subset_idxs is empty");
  if (r.output_width <= 0 || r.output_height <= 0) throw Error("output size must be positive");
  return r;
}

std::vector<int> shape_of(const Json& tensors, const std::string& name) {
  if (!tensors.contains(name)) throw Error("no shape for tensor " + name);
  return tensors.at(name).get<std::vector<int>>();
}

}  // namespace

StagedModel::~StagedModel() = default;

std::unique_ptr<StagedModel> StagedModel::Create(const ModelRegistry& registry,
                                               const std::string& manifest_name,
                                               InferenceEngine engine) {
  const std::string path = registry.Locate(manifest_name);
  std::unique_ptr<StagedModel> model(new StagedModel());
  try {
    std::ifstream in(path);
    const Json manifest = Json::parse(in);
    const Json& tensors = manifest.at("tensors");
    model->input_name_ = manifest.at("inputs").at(0).at("name").get<std::string>();
    model->input_shape_ = manifest.at("inputs").at(0).at("shape").get<std::vector<int>>();
    for (const Json& o : manifest.at("outputs"))
      model->output_names_.push_back(o.at("name").get<std::string>());
    for (const Json& s : manifest.at("stages")) {
      std::unique_ptr<Stage> stage;
      const std::string kind = s.at("kind").get<std::string>();
      if (kind == "onnx") {
        auto onnx = std::make_unique<OnnxStage>();
        onnx->net = InferenceNet::Create(
            ModelRegistry::LocateBeside(path, s.at("file").get<std::string>()), engine);
        if (onnx->net->input_names() != s.at("inputs").get<std::vector<std::string>>() ||
            onnx->net->output_names() != s.at("outputs").get<std::vector<std::string>>())
          throw Error(onnx->net->path() + ": its graph inputs and outputs are not the stage's");
        stage = std::move(onnx);
      } else if (kind == "custom") {
        const std::string op = s.at("op").get<std::string>();
        if (s.at("version").get<int>() != 2)
          throw Error("custom op " + op + ": only version 2 is supported");
        if (op == "Landmarks2TransformMatrix") {
          auto st = std::make_unique<TransformMatrixStage>();
          st->options = transform_matrix_options(s.at("options"));
          stage = std::move(st);
        } else if (op == "TransformTensorBilinear") {
          auto st = std::make_unique<TransformTensorStage>();
          st->input_shape = shape_of(tensors, s.at("inputs").at(0).get<std::string>());
          if (st->input_shape.size() != 4) throw Error(op + ": input must be NHWC");
          stage = std::move(st);
        } else if (op == "TransformLandmarks") {
          auto st = std::make_unique<TransformLandmarksStage>();
          const auto in_shape = shape_of(tensors, s.at("inputs").at(0).get<std::string>());
          // Version 2 reads [1, N, dimensions].
          st->dimensions = in_shape.back();
          if (in_shape.size() != 3 || (st->dimensions != 2 && st->dimensions != 3))
            throw Error(op + ": input must be [1, N, 2 or 3]");
          stage = std::move(st);
        } else {
          throw Error("unknown custom op " + op);
        }
        stage->output_shape = s.at("output_shape").get<std::vector<int>>();
      } else {
        throw Error("unknown stage kind " + kind);
      }
      stage->inputs = s.at("inputs").get<std::vector<std::string>>();
      stage->outputs = s.at("outputs").get<std::vector<std::string>>();
      model->stages_.push_back(std::move(stage));
    }
    model->waves_ = plan_waves(model->stages_);
  } catch (const Json::exception& e) {
    throw Error("malformed model manifest " + path + ": " + e.what());
  } catch (const ModelNotFound& e) {
    throw ModelNotFound(path + ": " + e.what());
  } catch (const Error& e) {
    throw Error(path + ": " + e.what());
  }
  return model;
}

// Consecutive stages none of which reads another's outputs form a wave.
std::vector<std::vector<size_t>> StagedModel::plan_waves(
    const std::vector<std::unique_ptr<Stage>>& stages) {
  std::vector<std::vector<size_t>> waves;
  std::set<std::string> wave_outputs;
  for (size_t i = 0; i < stages.size(); ++i) {
    const auto& in = stages[i]->inputs;
    const bool depends = std::any_of(in.begin(), in.end(), [&](const std::string& name) {
      return wave_outputs.count(name) > 0;
    });
    if (waves.empty() || depends) {
      waves.emplace_back();
      wave_outputs.clear();
    }
    waves.back().push_back(i);
    wave_outputs.insert(stages[i]->outputs.begin(), stages[i]->outputs.end());
  }
  return waves;
}

void StagedModel::run_wave(const std::vector<size_t>& wave, TensorTable& tensors) {
  std::vector<std::vector<cv::Mat>> results(wave.size());
  const bool parallel = std::any_of(wave.begin(), wave.end(), [&](size_t i) { return stages_[i]->heavy(); });
  if (wave.size() == 1 || !parallel) {
    for (size_t i = 0; i < wave.size(); ++i) results[i] = stages_[wave[i]]->run(tensors);
  } else {
    // cv::dnn runs the layers of a net started inside parallel_for_ on one
    // thread, so each branch gets a core instead of every small layer being
    // split across them.
    std::vector<std::exception_ptr> errors(wave.size());
    cv::parallel_for_(cv::Range(0, static_cast<int>(wave.size())), [&](const cv::Range& range) {
      for (int i = range.start; i < range.end; ++i) {
        try {
          results[i] = stages_[wave[i]]->run(tensors);
        } catch (...) {
          errors[i] = std::current_exception();
        }
      }
    }, static_cast<double>(wave.size()));
    for (const auto& error : errors)
      if (error) std::rethrow_exception(error);
  }
  for (size_t i = 0; i < wave.size(); ++i) {
    const Stage& stage = *stages_[wave[i]];
    for (size_t k = 0; k < stage.outputs.size(); ++k) tensors[stage.outputs[k]] = results[i][k];
  }
}

std::vector<cv::Mat> StagedModel::run(const cv::Mat& input) {
  TensorTable tensors;
  tensors[input_name_] = input;
  try {
    for (const auto& wave : waves_) run_wave(wave, tensors);
  } catch (const cv::Exception& e) {
    throw Error("staged model: " + e.msg);
  }
  std::vector<cv::Mat> out;
  for (const auto& name : output_names_) out.push_back(tensors.at(name));
  return out;
}

}  // namespace fer
