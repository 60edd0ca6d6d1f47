// SPDX-License-Identifier: LGPL-2.1-or-later
// fer::FaceAnalytics: the chain of stages in one object gives what the
// stages give one after another, numbers and stamps frames, holds one frame
// when it encodes features, and refuses bad options naming them.
#include <memory>
#include <optional>
#include <string>

#include <gtest/gtest.h>
#include <opencv2/imgcodecs.hpp>

#include "fer/emotion_classifier.h"
#include "fer/error.h"
#include "fer/face_analytics.h"
#include "fer/face_analyzer.h"
#include "fer/face_tracker.h"
#include "test_images.h"
#include "test_paths.h"

namespace {

constexpr std::int64_t kFrameNs = 40'000'000;  // 25 fps

cv::Mat still(const std::string& name) {
  cv::Mat bgr = cv::imread(fer::test::media_path(name), cv::IMREAD_COLOR);
  EXPECT_FALSE(bgr.empty()) << name;
  return bgr;
}

TEST(FaceAnalytics, GivesWhatTheStagesGiveOneAfterAnother) {
  const cv::Mat bgr = still("franck_04117.jpg");
  const fer::ImageView view = fer::test::bgr_view(bgr);

  auto analytics = fer::FaceAnalytics::Create({});
  auto tracker = fer::FaceTracker::Create({});
  auto analyzer = fer::FaceAnalyzer::Create({});
  auto classifier = fer::EmotionClassifier::Create({});
  for (int i = 0; i < 3; ++i) {
    const std::optional<fer::FrameFaces> got = analytics->Process(view, i * kFrameNs);
    ASSERT_TRUE(got) << "no latency without features, frame " << i;

    fer::FrameFaces want;
    want.frame = i;
    want.pts = i * kFrameNs;
    want.width = bgr.cols;
    want.height = bgr.rows;
    want.faces = tracker->Process(view);
    analyzer->Analyze(want);
    classifier->Classify(view, want);

    EXPECT_EQ(got->frame, i);
    EXPECT_EQ(got->pts, want.pts);
    EXPECT_EQ(got->width, bgr.cols);
    EXPECT_EQ(got->height, bgr.rows);
    ASSERT_EQ(got->faces.size(), 1u);
    ASSERT_EQ(want.faces.size(), 1u);
    const fer::Face& a = got->faces[0];
    const fer::Face& b = want.faces[0];
    EXPECT_EQ(a.id, b.id);
    EXPECT_EQ(a.bbox, b.bbox);
    ASSERT_EQ(a.landmarks.size(), b.landmarks.size());
    for (std::size_t k = 0; k < a.landmarks.size(); ++k) EXPECT_EQ(a.landmarks[k], b.landmarks[k]) << k;
    EXPECT_EQ(a.blendshapes, b.blendshapes);
    ASSERT_TRUE(a.pose && b.pose);
    EXPECT_EQ(a.pose->yaw, b.pose->yaw);
    ASSERT_TRUE(a.emotion && b.emotion);
    EXPECT_EQ(a.emotion->label, "happy");
    EXPECT_EQ(a.emotion->label, b.emotion->label);
    EXPECT_EQ(a.emotion->confidence, b.emotion->confidence);
  }
  EXPECT_EQ(analytics->emotion_labels(), classifier->labels());
}

TEST(FaceAnalytics, StagesCanBeLeftOut) {
  const cv::Mat bgr = still("franck_01829.jpg");
  fer::FaceAnalyticsOptions options;
  options.pose_and_blendshapes = false;
  options.emotion = std::nullopt;
  auto analytics = fer::FaceAnalytics::Create(options);
  const std::optional<fer::FrameFaces> got = analytics->Process(fer::test::bgr_view(bgr), std::nullopt);
  ASSERT_TRUE(got);
  EXPECT_FALSE(got->pts);
  ASSERT_EQ(got->faces.size(), 1u);
  EXPECT_EQ(got->faces[0].landmarks.size(), static_cast<std::size_t>(fer::kFaceLandmarks));
  EXPECT_FALSE(got->faces[0].pose);
  EXPECT_TRUE(got->faces[0].blendshapes.empty());
  EXPECT_FALSE(got->faces[0].emotion);
  EXPECT_TRUE(analytics->emotion_labels().empty());
}

// Landmarks and wavelet features, no emotion.
std::unique_ptr<fer::FaceAnalytics> features_only() {
  fer::FaceAnalyticsOptions options;
  options.encode_features = true;
  options.emotion = std::nullopt;
  return fer::FaceAnalytics::Create(options);
}

// With features, each frame comes out one call later, and the end of the
// stream encodes the track's frames not yet covered (12 frames: fewer than
// a window, at least min_frames).
TEST(FaceAnalytics, FeaturesHoldOneFrameAndFinishEncodesTheTrack) {
  const cv::Mat bgr = still("franck_01829.jpg");
  const fer::ImageView view = fer::test::bgr_view(bgr);
  auto analytics = features_only();

  constexpr int kFrames = 12;
  EXPECT_FALSE(analytics->Process(view, 0));
  for (int i = 1; i < kFrames; ++i) {
    const std::optional<fer::FrameFaces> got = analytics->Process(view, i * kFrameNs);
    ASSERT_TRUE(got);
    EXPECT_EQ(got->frame, i - 1);
    ASSERT_EQ(got->faces.size(), 1u);
    EXPECT_FALSE(got->faces[0].features) << "frame " << got->frame;
  }
  const std::optional<fer::FrameFaces> last = analytics->Finish();
  ASSERT_TRUE(last);
  EXPECT_EQ(last->frame, kFrames - 1);
  ASSERT_EQ(last->faces.size(), 1u);
  ASSERT_TRUE(last->faces[0].features);
  EXPECT_EQ(last->faces[0].features->samples, kFrames);
  EXPECT_EQ(last->faces[0].features->start_frame, 0);
  EXPECT_EQ(last->faces[0].features->end_frame, kFrames - 1);
  EXPECT_FALSE(analytics->Finish()) << "nothing is held twice";
}

// Reset: tracks and the held frame go; ids and frame numbers keep counting.
TEST(FaceAnalytics, ResetForgetsTracksButKeepsCounting) {
  const cv::Mat bgr = still("franck_01829.jpg");
  const fer::ImageView view = fer::test::bgr_view(bgr);
  auto analytics = features_only();

  EXPECT_FALSE(analytics->Process(view, 0));
  const std::optional<fer::FrameFaces> first = analytics->Process(view, kFrameNs);
  ASSERT_TRUE(first);
  ASSERT_EQ(first->faces.size(), 1u);
  analytics->Reset();
  EXPECT_FALSE(analytics->Finish()) << "the held frame is dropped";
  EXPECT_EQ(analytics->next_frame(), 2);
  EXPECT_FALSE(analytics->Process(view, 2 * kFrameNs));
  const std::optional<fer::FrameFaces> after = analytics->Process(view, 3 * kFrameNs);
  ASSERT_TRUE(after);
  EXPECT_EQ(after->frame, 2);
  ASSERT_EQ(after->faces.size(), 1u);
  EXPECT_GT(after->faces[0].id, first->faces[0].id) << "a new track, never an old id";
}

// Create() with `options` throws a fer::Error whose message contains `named`.
void expect_refused(const fer::FaceAnalyticsOptions& options, const std::string& named) {
  try {
    fer::FaceAnalytics::Create(options);
    ADD_FAILURE() << "created; expected an error naming " << named;
  } catch (const fer::Error& e) {
    EXPECT_NE(std::string(e.what()).find(named), std::string::npos) << e.what();
  }
}

TEST(FaceAnalytics, BadOptionsAreRefusedNamingThem_n) {
  fer::FaceAnalyticsOptions unknown_model;
  unknown_model.emotion->model = "no-such-model";
  expect_refused(unknown_model, "no-such-model");

  fer::FaceAnalyticsOptions missing_dir;
  missing_dir.model_dir = "/nonexistent/models";
  expect_refused(missing_dir, "/nonexistent/models");

  fer::FaceAnalyticsOptions zero_faces;
  zero_faces.tracking.max_faces = 0;
  expect_refused(zero_faces, "max_faces");

  fer::FaceAnalyticsOptions bad_window;
  bad_window.encode_features = true;
  bad_window.features.window = 0;
  expect_refused(bad_window, "window");
}

}  // namespace
