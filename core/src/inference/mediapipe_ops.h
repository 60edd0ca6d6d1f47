// SPDX-License-Identifier: LGPL-2.1-or-later
// MediaPipe's custom TFLite operations of the attention face mesh model
// (version 2 of each), done in C++ between the model's ONNX parts.
//
// Tensors are float, in TFLite's NHWC layout. Matrices are 4x4 row-major;
// only their first two rows are used by the consumers.
//
// landmarks_to_transform_matrix():
//   From a [N x 3] landmark tensor, the matrix that maps output-crop pixel
//   (x, y, 0, 1) to the source tensor's pixel coordinates, for a crop that
//   is rotated so that landmarks left_rotation_idx -> right_rotation_idx is
//   at target_rotation_radians, centred on and sized to the bounds of the
//   landmarks listed in subset_idxs (after rotation), scaled by
//   (scale_x, scale_y) and made output_width x output_height.
//
// transform_tensor_bilinear():
//   out[y][x][c] = bilinear sample of `in` at M * (x, y, 0, 1), where M is
//   corrected for pixel centres (version 2: sample at M * (x + .5, y + .5)
//   - .5); samples whose position falls outside [0, w-1] x [0, h-1] are 0,
//   and out-of-range neighbours of an in-range position read as 0.
//
// transform_landmarks():
//   (x, y) of each landmark mapped through the matrix's first two rows;
//   further components copied.
#pragma once

#include <array>
#include <vector>

namespace fer {

using Matrix4 = std::array<float, 16>;

struct LandmarksToTransformMatrixOptions {
  int left_rotation_idx = 0;
  int right_rotation_idx = 0;
  float target_rotation_radians = 0.0f;
  std::vector<int> subset_idxs;
  int output_width = 0;
  int output_height = 0;
  float scale_x = 1.0f;
  float scale_y = 1.0f;
};

Matrix4 landmarks_to_transform_matrix(const float* landmarks,
                                      const LandmarksToTransformMatrixOptions& options);

void transform_tensor_bilinear(const float* in, int in_height, int in_width, int channels,
                               const Matrix4& matrix, int out_height, int out_width, float* out);

void transform_landmarks(const float* in, int count, int dimensions, const Matrix4& matrix,
                         float* out);

}  // namespace fer
