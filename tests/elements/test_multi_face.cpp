// SPDX-License-Identifier: LGPL-2.1-or-later
// Faces MediaPipe finds, found: on multi-face stills, every face Google's
// own MediaPipe face_mesh finds with its default settings (maxNumFaces 8,
// refined landmarks; JS solution in headless Chromium) is found by
// `facelandmarks max-faces=8`, with its 478 landmarks within 1 % of the
// inter-ocular distance on average. References: tests/data/reference/
// mediapipe_multi_face/*.json (tests/reference/README.md, section E).
#include <cmath>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "fer/model_registry.h"
#include "gst_test_support.h"

using namespace fer::test;

namespace {

struct Still {
  std::string reference;  // file name under mediapipe_multi_face/
  std::string image;
};

std::string package_file(const std::string& path) { return std::string(FER_PACKAGES_DIR) + "/" + path; }

std::vector<Still> stills() {
  std::vector<Still> out;
  for (int i = 1; i <= 6; ++i) {
    const std::string sample = "sample" + std::to_string(i);
    out.push_back({"faceapi_" + sample + ".json", package_file("vladmandic-face-api-1.7.15/demo/" + sample + ".jpg")});
  }
  out.push_back({"tracking_faces.json", package_file("tracking-1.1.3/examples/assets/faces.jpg")});
  return out;
}

// Mean image-plane distance between a reference face's landmarks and ours.
double mean_distance(const nlohmann::json& expected, const fer::Face& face) {
  double sum = 0;
  for (int i = 0; i < 478; ++i)
    sum += std::hypot(face.landmarks[i].x - expected[i][0].get<double>(),
                      face.landmarks[i].y - expected[i][1].get<double>());
  return sum / 478;
}

class MediaPipeMultiFace : public ::testing::TestWithParam<Still> {};

TEST_P(MediaPipeMultiFace, EveryFaceFoundWithinOnePercentOfInterocular) {
  const Still& still = GetParam();
  std::ifstream in(data_path("reference/mediapipe_multi_face/" + still.reference));
  ASSERT_TRUE(in) << still.reference;
  const nlohmann::json ref = nlohmann::json::parse(in);
  const cv::Mat rgb = load_rgb(still.image);
  ASSERT_FALSE(rgb.empty()) << "cannot read " << still.image;
  // The reference saw exactly these pixels.
  ASSERT_EQ(fer::sha256_hex(rgb.data, rgb.total() * rgb.elemSize()), ref["image"]["rgb_sha256"].get<std::string>());

  Harness t("facelandmarks max-faces=8", rgb_caps(rgb.cols, rgb.rows));
  ASSERT_EQ(t.push(rgb_buffer(rgb)), GST_FLOW_OK);
  GstBuffer* out = t.pull();
  ASSERT_NE(out, nullptr);
  GstFerFacesMeta* meta = faces_meta(out);
  ASSERT_NE(meta, nullptr);
  const std::vector<fer::Face> ours = meta->faces->faces;
  gst_buffer_unref(out);

  std::printf("%s: MediaPipe %zu face(s), facelandmarks %zu\n", still.reference.c_str(), ref["faces"].size(),
              ours.size());
  for (const nlohmann::json& face : ref["faces"]) {
    const nlohmann::json& expected = face["landmarks"];
    const double interocular = face["interocular_px"].get<double>();
    // Ours nearest to it: the smallest mean landmark distance.
    double best = INFINITY;
    for (const fer::Face& candidate : ours)
      if (candidate.landmarks.size() == 478u) best = std::min(best, mean_distance(expected, candidate));
    const auto& box = face["bbox"];
    std::printf("  face at (%.0f, %.0f)-(%.0f, %.0f), inter-ocular %.1f px: mean %.2f px (%.2f %%)\n",
                box["x_min"].get<double>(), box["y_min"].get<double>(), box["x_max"].get<double>(),
                box["y_max"].get<double>(), interocular, best, 100 * best / interocular);
    EXPECT_LE(best, 0.01 * interocular)
        << still.reference << ": MediaPipe's face at x " << box["x_min"] << "-" << box["x_max"]
        << (std::isinf(best) ? " not found" : " found off by more than 1 % of the inter-ocular distance");
  }
}

INSTANTIATE_TEST_SUITE_P(Stills, MediaPipeMultiFace, ::testing::ValuesIn(stills()), [](const auto& info) {
  return info.param.reference.substr(0, info.param.reference.find('.'));
});

}  // namespace
