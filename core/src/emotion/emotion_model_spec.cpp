// SPDX-License-Identifier: LGPL-2.1-or-later
#include "fer/emotion_model_spec.h"

#include <cmath>
#include <fstream>

#include <nlohmann/json.hpp>

#include "fer/blendshapes.h"
#include "fer/error.h"
#include "fer/face.h"

namespace fer {
namespace {

using nlohmann::json;

// Reads fields of one JSON object, each error naming the file and the field.
class SidecarReader {
 public:
  explicit SidecarReader(std::string file) : file_(std::move(file)) {}

  [[noreturn]] void fail(const std::string& field, const std::string& problem) const {
    throw Error(file_ + ": " + field + ": " + problem);
  }

  const json& member(const json& object, const std::string& parent, const char* key) const {
    const std::string field = parent.empty() ? key : parent + "." + key;
    if (!object.contains(key)) fail(field, "missing");
    return object.at(key);
  }

  int positive_int(const json& object, const std::string& parent, const char* key) const {
    const json& v = member(object, parent, key);
    if (!v.is_number_integer() || v.get<long long>() <= 0 || v.get<long long>() > 16384)
      fail(parent + "." + key, "must be a positive integer (got " + v.dump() + ")");
    return v.get<int>();
  }

  float number(const json& v, const std::string& field) const {
    if (!v.is_number() || !std::isfinite(v.get<double>()))
      fail(field, "must be a number (got " + v.dump() + ")");
    return v.get<float>();
  }

  std::string choice(const json& v, const std::string& field,
                     const std::vector<std::string>& allowed) const {
    std::string list;
    for (size_t i = 0; i < allowed.size(); ++i)
      list += (i == 0 ? "" : i + 1 == allowed.size() ? " or " : ", ") + allowed[i];
    if (!v.is_string()) fail(field, "must be a string: " + list + " (got " + v.dump() + ")");
    for (const auto& a : allowed)
      if (v.get<std::string>() == a) return a;
    fail(field, "unknown value " + v.dump() + " (expected " + list + ")");
  }

  // mean/std: one number for all channels or one per channel.
  std::vector<float> per_channel(const json& input, const char* key, int channels,
                                 float fallback) const {
    const std::string field = std::string("input.") + key;
    if (!input.contains(key)) return std::vector<float>(channels, fallback);
    const json& v = input.at(key);
    if (v.is_number()) return std::vector<float>(channels, number(v, field));
    if (!v.is_array() || (v.size() != 1 && v.size() != size_t(channels)))
      fail(field, "must be a number or a list of 1 or " + std::to_string(channels) +
                      " numbers (got " + v.dump() + ")");
    std::vector<float> out;
    for (size_t i = 0; i < v.size(); ++i) out.push_back(number(v[i], field + "[" + std::to_string(i) + "]"));
    if (out.size() == 1) out.assign(channels, out[0]);
    return out;
  }

 private:
  std::string file_;
};

ImageInputSpec read_image_input(const SidecarReader& r, const json& input) {
  ImageInputSpec s;
  s.width = r.positive_int(input, "input", "width");
  s.height = r.positive_int(input, "input", "height");
  const std::string color = r.choice(r.member(input, "input", "color"), "input.color", {"GRAY", "RGB", "BGR"});
  s.color = color == "GRAY" ? ColorOrder::GRAY : color == "RGB" ? ColorOrder::RGB : ColorOrder::BGR;
  const std::string layout = r.choice(r.member(input, "input", "layout"), "input.layout", {"NCHW", "NHWC"});
  s.layout = layout == "NCHW" ? TensorLayout::NCHW : TensorLayout::NHWC;
  if (input.contains("scale")) s.scale = r.number(input.at("scale"), "input.scale");
  if (!(s.scale != 0.0f)) r.fail("input.scale", "must not be 0");
  s.mean = r.per_channel(input, "mean", s.channels(), 0.0f);
  s.std = r.per_channel(input, "std", s.channels(), 1.0f);
  for (size_t c = 0; c < s.std.size(); ++c)
    if (s.std[c] == 0.0f) r.fail("input.std[" + std::to_string(c) + "]", "must not be 0");
  return s;
}

}  // namespace

int EmotionModelSpec::feature_length() const {
  return feature_rows * (kFaceLandmarks * 3 + static_cast<int>(blendshape_names().size()));
}

EmotionModelSpec load_emotion_model_spec(const std::string& sidecar_path) {
  std::ifstream in(sidecar_path);
  if (!in)
    throw Error("model sidecar not found: " + sidecar_path +
                " (every ONNX emotion model needs MODEL.onnx.json describing its input, "
                "output and labels; see docs/elements/emotionclassify.md)");
  json doc;
  try {
    doc = json::parse(in);
  } catch (const json::exception& e) {
    throw Error(sidecar_path + ": not valid JSON: " + e.what());
  }
  const SidecarReader r(sidecar_path);
  if (!doc.is_object()) r.fail("(top level)", "must be a JSON object");

  EmotionModelSpec spec;
  const json& input = r.member(doc, "", "input");
  if (!input.is_object()) r.fail("input", "must be an object");
  const std::string type = input.contains("type")
      ? r.choice(input.at("type"), "input.type", {"image", "wavelet-features"}) : "image";
  if (type == "image") {
    spec.input = EmotionInput::Image;
    spec.image = read_image_input(r, input);
    if (doc.contains("crop_margin")) {
      spec.crop_margin = r.number(doc.at("crop_margin"), "crop_margin");
      if (spec.crop_margin < -0.5f || spec.crop_margin > 2.0f)
        r.fail("crop_margin", "must be between -0.5 and 2");
    }
  } else {
    spec.input = EmotionInput::WaveletFeatures;
    spec.feature_rows = r.positive_int(input, "input", "rows");
    if (input.contains("space"))
      spec.feature_space = r.choice(input.at("space"), "input.space", {"image", "canonical"}) == "canonical"
                               ? LandmarkSpace::Canonical
                               : LandmarkSpace::Image;
  }

  const std::string output = r.choice(r.member(doc, "", "output"), "output", {"logits", "probabilities"});
  spec.output = output == "logits" ? ScoreKind::Logits : ScoreKind::Probabilities;

  const json& labels = r.member(doc, "", "labels");
  if (!labels.is_array() || labels.size() < 2)
    r.fail("labels", "must be a list of at least 2 names in output order");
  for (size_t i = 0; i < labels.size(); ++i) {
    if (!labels[i].is_string() || labels[i].get<std::string>().empty())
      r.fail("labels[" + std::to_string(i) + "]", "must be a non-empty string");
    spec.labels.push_back(labels[i].get<std::string>());
  }
  return spec;
}

}  // namespace fer
