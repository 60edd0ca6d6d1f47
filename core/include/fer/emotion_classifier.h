// SPDX-License-Identifier: LGPL-2.1-or-later
// fer::EmotionClassifier — an emotion per tracked face, stable over time.
//
// WHAT THIS DOES
//   For each face with landmarks, Classify() runs the appearance model on the
//   aligned face crop (all faces of a frame in one batch) and, when the face
//   carries waveletencode features, the feature model on them. Per track:
//   * appearance probabilities are smoothed exponentially with time constant
//     smoothing_ms: after dt the state moves a fraction 1 - exp(-dt / tau)
//     towards the new observation, so the same clip at 12 or 24 fps
//     converges alike (0 = no smoothing);
//   * the appearance model runs every `interval` frames of the track (and at
//     once on a new track); frames in between reuse the smoothed result;
//   * the latest feature probabilities are kept until the next features
//     (features with fewer rows than the feature model wants are skipped,
//     with one warning, see TakeWarnings());
//   * both are fused as (1 - feature_weight) * appearance + feature_weight *
//     features, over the union of the models' labels merged by name
//     (fer/emotion_labels.h): a class a model lacks has probability 0 there;
//   * the label is the most probable class, or "unknown" when its
//     probability is below min_confidence.
//   Faces without landmarks get no emotion, never a stale one; the state of a
//   track that is absent from a frame is dropped.
//
// The appearance model may be "ensemble": every built-in model, each on its
// own crop, their probabilities averaged over the merged labels (the
// default: docs/evaluation.md measures it against each model alone).
//
// Time comes from FrameFaces::pts, or frame index x frame_duration_ns when
// the stream has no timestamps.
//
// THREAD SAFETY
//   One instance per stream, used from one thread at a time.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "fer/emotion_model.h"
#include "fer/face.h"
#include "fer/image.h"
#include "fer/landmark_space.h"

namespace fer {

// The appearance model made of every built-in model, averaged.
inline constexpr const char* kEnsembleModel = "ensemble";

struct EmotionClassifierOptions {
  std::string model = kEnsembleModel;          // built-in name, "ensemble" or .onnx path; "" = none
  std::string feature_model;                   // .onnx path; "" = none
  std::string model_dir;                       // searched first for built-in models
  InferenceEngine engine = InferenceEngine::kAuto;  // of every model
  double smoothing_ms = 500.0;
  int interval = 1;
  float feature_weight = 0.5f;
  float min_confidence = 0.3f;
  // Margin of the appearance model's face crop (fer/emotion_input.h);
  // unset = the model's own (its sidecar's crop_margin).
  std::optional<float> crop_margin;
  std::int64_t frame_duration_ns = 40'000'000;  // used when frames have no pts
};

class EmotionClassifier {
 public:
  // Throws fer::Error (fer::ModelNotFound for a missing built-in model) on
  // bad options or models.
  static std::unique_ptr<EmotionClassifier> Create(const EmotionClassifierOptions& options);

  // Sets Face::emotion of every face in `frame` (image: the same frame).
  void Classify(const ImageView& image, FrameFaces& frame);

  // The names `model` accepts besides paths: "ensemble", then the
  // built-in models.
  static std::vector<std::string> appearance_model_names();

  // The merged label set: the appearance model's labels, then the feature
  // model's that are new.
  const std::vector<std::string>& labels() const { return labels_; }

  // The landmark space the feature model was trained on (Image without one).
  LandmarkSpace feature_space() const;

  // Frame duration used for frames without pts (from the stream's rate).
  void SetFrameDuration(std::int64_t ns) {
    if (ns > 0) options_.frame_duration_ns = ns;
  }

  // Forgets every track (after a seek or flush).
  void Reset() { tracks_.clear(); }

  // Problems that do not stop classification (e.g. features with fewer rows
  // than the feature model wants: each said once), oldest first; cleared.
  std::vector<std::string> TakeWarnings() { return std::move(warnings_); }

 private:
  struct Track {
    std::vector<float> appearance;  // smoothed, over labels_
    std::vector<float> features;    // latest feature-model result, over labels_
    std::int64_t appearance_time = 0;
    std::int64_t appearance_frame = 0;
  };

  explicit EmotionClassifier(const EmotionClassifierOptions& options) : options_(options) {}
  std::vector<float> ToLabelSet(const std::vector<float>& probs, const EmotionModel& model) const;
  void AddLabels(const EmotionModel& model);
  void RunAppearance(const ImageView& image, const FrameFaces& frame, std::int64_t time);
  void RunFeatures(const FrameFaces& frame);
  Emotion Decide(const Track& track) const;

  EmotionClassifierOptions options_;
  std::vector<std::unique_ptr<EmotionModel>> appearance_models_;  // averaged when several
  std::unique_ptr<EmotionModel> feature_model_;
  std::vector<std::string> labels_;
  std::map<int, Track> tracks_;
  std::vector<std::string> warnings_;
  bool feature_mismatch_reported_ = false;
};

}  // namespace fer
