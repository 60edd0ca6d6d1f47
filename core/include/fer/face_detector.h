// SPDX-License-Identifier: LGPL-2.1-or-later
// fer::FaceDetector — BlazeFace face detection on whole frames.
//
// WHAT THIS REPRESENTS
//   MediaPipe's face detection: the frame is letterboxed into the model's
//   square input (128x128 short range for faces within ~2 m, 192x192 full
//   range for small or distant faces), the SSD outputs are decoded against
//   MediaPipe's anchors, scored with a sigmoid, merged with weighted
//   non-maximum suppression and projected back to frame pixels.
//
// OPTIONS (defaults in brackets)
//   model      [ShortRange]  which BlazeFace model
//   min_score  [0.5]         detections below this confidence are dropped
//   nms_iou    [0.3]         IoU above which detections are merged
//   model_dir  [""]          first directory searched (see ModelRegistry)
//
// ERRORS
//   Create() throws fer::Error for an option out of range or a missing,
//   corrupt or unloadable model file (the message names it).
//
// THREAD SAFETY
//   One instance per thread: Detect() reuses internal buffers.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "fer/detection.h"
#include "fer/image.h"
#include "fer/inference_net.h"

namespace fer {

enum class DetectorModel { ShortRange, FullRange };

struct FaceDetectorOptions {
  DetectorModel model = DetectorModel::ShortRange;
  float min_score = 0.5f;
  float nms_iou = 0.3f;
  std::string model_dir;
  InferenceEngine engine = InferenceEngine::kAuto;
};

// Model file name of a detector model.
const char* detector_model_file(DetectorModel model);

class FaceDetector {
 public:
  static std::unique_ptr<FaceDetector> Create(const FaceDetectorOptions& options);

  // Faces in the frame, in frame pixels, best first.
  std::vector<Detection> Detect(const ImageView& frame);

  // The model's square input size.
  cv::Size input_size() const { return input_; }

  // Raw model outputs for an input already at input_size() (RGB, CV_8UC3):
  // regressors [anchors x 16] and score logits [anchors]. For fidelity tests.
  void RunModel(const cv::Mat& rgb_input, std::vector<float>& regressors,
                 std::vector<float>& logits);

 private:
  FaceDetector(const FaceDetectorOptions& options, std::unique_ptr<InferenceNet> net);

  FaceDetectorOptions options_;
  std::unique_ptr<InferenceNet> net_;
  cv::Size input_;
  std::vector<cv::Point2f> anchors_;
};

}  // namespace fer
