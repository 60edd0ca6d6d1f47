// SPDX-License-Identifier: LGPL-2.1-or-later
#include "fer/emotion_model.h"

#include <algorithm>
#include <cmath>
#include <fstream>

#include "fer/emotion_labels.h"
#include "fer/error.h"
#include "inference/onnx_net.h"

namespace fer {
namespace {

bool is_path(const std::string& model) {
  return model.find('/') != std::string::npos ||
         (model.size() > 5 && model.compare(model.size() - 5, 5, ".onnx") == 0);
}

std::string shape_text(const std::vector<std::int64_t>& shape) {
  std::string text = "[";
  for (size_t i = 0; i < shape.size(); ++i)
    text += (i ? "," : "") + (shape[i] < 0 ? std::string("?") : std::to_string(shape[i]));
  return text + "]";
}

void softmax(std::vector<float>& scores) {
  const float top = *std::max_element(scores.begin(), scores.end());
  double sum = 0;
  for (float& s : scores) sum += (s = std::exp(s - top));
  for (float& s : scores) s = static_cast<float>(s / sum);
}

}  // namespace

const std::vector<std::string>& EmotionModel::builtin_names() {
  static const std::vector<std::string> names = {"minixception-fer2013", "faceapi-expression"};
  return names;
}

std::unique_ptr<EmotionModel> EmotionModel::Create(const std::string& model,
                                                 const ModelRegistry& registry,
                                                 InferenceEngine engine) {
  std::unique_ptr<EmotionModel> m(new EmotionModel);
  std::string sidecar;
  if (is_path(model)) {
    if (!std::ifstream(model)) throw ModelNotFound("emotion model file not found: " + model);
    m->path_ = model;
    sidecar = model + ".json";
  } else {
    const auto& names = builtin_names();
    if (std::find(names.begin(), names.end(), model) == names.end()) {
      std::string list;
      for (const auto& n : names) list += (list.empty() ? "" : ", ") + n;
      throw Error("unknown emotion model \"" + model + "\": the built-in models are " + list +
                  "; any other model is given as the path of its .onnx file");
    }
    m->path_ = registry.Locate(model + ".onnx");
    sidecar = ModelRegistry::LocateBeside(m->path_, model + ".onnx.json");
  }
  m->spec_ = load_emotion_model_spec(sidecar);
  for (size_t i = 0; i < m->spec_.labels.size(); ++i) {
    const std::string name = canonical_emotion_label(m->spec_.labels[i]);
    if (name == kUnknownEmotion)
      throw Error(sidecar + ": labels[" + std::to_string(i) + "]: \"unknown\" is reserved for "
                  "faces below min-confidence");
    if (std::find(m->labels_.begin(), m->labels_.end(), name) != m->labels_.end())
      throw Error(sidecar + ": labels[" + std::to_string(i) + "]: \"" + m->spec_.labels[i] +
                  "\" names the same emotion as an earlier label (" + name + ")");
    m->labels_.push_back(name);
  }
  m->net_ = InferenceNet::Create(m->path_, engine);
  m->Check(sidecar);
  return m;
}

// The sidecar must describe the model: its declared input dimensions, and the
// number of scores it gives for one input.
void EmotionModel::Check(const std::string& sidecar) {
  const std::vector<std::int64_t> declared = onnx_input_shape(path_);
  std::vector<std::int64_t> expected;
  std::vector<std::string> fields;
  if (spec_.input == EmotionInput::Image) {
    const ImageInputSpec& in = spec_.image;
    if (in.layout == TensorLayout::NCHW) {
      expected = {1, in.channels(), in.height, in.width};
      fields = {"", "input.color (channels)", "input.height", "input.width"};
    } else {
      expected = {1, in.height, in.width, in.channels()};
      fields = {"", "input.height", "input.width", "input.color (channels)"};
    }
  } else {
    expected = {1, spec_.feature_length()};
    fields = {"", "input.rows"};
  }
  const std::string layout = spec_.input == EmotionInput::Image
      ? (spec_.image.layout == TensorLayout::NCHW ? "NCHW" : "NHWC") : "[1, length]";
  if (!declared.empty() && declared.size() != expected.size())
    throw Error(sidecar + ": input: the sidecar describes a " + std::to_string(expected.size()) +
                "-D input " + shape_text(expected) + " (" + layout + "), but " + path_ +
                " takes " + shape_text(declared));
  for (size_t d = 1; d < declared.size(); ++d)
    if (declared[d] > 0 && declared[d] != expected[d])
      throw Error(sidecar + ": " + fields[d] + ": the sidecar gives " + std::to_string(expected[d]) +
                  " but " + path_ + " takes " + shape_text(declared) + " (" + layout + ")");

  cv::Mat probe;
  if (spec_.input == EmotionInput::Image) {
    const int dims[] = {1, int(expected[1]), int(expected[2]), int(expected[3])};
    probe = cv::Mat(4, dims, CV_32F, cv::Scalar(0));
  } else {
    probe = cv::Mat(1, spec_.feature_length(), CV_32F, cv::Scalar(0));
  }
  std::vector<std::vector<float>> scores;
  try {
    scores = Infer(probe);
  } catch (const Error& e) {
    throw Error(sidecar + ": input: " + path_ + " does not run on the input the sidecar describes " +
                shape_text(expected) + " (" + layout + "): " + e.what());
  }
  if (scores.size() != 1 || scores[0].size() != labels_.size())
    throw Error(sidecar + ": labels: " + std::to_string(labels_.size()) + " names, but " + path_ +
                " gives " + std::to_string(scores.empty() ? 0 : scores[0].size()) + " scores");
  batchable_ = (declared.empty() || declared[0] != 1) && AcceptsBatches(probe);
}

// A batch of two different inputs must give what each gives alone.
bool EmotionModel::AcceptsBatches(const cv::Mat& one_input) {
  std::vector<int> dims(one_input.size.p, one_input.size.p + one_input.dims);
  dims[0] = 2;
  cv::Mat pair(static_cast<int>(dims.size()), dims.data(), CV_32F);
  const size_t n = one_input.total();
  cv::randu(cv::Mat(1, static_cast<int>(2 * n), CV_32F, pair.ptr<float>()), -1.0, 1.0);
  try {
    const auto batched = Infer(pair);
    for (int i = 0; i < 2; ++i) {
      cv::Mat row(one_input.dims, one_input.size.p, CV_32F, pair.ptr<float>() + i * n);
      const auto alone = Infer(row);
      if (batched.size() != 2 || batched[i].size() != alone[0].size()) return false;
      for (size_t k = 0; k < alone[0].size(); ++k)
        if (std::abs(batched[i][k] - alone[0][k]) > 1e-4f * (1 + std::abs(alone[0][k]))) return false;
    }
    return true;
  } catch (const Error&) {
    return false;
  }
}

std::vector<std::vector<float>> EmotionModel::Run(const cv::Mat& blob) {
  const int batch = blob.size[0];
  std::vector<std::vector<float>> rows;
  if (batchable_ || batch == 1) {
    rows = Infer(blob);
  } else {
    const size_t n = blob.total() / batch;
    std::vector<int> dims(blob.size.p, blob.size.p + blob.dims);
    dims[0] = 1;
    for (int i = 0; i < batch; ++i) {
      const cv::Mat one(static_cast<int>(dims.size()), dims.data(), CV_32F,
                        const_cast<float*>(blob.ptr<float>()) + i * n);
      rows.push_back(Infer(one)[0]);
    }
  }
  for (const auto& row : rows)
    if (row.size() != labels_.size())
      throw Error("emotion model " + path_ + ": " + std::to_string(row.size()) + " scores per face, " +
                  "but its sidecar names " + std::to_string(labels_.size()) + " labels");
  return rows;
}

std::vector<std::vector<float>> EmotionModel::Infer(const cv::Mat& blob) {
  cv::Mat out;
  try {
    out = net_->Run(blob).front();  // the scores are the first graph output
  } catch (const Error& e) {
    throw Error(std::string("emotion model ") + e.what());
  }
  const int batch = blob.size[0];
  if (out.total() % static_cast<size_t>(batch) != 0)
    throw Error("emotion model " + path_ + ": " + std::to_string(out.total()) +
                " output values for a batch of " + std::to_string(batch));
  const size_t per_row = out.total() / batch;
  const cv::Mat flat = out.reshape(1, 1);
  std::vector<std::vector<float>> rows(batch);
  for (int i = 0; i < batch; ++i) {
    const float* p = flat.ptr<float>() + i * per_row;
    rows[i].assign(p, p + per_row);
    if (spec_.output == ScoreKind::Logits && !labels_.empty() && per_row == labels_.size())
      softmax(rows[i]);
  }
  return rows;
}

}  // namespace fer
