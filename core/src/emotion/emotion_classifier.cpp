// SPDX-License-Identifier: LGPL-2.1-or-later
#include "fer/emotion_classifier.h"

#include <algorithm>
#include <cmath>
#include <set>

#include "fer/emotion_input.h"
#include "fer/emotion_labels.h"
#include "fer/error.h"
#include "fer/landmark_space.h"

namespace fer {

std::unique_ptr<EmotionClassifier> EmotionClassifier::Create(const EmotionClassifierOptions& options) {
  if (options.model.empty() && options.feature_model.empty())
    throw Error("no emotion model: set model, feature-model or both");
  if (options.interval < 1) throw Error("interval must be at least 1 frame");
  if (!(options.smoothing_ms >= 0)) throw Error("smoothing-ms must not be negative");
  if (!(options.feature_weight >= 0 && options.feature_weight <= 1))
    throw Error("feature-weight must be between 0 and 1");
  if (options.frame_duration_ns <= 0) throw Error("frame duration must be positive");
  if (options.crop_margin && !(*options.crop_margin >= -0.5f && *options.crop_margin <= 2.0f))
    throw Error("crop-margin must be between -0.5 and 2 (got " + std::to_string(*options.crop_margin) + ")");

  std::unique_ptr<EmotionClassifier> c(new EmotionClassifier(options));
  const ModelRegistry registry(options.model_dir);
  const std::vector<std::string> appearance =
      options.model == kEnsembleModel ? EmotionModel::builtin_names()
      : options.model.empty()         ? std::vector<std::string>{}
                                      : std::vector<std::string>{options.model};
  for (const std::string& name : appearance) {
    auto model = EmotionModel::Create(name, registry, options.engine);
    if (model->spec().input != EmotionInput::Image)
      throw Error(model->path() + ".json: input.type: model takes wavelet features; "
                  "give it as feature-model");
    c->AddLabels(*model);
    c->appearance_models_.push_back(std::move(model));
  }
  if (!options.feature_model.empty()) {
    c->feature_model_ = EmotionModel::Create(options.feature_model, registry, options.engine);
    if (c->feature_model_->spec().input != EmotionInput::WaveletFeatures)
      throw Error(c->feature_model_->path() + ".json: input.type: a feature model takes "
                  "\"wavelet-features\"; image models are given as model");
    c->AddLabels(*c->feature_model_);
  }
  return c;
}

std::vector<std::string> EmotionClassifier::appearance_model_names() {
  std::vector<std::string> names{kEnsembleModel};
  for (const std::string& name : EmotionModel::builtin_names()) names.push_back(name);
  return names;
}

LandmarkSpace EmotionClassifier::feature_space() const {
  return feature_model_ ? feature_model_->spec().feature_space : LandmarkSpace::Image;
}

void EmotionClassifier::AddLabels(const EmotionModel& model) {
  for (const std::string& label : model.labels())
    if (std::find(labels_.begin(), labels_.end(), label) == labels_.end()) labels_.push_back(label);
}

std::vector<float> EmotionClassifier::ToLabelSet(const std::vector<float>& probs,
                                                 const EmotionModel& model) const {
  std::vector<float> out(labels_.size(), 0.0f);
  for (size_t i = 0; i < probs.size(); ++i) {
    const auto at = std::find(labels_.begin(), labels_.end(), model.labels()[i]);
    out[static_cast<size_t>(at - labels_.begin())] = probs[i];
  }
  return out;
}

void EmotionClassifier::RunAppearance(const ImageView& image, const FrameFaces& frame,
                                      std::int64_t time) {
  std::vector<const Face*> due;
  for (const Face& face : frame.faces) {
    if (face.landmarks.size() != static_cast<size_t>(kFaceLandmarks)) continue;
    const auto it = tracks_.find(face.id);
    if (it != tracks_.end() && !it->second.appearance.empty() &&
        frame.frame - it->second.appearance_frame < options_.interval)
      continue;
    due.push_back(&face);
  }
  if (due.empty()) return;
  // Each model on its own crop; an ensemble's probabilities are averaged.
  std::vector<std::vector<float>> observed(due.size(), std::vector<float>(labels_.size(), 0.0f));
  const float share = 1.0f / static_cast<float>(appearance_models_.size());
  for (const auto& model : appearance_models_) {
    const EmotionModelSpec& spec = model->spec();
    const float margin = options_.crop_margin.value_or(spec.crop_margin);
    std::vector<cv::Mat> crops;
    for (const Face* face : due)
      crops.push_back(aligned_face_crop(image, face->landmarks, {spec.image.width, spec.image.height}, margin));
    const auto probs = model->Run(image_input_blob(spec.image, crops));
    for (size_t i = 0; i < due.size(); ++i) {
      const std::vector<float> p = ToLabelSet(probs[i], *model);
      for (size_t k = 0; k < p.size(); ++k) observed[i][k] += share * p[k];
    }
  }
  for (size_t i = 0; i < due.size(); ++i) {
    Track& track = tracks_[due[i]->id];
    // Time going backwards (a loop, a non-flushing seek) starts afresh.
    if (track.appearance.empty() || options_.smoothing_ms <= 0 || time < track.appearance_time) {
      track.appearance = observed[i];
    } else {
      const double dt_ms = static_cast<double>(time - track.appearance_time) / 1e6;
      const float a = static_cast<float>(1.0 - std::exp(-dt_ms / options_.smoothing_ms));
      for (size_t k = 0; k < observed[i].size(); ++k)
        track.appearance[k] += a * (observed[i][k] - track.appearance[k]);
    }
    track.appearance_time = time;
    track.appearance_frame = frame.frame;
  }
}

void EmotionClassifier::RunFeatures(const FrameFaces& frame) {
  const int rows = feature_model_->spec().feature_rows;
  for (const Face& face : frame.faces) {
    if (!face.features || face.landmarks.empty()) continue;
    // A mismatch of settings, not of this frame: said once, features skipped.
    if (face.features->rows < rows) {
      if (!feature_mismatch_reported_)
        warnings_.push_back("feature model " + feature_model_->path() + " wants " + std::to_string(rows) +
                            " wavelet rows, the features have " + std::to_string(face.features->rows) +
                            " (waveletencode coefficients x 2^detail-levels): features are not used");
      feature_mismatch_reported_ = true;
      continue;
    }
    // Features of another landmark space would be read as nonsense.
    const LandmarkSpace space = face.features->space;
    if (space != feature_model_->spec().feature_space)
      throw Error("feature model " + feature_model_->path() + " was trained on " +
                  landmark_space_name(feature_model_->spec().feature_space) +
                  "-space landmarks (its sidecar's input.space), but the features are in " +
                  landmark_space_name(space) + " space (waveletencode's landmark-space): set both alike");
    const auto probs = feature_model_->Run(feature_input_blob(*face.features, rows));
    tracks_[face.id].features = ToLabelSet(probs[0], *feature_model_);
  }
}

Emotion EmotionClassifier::Decide(const Track& track) const {
  const float w = options_.feature_weight;
  std::vector<float> fused;
  if (!track.appearance.empty() && !track.features.empty()) {
    fused.resize(labels_.size());
    for (size_t k = 0; k < fused.size(); ++k)
      fused[k] = (1 - w) * track.appearance[k] + w * track.features[k];
  } else {
    fused = track.appearance.empty() ? track.features : track.appearance;
  }
  Emotion emotion;
  for (size_t k = 0; k < fused.size(); ++k) emotion.probabilities.push_back({labels_[k], fused[k]});
  const size_t best = static_cast<size_t>(std::max_element(fused.begin(), fused.end()) - fused.begin());
  emotion.confidence = fused[best];
  emotion.label = fused[best] >= options_.min_confidence ? labels_[best] : std::string(kUnknownEmotion);
  return emotion;
}

void EmotionClassifier::Classify(const ImageView& image, FrameFaces& frame) {
  const std::int64_t time = frame.pts ? *frame.pts : frame.frame * options_.frame_duration_ns;
  // A track absent from this frame has ended; its id will not come back.
  std::set<int> present;
  for (const Face& face : frame.faces)
    if (!face.landmarks.empty()) present.insert(face.id);
  for (auto it = tracks_.begin(); it != tracks_.end();)
    it = present.count(it->first) ? std::next(it) : tracks_.erase(it);

  if (!appearance_models_.empty()) RunAppearance(image, frame, time);
  if (feature_model_) RunFeatures(frame);
  for (Face& face : frame.faces) {
    face.emotion.reset();
    const auto it = tracks_.find(face.id);
    if (face.landmarks.empty() || it == tracks_.end()) continue;
    if (it->second.appearance.empty() && it->second.features.empty()) continue;
    face.emotion = Decide(it->second);
  }
}

}  // namespace fer
