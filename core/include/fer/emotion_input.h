// SPDX-License-Identifier: LGPL-2.1-or-later
// Making the input tensors of emotion models (fer/emotion_model_spec.h).
//
// aligned_face_crop() samples the face square of aligned_face_roi() out of a
// frame of any supported format into an RGB image of the model's size (for
// a non-square size the square is widened or heightened to its shape); a
// face much larger than the crop is sampled at an integer multiple of the
// size and area-averaged down, so small inputs are not aliased.
// image_input_blob() turns RGB crops into one batched blob: colour order,
// layout, scale, mean and std as the spec says. feature_input_blob() lays
// out waveletencode's features as a feature model expects.
#pragma once

#include <vector>

#include <opencv2/core.hpp>

#include "fer/emotion_model_spec.h"
#include "fer/face.h"
#include "fer/image.h"

namespace fer {

// landmarks: the face's 478 points in frame pixels.
cv::Mat aligned_face_crop(const ImageView& image, const std::vector<cv::Point3f>& landmarks,
                          cv::Size size, float margin);

// crops: CV_8UC3 RGB, each spec.width x spec.height. Returns a float blob of
// [N, C, H, W] (NCHW) or [N, H, W, C] (NHWC).
cv::Mat image_input_blob(const ImageInputSpec& spec, const std::vector<cv::Mat>& rgb_crops);

// [1, rows * (478 * 3 + 52)]: the first `rows` rows of the landmark band,
// then of the blendshape band. Throws fer::Error if the features have fewer
// rows than the model wants.
cv::Mat feature_input_blob(const FaceFeatures& features, int rows);

}  // namespace fer
