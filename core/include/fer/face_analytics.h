// SPDX-License-Identifier: LGPL-2.1-or-later
// fer::FaceAnalytics — the whole analysis of a video stream in one object:
// faces tracked with stable ids, 478 landmarks, head pose, blendshapes,
// wavelet features and emotion per face.
//
// WHAT THIS DOES
//   The chain the elements run (facelandmarks ! waveletencode !
//   emotionclassify), in the shape of MediaPipe's Tasks API:
//
//     fer::FaceAnalyticsOptions options;          // documented defaults
//     auto analytics = fer::FaceAnalytics::Create(options);
//     for each frame:
//       if (auto faces = analytics->Process(image, pts_ns)) use(*faces);
//     if (auto faces = analytics->Finish()) use(*faces);
//
//   Stages, in order: FaceTracker (fer/face_tracker.h), FaceAnalyzer (pose,
//   canonical landmarks, blendshapes: fer/face_analyzer.h),
//   TrackFeatureEncoder (fer/track_features.h), EmotionClassifier
//   (fer/emotion_classifier.h). Each is also usable alone; the elements run
//   one stage each.
//
// OPTIONS (defaults in brackets)
//   model_dir             [""]    the only place models are looked for when
//                                 set (fer/model_registry.h)
//   engine                [kAuto] of every network (fer/inference_net.h)
//   tracking              [FaceTrackerOptions{}] max faces, detector,
//                                 confidences, detector interval
//   pose_and_blendshapes  [true]
//   encode_features       [false] wavelet features per track; always on
//                                 with a feature model, in its landmark space
//   features              [TrackFeatureOptions{}]
//   emotion               [EmotionClassifierOptions{}: the ensemble];
//                                 std::nullopt = no emotion
//   The model_dir and engine fields of the nested options are ignored:
//   model_dir and engine above apply to every stage.
//
// LATENCY
//   Without feature encoding every frame's analysis is complete when
//   Process() returns it. With it, Process() returns the previous frame
//   (nothing for the first): a track's last features are encoded once the
//   next frame shows that the track has ended, as waveletencode does.
//   Finish() returns the frame still held at the end of the stream.
//
// ENSURES
//   Create() throws fer::Error (fer::ModelNotFound for a missing model)
//   naming the problem: invalid options, a model that cannot be loaded, a
//   feature model whose landmark space needs the pose when
//   pose_and_blendshapes is off.
//   Frames are numbered from 0 in the order given to Process(), across
//   Reset(); FrameFaces::pts is the timestamp given.
//
// THREAD SAFETY
//   One instance per stream, used from one thread at a time; instances are
//   independent (each loads its own networks).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "fer/emotion_classifier.h"
#include "fer/face.h"
#include "fer/face_tracker.h"
#include "fer/image.h"
#include "fer/inference_net.h"
#include "fer/track_features.h"

namespace fer {

class FaceAnalyzer;

struct FaceAnalyticsOptions {
  std::string model_dir;
  InferenceEngine engine = InferenceEngine::kAuto;
  FaceTrackerOptions tracking;
  bool pose_and_blendshapes = true;
  bool encode_features = false;
  TrackFeatureOptions features;
  std::optional<EmotionClassifierOptions> emotion = EmotionClassifierOptions{};
};

class FaceAnalytics {
 public:
  static std::unique_ptr<FaceAnalytics> Create(const FaceAnalyticsOptions& options);
  ~FaceAnalytics();

  // Analyses one frame (timestamp in nanoseconds, when the stream has them)
  // and returns the frame whose analysis is complete (see LATENCY).
  std::optional<FrameFaces> Process(const ImageView& image, std::optional<std::int64_t> timestamp_ns);

  // The stream ends: returns the frame still held, if any.
  std::optional<FrameFaces> Finish();

  // A discontinuity (seek, flush, a new frame size, an unrelated clip):
  // tracks and their history are forgotten, a held frame is dropped; ids
  // and frame numbers keep counting.
  void Reset();

  // Frame duration for the emotion's smoothing when frames have no
  // timestamps (from the stream's rate).
  void SetFrameDuration(std::int64_t ns);

  // The number the next frame given to Process() gets.
  std::int64_t next_frame() const { return next_frame_; }

  // The emotion labels the results carry (empty without emotion).
  std::vector<std::string> emotion_labels() const;

 private:
  struct HeldFrame;

  FaceAnalytics() = default;
  FrameFaces Complete(const ImageView& image, FrameFaces frame);

  std::unique_ptr<FaceTracker> tracker_;
  std::unique_ptr<FaceAnalyzer> analyzer_;
  std::unique_ptr<TrackFeatureEncoder> encoder_;
  std::unique_ptr<EmotionClassifier> classifier_;
  std::unique_ptr<HeldFrame> held_;
  std::int64_t next_frame_ = 0;
};

}  // namespace fer
