// SPDX-License-Identifier: LGPL-2.1-or-later
#include "fer/face_landmarker.h"

#include <cmath>

#include "face/face_mesh_refinement.h"
#include "fer/error.h"
#include "fer/image_sampler.h"
#include "fer/model_registry.h"
#include "inference/staged_model.h"
#include "inference/tensor_io.h"

namespace fer {
namespace {

constexpr const char* kManifest = "face_landmark_with_attention.manifest.json";
constexpr int kIrisPoints = 5;

// Model outputs in the order of the TFLite model (and MediaPipe's graph).
enum Output { kMesh, kLips, kLeftEye, kRightEye, kLeftIris, kRightIris, kFaceFlag, kOutputs };
constexpr int kOutputSizes[kOutputs] = {kMeshLandmarks * 3, 80 * 2, 71 * 2, 71 * 2,
                                        kIrisPoints * 2, kIrisPoints * 2, 1};

template <size_t N>
void refine_xy(std::vector<cv::Point3f>& points, const cv::Mat& xy, const std::array<int, N>& map) {
  const float* p = xy.ptr<float>();
  for (size_t i = 0; i < N; ++i) {
    points[map[i]].x = p[2 * i];
    points[map[i]].y = p[2 * i + 1];
  }
}

template <size_t N>
void append_iris(std::vector<cv::Point3f>& points, const cv::Mat& xy,
                 const std::array<int, N>& depth_from) {
  float z = 0;
  for (int i : depth_from) z += points[i].z;
  z /= N;
  const float* p = xy.ptr<float>();
  for (int i = 0; i < kIrisPoints; ++i) points.emplace_back(p[2 * i], p[2 * i + 1], z);
}

}  // namespace

std::unique_ptr<FaceLandmarker> FaceLandmarker::Create(const FaceLandmarkerOptions& options) {
  auto model = StagedModel::Create(ModelRegistry(options.model_dir), kManifest, options.engine);
  const auto& shape = model->input_shape();
  if (shape != std::vector<int>{1, kInputSize, kInputSize, 3})
    throw Error(std::string(kManifest) + ": model input must be [1, 192, 192, 3]");
  if (model->output_names().size() != kOutputs)
    throw Error(std::string(kManifest) + ": expected " + std::to_string(kOutputs) +
                " outputs, found " + std::to_string(model->output_names().size()));
  return std::unique_ptr<FaceLandmarker>(new FaceLandmarker(std::move(model)));
}

FaceLandmarker::FaceLandmarker(std::unique_ptr<StagedModel> model) : model_(std::move(model)) {}
FaceLandmarker::~FaceLandmarker() = default;

FaceLandmarks FaceLandmarker::RunModel(const cv::Mat& rgb_input) {
  const std::vector<cv::Mat> out = model_->run(to_nhwc_tensor(rgb_input, 1.0f / 255.0f, 0.0f));
  for (int i = 0; i < kOutputs; ++i)
    if (out[i].total() != static_cast<size_t>(kOutputSizes[i]))
      throw Error(std::string(kManifest) + ": output " + model_->output_names()[i] + " has " +
                  std::to_string(out[i].total()) + " values, expected " +
                  std::to_string(kOutputSizes[i]));
  FaceLandmarks result;
  const float* mesh = out[kMesh].ptr<float>();
  result.points.reserve(kFaceLandmarks);
  for (int i = 0; i < kMeshLandmarks; ++i)
    result.points.emplace_back(mesh[3 * i], mesh[3 * i + 1], mesh[3 * i + 2]);
  refine_xy(result.points, out[kLips], refinement::kLips);
  refine_xy(result.points, out[kLeftEye], refinement::kLeftEye);
  refine_xy(result.points, out[kRightEye], refinement::kRightEye);
  append_iris(result.points, out[kLeftIris], refinement::kLeftIrisDepth);
  append_iris(result.points, out[kRightIris], refinement::kRightIrisDepth);
  // The TFLite model's face flag is a logit.
  result.presence = 1.0f / (1.0f + std::exp(-out[kFaceFlag].ptr<float>()[0]));
  return result;
}

FaceLandmarks FaceLandmarker::Detect(const ImageView& frame, const Roi& roi) {
  const cv::Size input(kInputSize, kInputSize);
  const cv::Mat rgb = sample_rgb(frame, roi_sampling_matrix(roi, input), input, Border::Replicate);
  FaceLandmarks result = RunModel(rgb);
  const float z_scale = roi.size.width / kInputSize;
  for (auto& p : result.points) {
    const cv::Point2f q = roi_point_to_frame(roi, input, {p.x, p.y});
    p = {q.x, q.y, p.z * z_scale};
  }
  return result;
}

}  // namespace fer
