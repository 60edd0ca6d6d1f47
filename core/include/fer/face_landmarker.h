// SPDX-License-Identifier: LGPL-2.1-or-later
// fer::FaceLandmarker — 478 3D face landmarks in a face region.
//
// WHAT THIS REPRESENTS
//   MediaPipe's face mesh with attention: the region of interest (see roi.h)
//   is sampled from the frame into a 192x192 RGB input in [0, 1]; the model
//   gives a 468-point mesh, refined lips (80 points) and eyes (71 each) that
//   replace the mesh's x, y at those points, and 5 iris points per eye
//   appended as points 468-477 (their z is the mean z of the eye contour).
//   Points are projected back to frame pixels; z is on the same scale as x
//   (pixels), relative to the face's centre depth.
//
// OPTIONS (defaults in brackets)
//   model_dir  [""]  first directory searched (see ModelRegistry)
//
// THREAD SAFETY
//   One instance per thread.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "fer/face.h"
#include "fer/image.h"
#include "fer/inference_net.h"
#include "fer/roi.h"

namespace fer {

struct FaceLandmarkerOptions {
  std::string model_dir;
  InferenceEngine engine = InferenceEngine::kAuto;
};

struct FaceLandmarks {
  std::vector<cv::Point3f> points;  // kFaceLandmarks, frame pixels
  float presence = 0.0f;            // probability that a face fills the region
};

class StagedModel;

class FaceLandmarker {
 public:
  static std::unique_ptr<FaceLandmarker> Create(const FaceLandmarkerOptions& options);
  ~FaceLandmarker();

  FaceLandmarks Detect(const ImageView& frame, const Roi& roi);

  // The model on an input already at 192x192 (RGB CV_8UC3): landmarks in
  // input pixels and the presence probability. For fidelity tests.
  FaceLandmarks RunModel(const cv::Mat& rgb_input);

  static constexpr int kInputSize = 192;

 private:
  explicit FaceLandmarker(std::unique_ptr<StagedModel> model);
  std::unique_ptr<StagedModel> model_;
};

}  // namespace fer
