// SPDX-License-Identifier: LGPL-2.1-or-later
#include "fer/face_detector.h"

#include "face/detection_decoder.h"
#include "fer/error.h"
#include "fer/image_sampler.h"
#include "fer/model_registry.h"
#include "fer/roi.h"
#include "face/ssd_anchors.h"
#include "inference/tensor_io.h"

namespace fer {
namespace {

constexpr int kValuesPerAnchor = 16;

SsdAnchorOptions anchor_options(DetectorModel model) {
  SsdAnchorOptions o;
  if (model == DetectorModel::FullRange) {
    o.input_width = o.input_height = 192;
    o.strides = {4};
    o.interpolated_scale = false;
  }
  return o;
}

}  // namespace

const char* detector_model_file(DetectorModel model) {
  return model == DetectorModel::FullRange ? "face_detection_full_range.onnx"
                                           : "face_detection_short_range.onnx";
}

std::unique_ptr<FaceDetector> FaceDetector::Create(const FaceDetectorOptions& options) {
  if (!(options.min_score >= 0.0f && options.min_score <= 1.0f))
    throw Error("face detector: min_score must be in [0, 1]");
  if (!(options.nms_iou > 0.0f && options.nms_iou <= 1.0f))
    throw Error("face detector: nms_iou must be in (0, 1]");
  const std::string path = ModelRegistry(options.model_dir).Locate(detector_model_file(options.model));
  std::unique_ptr<FaceDetector> detector(new FaceDetector(options, InferenceNet::Create(path, options.engine)));
  // A valid ONNX file of another network under this name (the full-range
  // detector saved as the short-range one) would fail on the first frame:
  // one run on a blank input now checks the shapes.
  std::vector<float> regressors, logits;
  const cv::Size in = detector->input_;
  try {
    detector->RunModel(cv::Mat::zeros(in.height, in.width, CV_8UC3), regressors, logits);
  } catch (const std::exception& e) {
    throw Error(path + ": not the " + detector_model_file(options.model) + " network: on a " +
                std::to_string(in.width) + "x" + std::to_string(in.height) + "x3 input it expects " +
                std::to_string(detector->anchors_.size()) + "x16 regressors and " +
                std::to_string(detector->anchors_.size()) + "x1 scores (" + e.what() + ")");
  }
  return detector;
}

FaceDetector::FaceDetector(const FaceDetectorOptions& options, std::unique_ptr<InferenceNet> net)
    : options_(options), net_(std::move(net)) {
  const SsdAnchorOptions a = anchor_options(options.model);
  input_ = {a.input_width, a.input_height};
  anchors_ = ssd_anchor_centers(a);
  if (net_->output_names().size() != 2)
    throw Error(std::string("face detector model ") + detector_model_file(options.model) +
                ": expected 2 outputs (regressors, scores), found " +
                std::to_string(net_->output_names().size()));
}

void FaceDetector::RunModel(const cv::Mat& rgb_input, std::vector<float>& regressors,
                             std::vector<float>& logits) {
  const std::vector<cv::Mat> outputs = net_->Run(to_nhwc_tensor(rgb_input, 1.0f / 127.5f, -1.0f));
  const size_t n = anchors_.size();
  regressors.clear();
  logits.clear();
  for (const cv::Mat& out : outputs) {
    const float* p = out.ptr<float>();
    if (out.total() == n * kValuesPerAnchor) regressors.assign(p, p + out.total());
    else if (out.total() == n) logits.assign(p, p + n);
  }
  if (regressors.empty() || logits.empty())
    throw Error("face detector: model outputs do not match its " + std::to_string(n) +
                " anchors");
}

std::vector<Detection> FaceDetector::Detect(const ImageView& frame) {
  const Roi roi = letterbox_roi(frame.width, frame.height);
  const cv::Mat input = sample_rgb(frame, roi_sampling_matrix(roi, input_), input_, Border::Zero);
  std::vector<float> regressors, logits;
  RunModel(input, regressors, logits);
  std::vector<Detection> found = weighted_nms(
      decode_detections(regressors.data(), logits.data(), anchors_, input_, options_.min_score),
      options_.nms_iou);
  // Normalised input coordinates -> frame pixels (the letterbox is a plain
  // scale and shift, so boxes stay axis-aligned).
  const cv::Size unit(1, 1);
  for (Detection& d : found) {
    const cv::Point2f tl = roi_point_to_frame(roi, unit, d.box.tl());
    const cv::Point2f br = roi_point_to_frame(roi, unit, d.box.br());
    d.box = {tl, br};
    for (auto& k : d.keypoints) k = roi_point_to_frame(roi, unit, k);
  }
  return found;
}

}  // namespace fer
