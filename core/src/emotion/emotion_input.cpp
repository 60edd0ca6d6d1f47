// SPDX-License-Identifier: LGPL-2.1-or-later
#include "fer/emotion_input.h"

#include <algorithm>
#include <cmath>

#include <opencv2/imgproc.hpp>

#include "fer/blendshapes.h"
#include "fer/error.h"
#include "fer/image_sampler.h"
#include "fer/roi.h"

namespace fer {

cv::Mat aligned_face_crop(const ImageView& image, const std::vector<cv::Point3f>& landmarks,
                          cv::Size size, float margin) {
  Roi roi = aligned_face_roi(landmarks, margin);
  // A non-square input widens (or heightens) the face square to its shape.
  const float aspect = static_cast<float>(size.width) / static_cast<float>(size.height);
  roi.size = {roi.size.width * std::max(1.0f, aspect), roi.size.height * std::max(1.0f, 1.0f / aspect)};
  // Sample at up to 4x the model size, then average down (an area filter).
  const int factor = std::clamp(static_cast<int>(roi.size.width / size.width), 1, 4);
  const cv::Size sampled(size.width * factor, size.height * factor);
  cv::Mat rgb = sample_rgb(image, roi_sampling_matrix(roi, sampled), sampled, Border::Replicate);
  if (factor == 1) return rgb;
  cv::Mat small;
  cv::resize(rgb, small, size, 0, 0, cv::INTER_AREA);
  return small;
}

cv::Mat image_input_blob(const ImageInputSpec& spec, const std::vector<cv::Mat>& rgb_crops) {
  const int n = static_cast<int>(rgb_crops.size()), c = spec.channels();
  const int h = spec.height, w = spec.width;
  const int nchw[] = {n, c, h, w}, nhwc[] = {n, h, w, c};
  cv::Mat blob(4, spec.layout == TensorLayout::NCHW ? nchw : nhwc, CV_32F);
  float* out = blob.ptr<float>();
  // Source channel of each model channel in an RGB crop.
  const int source[3] = {spec.color == ColorOrder::BGR ? 2 : 0, 1, spec.color == ColorOrder::BGR ? 0 : 2};
  for (int i = 0; i < n; ++i) {
    const cv::Mat& crop = rgb_crops[i];
    if (crop.type() != CV_8UC3 || crop.cols != w || crop.rows != h)
      throw Error("emotion model input: crop " + std::to_string(crop.cols) + "x" +
                  std::to_string(crop.rows) + " is not the model's " + std::to_string(w) + "x" +
                  std::to_string(h) + " RGB");
    cv::Mat pixels = crop;
    if (spec.color == ColorOrder::GRAY) cv::cvtColor(crop, pixels, cv::COLOR_RGB2GRAY);
    float* image = out + static_cast<size_t>(i) * c * h * w;
    for (int y = 0; y < h; ++y) {
      const std::uint8_t* row = pixels.ptr<std::uint8_t>(y);
      for (int x = 0; x < w; ++x)
        for (int ch = 0; ch < c; ++ch) {
          const float p = row[x * c + (c == 1 ? 0 : source[ch])];
          const float v = (p * spec.scale - spec.mean[ch]) / spec.std[ch];
          const size_t at = spec.layout == TensorLayout::NCHW
              ? (static_cast<size_t>(ch) * h + y) * w + x
              : (static_cast<size_t>(y) * w + x) * c + ch;
          image[at] = v;
        }
    }
  }
  return blob;
}

cv::Mat feature_input_blob(const FaceFeatures& features, int rows) {
  const int blendshapes = static_cast<int>(blendshape_names().size());
  const int landmark_row = kFaceLandmarks * 3;
  if (features.rows < rows)
    throw Error("feature model wants " + std::to_string(rows) + " wavelet rows, the features have " +
                std::to_string(features.rows) + " (waveletencode coefficients x 2^detail-levels)");
  cv::Mat blob(1, rows * (landmark_row + blendshapes), CV_32F);
  float* out = blob.ptr<float>();
  out = std::copy_n(features.landmarks.begin(), static_cast<size_t>(rows) * landmark_row, out);
  std::copy_n(features.blendshapes.begin(), static_cast<size_t>(rows) * blendshapes, out);
  return blob;
}

}  // namespace fer
