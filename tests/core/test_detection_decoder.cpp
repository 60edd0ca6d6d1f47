// SPDX-License-Identifier: LGPL-2.1-or-later
#include <cmath>
#include <vector>

#include <gtest/gtest.h>

#include "face/detection_decoder.h"

namespace {

float logit(float p) { return std::log(p / (1 - p)); }

}  // namespace

TEST(DetectionDecoder, DecodesBoxAndKeypointsAgainstAnchor) {
  const std::vector<cv::Point2f> anchors = {{0.25f, 0.5f}, {0.75f, 0.5f}};
  std::vector<float> regressors(2 * 16, 0.0f), scores = {logit(0.9f), logit(0.2f)};
  // Anchor 0: centre moved by (+12.8, -6.4) input px, box 32x64 px of 128.
  float* r = regressors.data();
  r[0] = 12.8f;
  r[1] = -6.4f;
  r[2] = 32.0f;
  r[3] = 64.0f;
  for (int k = 0; k < 6; ++k) {
    r[4 + 2 * k] = 1.28f * k;
    r[5 + 2 * k] = -1.28f * k;
  }
  const auto found = fer::decode_detections(regressors.data(), scores.data(), anchors, {128, 128}, 0.5f);
  ASSERT_EQ(found.size(), 1u);  // anchor 1 scores 0.2 < 0.5
  const fer::Detection& d = found[0];
  EXPECT_NEAR(d.score, 0.9f, 1e-6);
  EXPECT_NEAR(d.box.x + d.box.width / 2, 0.35f, 1e-6);
  EXPECT_NEAR(d.box.y + d.box.height / 2, 0.45f, 1e-6);
  EXPECT_NEAR(d.box.width, 0.25f, 1e-6);
  EXPECT_NEAR(d.box.height, 0.5f, 1e-6);
  EXPECT_NEAR(d.keypoints[5].x, 0.25f + 0.05f, 1e-6);
  EXPECT_NEAR(d.keypoints[5].y, 0.5f - 0.05f, 1e-6);
}

TEST(DetectionDecoder, ClampsExtremeLogits) {
  const std::vector<cv::Point2f> anchors = {{0.5f, 0.5f}, {0.5f, 0.5f}};
  std::vector<float> regressors(32, 0.0f), scores = {1e9f, -1e9f};
  const auto found = fer::decode_detections(regressors.data(), scores.data(), anchors, {128, 128}, 0.0f);
  ASSERT_EQ(found.size(), 2u);
  EXPECT_TRUE(std::isfinite(found[0].score));
  EXPECT_NEAR(found[0].score, 1.0f, 1e-6);
  EXPECT_NEAR(found[1].score, 0.0f, 1e-6);
}

TEST(WeightedNms, BlendsOverlappingByScoreKeepsSeparate) {
  fer::Detection a, b, c;
  a.box = {0.10f, 0.10f, 0.20f, 0.20f};
  a.score = 0.9f;
  b.box = {0.12f, 0.10f, 0.20f, 0.20f};  // IoU with a ~0.82
  b.score = 0.6f;
  c.box = {0.60f, 0.60f, 0.20f, 0.20f};  // apart
  c.score = 0.7f;
  a.keypoints[0] = {0.1f, 0.1f};
  b.keypoints[0] = {0.2f, 0.1f};
  const auto out = fer::weighted_nms({b, c, a}, 0.3f);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_FLOAT_EQ(out[0].score, 0.9f);  // best first, keeps its score
  const float w = 0.9f + 0.6f;
  EXPECT_NEAR(out[0].box.x, (0.10f * 0.9f + 0.12f * 0.6f) / w, 1e-6);
  EXPECT_NEAR(out[0].box.width, 0.20f, 1e-6);
  EXPECT_NEAR(out[0].keypoints[0].x, (0.1f * 0.9f + 0.2f * 0.6f) / w, 1e-6);
  EXPECT_FLOAT_EQ(out[1].score, 0.7f);
  EXPECT_NEAR(out[1].box.x, 0.60f, 1e-6);
}

TEST(WeightedNms, EmptyInput) { EXPECT_TRUE(fer::weighted_nms({}, 0.3f).empty()); }

TEST(IntersectionOverUnion, KnownValues) {
  EXPECT_NEAR(fer::intersection_over_union({0, 0, 2, 2}, {1, 0, 2, 2}), 2.0f / 6.0f, 1e-6);
  EXPECT_EQ(fer::intersection_over_union({0, 0, 1, 1}, {2, 2, 1, 1}), 0.0f);
  EXPECT_EQ(fer::intersection_over_union({0, 0, 0, 0}, {0, 0, 0, 0}), 0.0f);
}
