// SPDX-License-Identifier: LGPL-2.1-or-later
// fer::EmotionClassifier: smoothing in time (frame-rate independent),
// interval reuse, the unknown floor, faces classified independently, label
// sets merged by name, fusion with a feature model, no stale labels.
//
// Most tests use the channel-means probe as the "emotion" model: a uniform
// colour (r, g, b) / 255 is read as the probabilities of (happy, sad,
// neutral), so each observation is known exactly.
#include <unistd.h>

#include <cmath>
#include <memory>
#include <string>

#include <gtest/gtest.h>
#include <opencv2/imgcodecs.hpp>

#include "fer/emotion_classifier.h"
#include "fer/error.h"
#include "fer/face_analytics.h"
#include "test_emotion_models.h"
#include "test_images.h"

namespace {

using fer::test::bgr_view;
using fer::test::channel_means_sidecar;
using fer::test::ferplus_feature_sidecar;
using fer::test::model_with_sidecar;
using fer::test::ring_landmarks;
using nlohmann::json;

constexpr float kTau = 400.0f;  // ms

fer::EmotionClassifierOptions probe_options(double smoothing_ms = kTau) {
  fer::EmotionClassifierOptions o;
  o.model = model_with_sidecar("channel_means_nchw.onnx", channel_means_sidecar());
  o.smoothing_ms = smoothing_ms;
  o.min_confidence = 0.0f;
  return o;
}

// A 320x240 BGR frame of one RGB colour.
cv::Mat frame_of(int r, int g, int b) { return cv::Mat(240, 320, CV_8UC3, cv::Scalar(b, g, r)); }

fer::Face face_at(int id, cv::Point2f center) {
  fer::Face face;
  face.id = id;
  face.landmarks = ring_landmarks(center, 40);
  face.bbox = {center.x - 40, center.y - 40, 80, 80};
  return face;
}

fer::FrameFaces frame_faces(std::int64_t index, double fps, std::vector<fer::Face> faces) {
  fer::FrameFaces f;
  f.frame = index;
  f.pts = static_cast<std::int64_t>(std::llround(index * 1e9 / fps));
  f.width = 320;
  f.height = 240;
  f.faces = std::move(faces);
  return f;
}

float probability(const fer::Face& face, const std::string& label) {
  for (const auto& p : face.emotion->probabilities)
    if (p.label == label) return p.probability;
  ADD_FAILURE() << "no class " << label;
  return -1;
}

// The smoothed "neutral" probability at each frame: red (happy) for one
// second, then blue (neutral) for two.
std::vector<float> neutral_track(double fps) {
  auto classifier = fer::EmotionClassifier::Create(probe_options());
  const cv::Mat red = frame_of(255, 0, 0), blue = frame_of(0, 0, 255);
  std::vector<float> out;
  for (int i = 0; i < int(3 * fps); ++i) {
    fer::FrameFaces f = frame_faces(i, fps, {face_at(1, {160, 120})});
    classifier->Classify(bgr_view(i < fps ? red : blue), f);
    out.push_back(probability(f.faces[0], "neutral"));
  }
  return out;
}

// An observation stands for the frame interval that ends with it, so the
// first blue frame at 1 s moves the state by 1 - exp(-dt / tau): the state at
// t after the switch is 1 - exp(-(t + dt) / tau) at any frame rate, and 12
// and 24 fps differ by at most the weight of half a 12-fps frame interval.
TEST(EmotionClassifier, SmoothingFollowsTheTimeConstantAtAnyFrameRate) {
  const std::vector<float> at24 = neutral_track(24), at12 = neutral_track(12);
  EXPECT_NEAR(at24[23], 0.0f, 1e-6);  // still red
  EXPECT_NEAR(at12[11], 0.0f, 1e-6);
  const double half_interval_weight = 1 - std::exp(-500.0 / 12 / kTau);
  for (int k = 0; k < 24; ++k) {
    const double t_ms = k * 1000.0 / 12;  // since the switch at 1 s
    EXPECT_NEAR(at12[12 + k], 1 - std::exp(-(t_ms + 1000.0 / 12) / kTau), 1e-5) << "12 fps, " << t_ms << " ms";
    EXPECT_NEAR(at24[24 + 2 * k], 1 - std::exp(-(t_ms + 1000.0 / 24) / kTau), 1e-5) << "24 fps, " << t_ms << " ms";
    EXPECT_LE(std::abs(at24[24 + 2 * k] - at12[12 + k]), half_interval_weight) << t_ms << " ms";
  }
  EXPECT_GT(at24.back(), 0.99f);
  EXPECT_GT(at12.back(), 0.99f);
}

TEST(EmotionClassifier, NoSmoothingFollowsEachObservation) {
  auto classifier = fer::EmotionClassifier::Create(probe_options(0));
  for (int i = 0; i < 4; ++i) {
    fer::FrameFaces f = frame_faces(i, 25, {face_at(1, {160, 120})});
    classifier->Classify(bgr_view(i % 2 ? frame_of(0, 0, 255) : frame_of(255, 0, 0)), f);
    EXPECT_EQ(f.faces[0].emotion->label, i % 2 ? "neutral" : "happy");
    EXPECT_NEAR(f.faces[0].emotion->confidence, 1.0f, 1e-6);
  }
}

TEST(EmotionClassifier, IntervalReusesTheResultBetweenRuns) {
  fer::EmotionClassifierOptions o = probe_options(0);
  o.interval = 3;
  auto classifier = fer::EmotionClassifier::Create(o);
  // The colour changes every frame; the model only sees frames 0, 3, 6.
  const int reds[] = {250, 10, 20, 120, 30, 40, 200};
  for (int i = 0; i < 7; ++i) {
    fer::FrameFaces f = frame_faces(i, 25, {face_at(1, {160, 120})});
    classifier->Classify(bgr_view(frame_of(reds[i], 0, 0)), f);
    EXPECT_NEAR(probability(f.faces[0], "happy"), reds[i / 3 * 3] / 255.0f, 1e-6) << "frame " << i;
  }
}

TEST(EmotionClassifier, BelowMinConfidenceTheLabelIsUnknown) {
  fer::EmotionClassifierOptions o = probe_options(0);
  o.min_confidence = 0.6f;
  auto classifier = fer::EmotionClassifier::Create(o);
  fer::FrameFaces f = frame_faces(0, 25, {face_at(1, {160, 120})});
  classifier->Classify(bgr_view(frame_of(128, 77, 51)), f);  // 0.50, 0.30, 0.20
  EXPECT_EQ(f.faces[0].emotion->label, "unknown");
  EXPECT_NEAR(f.faces[0].emotion->confidence, 128 / 255.0f, 1e-6);
  f = frame_faces(1, 25, {face_at(1, {160, 120})});
  classifier->Classify(bgr_view(frame_of(179, 51, 26)), f);  // 0.70
  EXPECT_EQ(f.faces[0].emotion->label, "happy");
}

TEST(EmotionClassifier, FacesInOneFrameAreClassifiedIndependently) {
  auto classifier = fer::EmotionClassifier::Create(probe_options());
  cv::Mat frame = frame_of(255, 0, 0);
  frame.colRange(160, 320).setTo(cv::Scalar(255, 0, 0));  // right half blue (BGR)
  for (int i = 0; i < 3; ++i) {
    fer::FrameFaces f = frame_faces(i, 25, {face_at(1, {80, 120}), face_at(2, {240, 120})});
    classifier->Classify(bgr_view(frame), f);
    EXPECT_EQ(f.faces[0].emotion->label, "happy");
    EXPECT_EQ(f.faces[1].emotion->label, "neutral");
    EXPECT_NEAR(f.faces[0].emotion->confidence, 1.0f, 1e-6);
    EXPECT_NEAR(f.faces[1].emotion->confidence, 1.0f, 1e-6);
  }
}

TEST(EmotionClassifier, NoLabelWithoutLandmarksAndNoStaleStateAfterATrackEnds) {
  auto classifier = fer::EmotionClassifier::Create(probe_options());
  fer::FrameFaces f = frame_faces(0, 25, {face_at(1, {160, 120})});
  classifier->Classify(bgr_view(frame_of(255, 0, 0)), f);
  ASSERT_TRUE(f.faces[0].emotion);

  fer::Face lost = face_at(1, {160, 120});
  lost.landmarks.clear();
  lost.emotion = fer::Emotion{"happy", 1.0f, {}};  // a stale value from upstream
  f = frame_faces(1, 25, {lost});
  classifier->Classify(bgr_view(frame_of(255, 0, 0)), f);
  EXPECT_FALSE(f.faces[0].emotion);

  // Track 1 had no landmarks in frame 1, so its smoothing state is gone:
  // blue is taken at once.
  f = frame_faces(2, 25, {face_at(1, {160, 120})});
  classifier->Classify(bgr_view(frame_of(0, 0, 255)), f);
  EXPECT_NEAR(probability(f.faces[0], "neutral"), 1.0f, 1e-6);
}

// The crop turns with the face: with the eye line pointing down the frame
// (the face rolled 90 degrees one way or the other), the crop's left half
// (towards eye 33) comes from the top or the bottom half of the frame.
TEST(EmotionClassifier, CropIsAlignedWithTheEyes) {
  fer::EmotionClassifierOptions o = probe_options(0);
  o.model = model_with_sidecar("left_half_means.onnx", channel_means_sidecar());
  auto classifier = fer::EmotionClassifier::Create(o);
  cv::Mat frame = frame_of(255, 0, 0);                       // top half red
  frame.rowRange(120, 240).setTo(cv::Scalar(255, 0, 0));     // bottom half blue (BGR)
  for (int sign : {+1, -1}) {
    fer::Face face = face_at(1, {160, 120});
    face.landmarks[33] = {160, 120 - sign * 20.0f, 0};
    face.landmarks[263] = {160, 120 + sign * 20.0f, 0};
    fer::FrameFaces f = frame_faces(sign > 0 ? 0 : 1, 25, {face});
    classifier->Classify(bgr_view(frame), f);
    EXPECT_EQ(f.faces[0].emotion->label, sign > 0 ? "happy" : "neutral") << "eye 33 " << (sign > 0 ? "above" : "below");
    EXPECT_NEAR(f.faces[0].emotion->confidence, 1.0f, 0.02f);
  }
}

// crop_margin widens the square: a red square exactly covered by the
// landmarks fills a margin-0 crop, and a quarter of a margin-1 crop.
TEST(EmotionClassifier, CropMarginWidensTheSquare) {
  cv::Mat frame = frame_of(0, 0, 255);
  frame(cv::Rect(120, 80, 80, 80)).setTo(cv::Scalar(0, 0, 255));  // red (BGR), 80 px
  for (double margin : {0.0, 1.0}) {
    fer::EmotionClassifierOptions o = probe_options(0);
    json sidecar = channel_means_sidecar();
    sidecar["crop_margin"] = margin;
    o.model = model_with_sidecar("channel_means_nchw.onnx", sidecar);
    auto classifier = fer::EmotionClassifier::Create(o);
    fer::FrameFaces f = frame_faces(0, 25, {face_at(1, {160, 120})});  // ring of radius 40
    classifier->Classify(bgr_view(frame), f);
    EXPECT_NEAR(probability(f.faces[0], "happy"), margin == 0 ? 1.0f : 0.25f, 0.03f) << "margin " << margin;
  }
}

std::shared_ptr<fer::FaceFeatures> some_features() {
  auto f = std::make_shared<fer::FaceFeatures>();
  f->rows = 10;
  f->landmarks.assign(10 * 478 * 3, 0.5f);
  f->blendshapes.assign(10 * 52, 0.1f);
  return f;
}

TEST(EmotionClassifier, SevenAndEightClassModelsFuseByName) {
  fer::EmotionClassifierOptions o;
  o.model = "minixception-fer2013";  // 7 classes, no contempt
  o.feature_model = model_with_sidecar("feature_constant.onnx", ferplus_feature_sidecar());
  o.feature_weight = 0.25f;
  o.smoothing_ms = 0;
  o.min_confidence = 0;
  auto classifier = fer::EmotionClassifier::Create(o);
  const std::vector<std::string> expected = {"angry", "disgust", "fear", "happy", "sad", "surprise",
                                             "neutral", "contempt"};
  EXPECT_EQ(classifier->labels(), expected);

  // Appearance alone first, then fused once the face carries features.
  const cv::Mat image = cv::imread(fer::test::media_path("franck_04117.jpg"));
  ASSERT_FALSE(image.empty());
  fer::Face face = face_at(1, {360, 300});
  face.landmarks = ring_landmarks({370, 290}, 130);
  fer::FrameFaces f = frame_faces(0, 25, {face});
  classifier->Classify(bgr_view(image), f);
  ASSERT_TRUE(f.faces[0].emotion);
  const fer::Emotion appearance = *f.faces[0].emotion;
  EXPECT_EQ(probability(f.faces[0], "contempt"), 0.0f);

  face.features = some_features();
  f = frame_faces(1, 25, {face});
  classifier->Classify(bgr_view(image), f);
  const fer::Emotion& fused = *f.faces[0].emotion;
  ASSERT_EQ(fused.probabilities.size(), 8u);
  double total = 0;
  for (size_t k = 0; k < 8; ++k) {
    const float feature = k == 7 ? 0.65f : 0.05f;  // make_test_models.py FEATURE_CONSTANT
    const float app = k < 7 ? appearance.probabilities[k].probability : 0.0f;
    EXPECT_NEAR(fused.probabilities[k].probability, 0.75f * app + 0.25f * feature, 1e-5) << expected[k];
    total += fused.probabilities[k].probability;
  }
  EXPECT_NEAR(total, 1.0, 1e-5);

  // Features are kept until the next ones: the next frame is still fused.
  face.features.reset();
  f = frame_faces(2, 25, {face});
  classifier->Classify(bgr_view(image), f);
  EXPECT_NEAR(probability(f.faces[0], "contempt"), 0.25f * 0.65f, 1e-6);
}

TEST(EmotionClassifier, FeatureModelAlone) {
  fer::EmotionClassifierOptions o;
  o.model = "";
  o.feature_model = model_with_sidecar("feature_constant.onnx", ferplus_feature_sidecar());
  o.min_confidence = 0.5f;
  auto classifier = fer::EmotionClassifier::Create(o);
  fer::Face face = face_at(3, {160, 120});
  fer::FrameFaces f = frame_faces(0, 25, {face});
  classifier->Classify(bgr_view(frame_of(0, 0, 0)), f);
  EXPECT_FALSE(f.faces[0].emotion) << "no features yet, nothing to say";
  face.features = some_features();
  f = frame_faces(1, 25, {face});
  classifier->Classify(bgr_view(frame_of(0, 0, 0)), f);
  ASSERT_TRUE(f.faces[0].emotion);
  EXPECT_EQ(f.faces[0].emotion->label, "contempt");
  EXPECT_NEAR(f.faces[0].emotion->confidence, 0.65f, 1e-6);
}

TEST(EmotionClassifier, ModelsInTheWrongRoleAreRefused) {
  fer::EmotionClassifierOptions o;
  o.model = model_with_sidecar("feature_constant.onnx", ferplus_feature_sidecar());
  EXPECT_THROW(fer::EmotionClassifier::Create(o), fer::Error);
  o.model = "";
  o.feature_model = "";
  EXPECT_THROW(fer::EmotionClassifier::Create(o), fer::Error);
}

// Two real faces side by side, found by the tracker: each gets the label it
// gets alone. Batched with its neighbour, given the same landmarks, a face
// gets the same probabilities as alone (to 1e-4); with the landmarks the
// tracker finds in each image (they differ by under 1 px on average) the
// probabilities move by up to 0.08, so that comparison allows 0.1.
TEST(EmotionClassifier, TwoRealFacesSideBySide) {
  const cv::Mat smile = cv::imread(fer::test::media_path("franck_04117.jpg"));
  const cv::Mat neutral = cv::imread(fer::test::media_path("franck_01829.jpg"));
  ASSERT_FALSE(smile.empty());
  ASSERT_FALSE(neutral.empty());
  cv::Mat both;
  cv::hconcat(smile, neutral, both);

  fer::EmotionClassifierOptions unsmoothed;  // each result is that frame's alone
  unsmoothed.smoothing_ms = 0;
  fer::FaceAnalyticsOptions options;
  options.tracking.max_faces = 2;
  options.pose_and_blendshapes = false;
  options.emotion = unsmoothed;
  // A few frames of the still, so the tracker settles on its own regions.
  auto analyse = [&](const cv::Mat& image) {
    auto analytics = fer::FaceAnalytics::Create(options);
    fer::FrameFaces f;
    for (int i = 0; i < 3; ++i) f = *analytics->Process(bgr_view(image), i * 40'000'000LL);
    std::sort(f.faces.begin(), f.faces.end(),
              [](const fer::Face& a, const fer::Face& b) { return a.bbox.x < b.bbox.x; });
    return f;
  };
  const fer::FrameFaces pair = analyse(both);
  const fer::FrameFaces alone[] = {analyse(smile), analyse(neutral)};
  ASSERT_EQ(pair.faces.size(), 2u);
  ASSERT_EQ(alone[0].faces.size(), 1u);
  ASSERT_EQ(alone[1].faces.size(), 1u);
  EXPECT_EQ(pair.faces[0].emotion->label, "happy");
  EXPECT_EQ(pair.faces[1].emotion->label, "neutral");

  // The faces found alone, moved into the side-by-side frame, in one batch.
  fer::FrameFaces batched = frame_faces(0, 25, {alone[0].faces[0], alone[1].faces[0]});
  batched.faces[1].id = 2;
  for (auto& p : batched.faces[1].landmarks) p.x += float(smile.cols);
  auto classifier = fer::EmotionClassifier::Create(unsmoothed);
  classifier->Classify(bgr_view(both), batched);

  for (int i = 0; i < 2; ++i) {
    const fer::Emotion& by_itself = *alone[i].faces[0].emotion;
    EXPECT_EQ(pair.faces[i].emotion->label, by_itself.label);
    for (size_t k = 0; k < by_itself.probabilities.size(); ++k) {
      const std::string& label = by_itself.probabilities[k].label;
      // Not exact: adding the image width to the landmarks rounds them (a
      // float's step at x = 600 is 6e-5 px), which moves the crop that much.
      EXPECT_NEAR(batched.faces[i].emotion->probabilities[k].probability,
                  by_itself.probabilities[k].probability, 5e-4) << label;
      EXPECT_NEAR(pair.faces[i].emotion->probabilities[k].probability,
                  by_itself.probabilities[k].probability, 0.1) << label;
    }
  }
}

}  // namespace
