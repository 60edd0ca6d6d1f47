// SPDX-License-Identifier: LGPL-2.1-or-later
#include "fer/face_analytics.h"

#include <array>

#include "fer/error.h"
#include "fer/face_analyzer.h"

namespace fer {

// A frame kept until the next one (features need to know which tracks
// ended), with a copy of its pixels: the emotion crops are taken from it.
struct FaceAnalytics::HeldFrame {
  std::array<std::vector<std::uint8_t>, 3> planes;  // reused from frame to frame
  ImageView image;
  FrameFaces faces;
  bool held = false;

  void Assign(const ImageView& from, FrameFaces&& result) {
    held = true;
    image = from;
    for (int p = 0; p < 3; ++p) {
      const std::size_t bytes = static_cast<std::size_t>(plane_rows(from, p)) * from.strides[p];
      if (bytes == 0 || !from.planes[p]) continue;
      planes[p].assign(from.planes[p], from.planes[p] + bytes);
      image.planes[p] = planes[p].data();
    }
    faces = std::move(result);
  }
};

std::unique_ptr<FaceAnalytics> FaceAnalytics::Create(const FaceAnalyticsOptions& options) {
  std::unique_ptr<FaceAnalytics> analytics(new FaceAnalytics());

  FaceTrackerOptions tracking = options.tracking;
  tracking.model_dir = options.model_dir;
  tracking.engine = options.engine;
  analytics->tracker_ = FaceTracker::Create(tracking);
  if (options.pose_and_blendshapes) analytics->analyzer_ = FaceAnalyzer::Create({options.model_dir});

  if (options.emotion) {
    EmotionClassifierOptions emotion = *options.emotion;
    emotion.model_dir = options.model_dir;
    emotion.engine = options.engine;
    analytics->classifier_ = EmotionClassifier::Create(emotion);
  }
  TrackFeatureOptions features = options.features;
  const bool feature_model = analytics->classifier_ && !options.emotion->feature_model.empty();
  if (feature_model) {
    features.space = analytics->classifier_->feature_space();
    if (features.space == LandmarkSpace::Canonical && !options.pose_and_blendshapes)
      throw Error("the feature model " + options.emotion->feature_model +
                  " reads canonical landmarks, which need pose_and_blendshapes");
  }
  if (options.encode_features || feature_model) {
    analytics->encoder_ = TrackFeatureEncoder::Create(features);
    analytics->held_ = std::make_unique<HeldFrame>();
  }
  return analytics;
}

FaceAnalytics::~FaceAnalytics() = default;

std::optional<FrameFaces> FaceAnalytics::Process(const ImageView& image,
                                                 std::optional<std::int64_t> timestamp_ns) {
  FrameFaces frame;
  frame.frame = next_frame_++;
  frame.pts = timestamp_ns;
  frame.width = image.width;
  frame.height = image.height;
  frame.faces = tracker_->Process(image);
  if (analyzer_) analyzer_->Analyze(frame);
  if (!encoder_) return Complete(image, std::move(frame));

  std::optional<FrameFaces> done;
  if (held_->held) {
    encoder_->Finish(held_->faces, &frame);
    done = Complete(held_->image, std::move(held_->faces));
  }
  encoder_->Add(frame);
  held_->Assign(image, std::move(frame));
  return done;
}

std::optional<FrameFaces> FaceAnalytics::Finish() {
  if (!held_ || !held_->held) return std::nullopt;
  held_->held = false;
  encoder_->Finish(held_->faces, nullptr);
  return Complete(held_->image, std::move(held_->faces));
}

FrameFaces FaceAnalytics::Complete(const ImageView& image, FrameFaces frame) {
  if (classifier_) classifier_->Classify(image, frame);
  return frame;
}

void FaceAnalytics::Reset() {
  tracker_->Reset();
  if (encoder_) encoder_->Reset();
  if (classifier_) classifier_->Reset();
  if (held_) held_->held = false;
}

void FaceAnalytics::SetFrameDuration(std::int64_t ns) {
  if (classifier_) classifier_->SetFrameDuration(ns);
}

std::vector<std::string> FaceAnalytics::emotion_labels() const {
  return classifier_ ? classifier_->labels() : std::vector<std::string>{};
}

}  // namespace fer
