// SPDX-License-Identifier: LGPL-2.1-or-later
// End-to-end fidelity: our 478 landmarks on real stills against Google's own
// MediaPipe face_mesh pipeline (JS solution in headless Chromium, refined
// landmarks, still-image mode). References: tests/data/reference/
// mediapipe_face_mesh/*.json, made by tests/reference/ (see its README).
#include <cmath>
#include <fstream>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "fer/face_tracker.h"
#include "fer/model_registry.h"
#include "test_images.h"
#include "test_paths.h"

namespace {

struct Still {
  const char* reference;  // file name under mediapipe_face_mesh/
  std::string image;
};

std::vector<Still> stills() {
  return {{"astronaut.json", fer::test::astronaut_path()},
          {"grace_hopper.json", fer::test::grace_hopper_path()},
          {"franck_01829.json", fer::test::media_path("franck_01829.jpg")},
          {"franck_03909.json", fer::test::media_path("franck_03909.jpg")},
          {"franck_04117.json", fer::test::media_path("franck_04117.jpg")}};
}

class LandmarkFidelity : public ::testing::TestWithParam<Still> {};

constexpr int kRightIrisCenter = 468;  // subject's right iris, image left
constexpr int kLeftIrisCenter = 473;

TEST_P(LandmarkFidelity, MeanErrorWithinOnePercentOfInterocular) {
  const Still& still = GetParam();
  std::ifstream in(fer::test::data_path(std::string("reference/mediapipe_face_mesh/") +
                                        still.reference));
  ASSERT_TRUE(in) << still.reference;
  const nlohmann::json ref = nlohmann::json::parse(in);

  const cv::Mat bgr = cv::imread(still.image, cv::IMREAD_COLOR);
  ASSERT_FALSE(bgr.empty()) << "cannot read " << still.image;
  ASSERT_EQ(bgr.cols, ref["image"]["width"].get<int>());
  ASSERT_EQ(bgr.rows, ref["image"]["height"].get<int>());
  // The reference saw exactly these pixels (RGB order, packed rows).
  cv::Mat rgb;
  cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
  ASSERT_EQ(fer::sha256_hex(rgb.data, rgb.total() * rgb.elemSize()),
            ref["image"]["rgb_sha256"].get<std::string>());

  fer::FaceTrackerOptions options;
  options.max_faces = 1;
  auto tracker = fer::FaceTracker::Create(options);
  const fer::ImageView view = fer::test::bgr_view(bgr);
  const std::vector<fer::Face> faces = tracker->Process(view);
  ASSERT_EQ(faces.size(), 1u);

  const auto& expected = ref["faces"][0]["landmarks"];
  ASSERT_EQ(expected.size(), 478u);
  const auto& ours = faces[0].landmarks;
  ASSERT_EQ(ours.size(), 478u);
  auto point = [&](int i) {
    return cv::Point2f(expected[i][0].get<float>(), expected[i][1].get<float>());
  };
  const float interocular = static_cast<float>(cv::norm(point(kRightIrisCenter) - point(kLeftIrisCenter)));
  double sum = 0, worst = 0;
  for (int i = 0; i < 478; ++i) {
    const double e = cv::norm(cv::Point2f(ours[i].x, ours[i].y) - point(i));
    sum += e;
    worst = std::max(worst, e);
  }
  const double mean = sum / 478;
  RecordProperty("mean_error_px", std::to_string(mean));
  RecordProperty("interocular_px", std::to_string(interocular));
  std::printf("%s: mean %.3f px, max %.3f px, inter-ocular %.1f px (%.3f %%)\n", still.reference,
              mean, worst, interocular, 100.0 * mean / interocular);
  EXPECT_LE(mean, 0.01 * interocular);
}

INSTANTIATE_TEST_SUITE_P(Stills, LandmarkFidelity, ::testing::ValuesIn(stills()),
                         [](const auto& info) {
                           std::string name = info.param.reference;
                           name = name.substr(0, name.find('.'));
                           return name;
                         });

}  // namespace
