// SPDX-License-Identifier: LGPL-2.1-or-later
#include "inference/mediapipe_ops.h"

#include <algorithm>
#include <cmath>

namespace fer {
namespace {

using Mat4 = std::array<float, 16>;

Mat4 multiply(const Mat4& a, const Mat4& b) {
  Mat4 r{};
  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 4; ++j) {
      float s = 0;
      for (int k = 0; k < 4; ++k) s += a[i * 4 + k] * b[k * 4 + j];
      r[i * 4 + j] = s;
    }
  return r;
}

Mat4 affine(float a, float b, float tx, float c, float d, float ty) {
  return {a, b, 0, tx, c, d, 0, ty, 0, 0, 1, 0, 0, 0, 0, 1};
}

}  // namespace

Matrix4 landmarks_to_transform_matrix(const float* landmarks,
                                      const LandmarksToTransformMatrixOptions& o) {
  const float* left = landmarks + 3 * o.left_rotation_idx;
  const float* right = landmarks + 3 * o.right_rotation_idx;
  const float rotation =
      o.target_rotation_radians - std::atan2(right[1] - left[1], right[0] - left[0]);

  // Bounds of the subset in a frame rotated by `rotation`.
  const float c = std::cos(rotation), s = std::sin(rotation);
  float x0 = 0, x1 = 0, y0 = 0, y1 = 0;
  bool first = true;
  for (int idx : o.subset_idxs) {
    const float* p = landmarks + 3 * idx;
    const float rx = c * p[0] - s * p[1], ry = s * p[0] + c * p[1];
    if (first) {
      x0 = x1 = rx;
      y0 = y1 = ry;
      first = false;
    }
    x0 = std::min(x0, rx);
    x1 = std::max(x1, rx);
    y0 = std::min(y0, ry);
    y1 = std::max(y1, ry);
  }
  // Crop centre back in the unrotated frame.
  const float mx = (x0 + x1) / 2, my = (y0 + y1) / 2;
  const float cx = c * mx + s * my, cy = -s * mx + c * my;

  const float sx = o.scale_x * (x1 - x0) / o.output_width;
  const float sy = o.scale_y * (y1 - y0) / o.output_height;
  Mat4 t = affine(1, 0, cx, 0, 1, cy);
  t = multiply(t, affine(c, s, 0, -s, c, 0));  // rotate by -rotation
  t = multiply(t, affine(sx, 0, 0, 0, sy, 0));
  t = multiply(t, affine(1, 0, -o.output_width / 2.0f, 0, 1, -o.output_height / 2.0f));
  return t;
}

void transform_tensor_bilinear(const float* in, int in_height, int in_width, int channels,
                               const Matrix4& m, int out_height, int out_width, float* out) {
  // Version 2 samples pixel centres: M' = S(-0.5) * M * S(+0.5).
  const float ax = m[0], bx = m[1], tx = m[3] + 0.5f * (m[0] + m[1]) - 0.5f;
  const float ay = m[4], by = m[5], ty = m[7] + 0.5f * (m[4] + m[5]) - 0.5f;
  auto read = [&](int y, int x, int ch) -> float {
    if (y < 0 || x < 0 || y >= in_height || x >= in_width) return 0.0f;
    return in[(static_cast<size_t>(y) * in_width + x) * channels + ch];
  };
  for (int oy = 0; oy < out_height; ++oy) {
    for (int ox = 0; ox < out_width; ++ox) {
      float* dst = out + (static_cast<size_t>(oy) * out_width + ox) * channels;
      const float px = ax * ox + bx * oy + tx;
      const float py = ay * ox + by * oy + ty;
      if (px < 0 || px > in_width - 1 || py < 0 || py > in_height - 1) {
        std::fill(dst, dst + channels, 0.0f);
        continue;
      }
      const int x = static_cast<int>(std::floor(px)), y = static_cast<int>(std::floor(py));
      const float fx = px - x, fy = py - y;
      for (int ch = 0; ch < channels; ++ch) {
        const float top = (1 - fx) * read(y, x, ch) + fx * read(y, x + 1, ch);
        const float bottom = (1 - fx) * read(y + 1, x, ch) + fx * read(y + 1, x + 1, ch);
        dst[ch] = fy * bottom + (1 - fy) * top;
      }
    }
  }
}

void transform_landmarks(const float* in, int count, int dimensions, const Matrix4& m,
                         float* out) {
  for (int i = 0; i < count; ++i) {
    const float* p = in + i * dimensions;
    float* q = out + i * dimensions;
    const float x = p[0], y = p[1];
    q[0] = m[0] * x + m[1] * y + m[3];
    q[1] = m[4] * x + m[5] * y + m[7];
    for (int d = 2; d < dimensions; ++d) q[d] = p[d];
  }
}

}  // namespace fer
