// SPDX-License-Identifier: LGPL-2.1-or-later
// Evaluator — runs the elements' analytics over the items of an EvalSet and
// says what each item and each labelled frame was predicted as.
//
// WHAT THIS DOES
//   Each worker owns the chain `facelandmarks ! [waveletencode !]
//   emotionclassify` runs, built from the same core classes with the same
//   defaults: fer::FaceTracker and fer::FaceAnalyzer (facelandmarks'
//   defaults), fer::TrackFeatureEncoder when a feature model is set
//   (waveletencode's defaults; frames are held back one frame as that
//   element holds them, so a track's last frame gets its final encoding) and
//   fer::EmotionClassifier with the given options. Frames come from
//   fer_tools::decode_video, stills from cv::imread (BGR).
//   * A video (clip, or all the ranges of one video) is one stream: the
//     tracker and the smoothing run over every frame from the first, as in a
//     pipeline reading the file; decoding stops after the last labelled
//     frame.
//   * A still is a stream of one frame (fresh tracker and smoothing).
//   In each frame the face that counts is fer_tools::primary_face (the one
//   nearest the centre). A frame's prediction is its emotion label
//   (`unknown` below the floor, or when the face has no emotion yet: a
//   feature model alone before the track's first features), or
//   `not_detected` without a face. An item's
//   prediction is the argmax of the mean of its frames' probabilities over
//   the frames with a face (for a still: its frame's), `unknown` when that
//   mean is below min_confidence, `not_detected` when no frame had a face.
//
//   An item that cannot be read (missing or undecodable file, a range past
//   the video's end) is predicted `not_detected`, with `error` saying why;
//   its labelled frames that were not reached count as `not_detected` too.
//
// THREAD SAFETY
//   run() from one thread; it starts options.jobs workers of its own.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "eval_set.h"
#include "fer/emotion_classifier.h"
#include "label_map.h"

namespace fer_eval {

struct EvalOptions {
  fer::EmotionClassifierOptions emotion;  // model, feature model, model_dir, smoothing, floor, margin
  int jobs = 1;
  const std::atomic<bool>* cancel = nullptr;  // set to stop; run() then returns early
};

struct Prediction {
  int predicted = -1;         // class index (LabelMap::classes())
  float confidence = 0.0f;
  std::vector<float> probs;   // over the model's labels; empty when not detected
};

struct FramePrediction : Prediction {
  std::int64_t frame = 0;
};

struct ItemResult {
  int truth = -1;                     // class index
  Prediction item;
  std::vector<FramePrediction> frame_predictions;  // every labelled frame of a clip or range; none for stills
  std::string error;                  // why the item could not be read, "" if it could
};

// Progress, polled about four times a second by run()'s thread: units are
// videos and stills; frames are the labelled frames reached so far.
struct EvalProgress {
  int units_done = 0, units_total = 0;
  std::int64_t frames_decoded = 0;
  double fraction = 0.0;  // of the whole work, by expected frames
};

class Chain;  // the elements' analytics chain of one worker (evaluator.cpp)

class Evaluator {
 public:
  // Loads the models (they serve the first worker of run()); throws
  // fer::Error / ModelNotFound.
  explicit Evaluator(const EvalOptions& options);
  ~Evaluator();

  // The model's labels (canonical names), for LabelMap.
  const std::vector<std::string>& model_labels() const { return model_labels_; }

  // Results in the order of set.items; fewer (none) when cancelled.
  std::vector<ItemResult> run(const EvalSet& set, const LabelMap& labels,
                              const std::function<void(const EvalProgress&)>& progress);

 private:
  EvalOptions options_;
  std::vector<std::string> model_labels_;
  std::unique_ptr<Chain> loaded_;  // the models loaded by the constructor, until run()
};

}  // namespace fer_eval
