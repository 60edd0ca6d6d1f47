// SPDX-License-Identifier: LGPL-2.1-or-later
// MediaPipe custom ops against slow references written independently with
// Eigen (explicit matrix products, per-sample loops), on random inputs from
// a fixed seed, as ncnn's op tests do.
#include <cmath>
#include <random>
#include <vector>

#include <Eigen/Geometry>
#include <gtest/gtest.h>

#include "inference/mediapipe_ops.h"

namespace {

using Matrix4 = Eigen::Matrix<float, 4, 4, Eigen::RowMajor>;

Matrix4 to_eigen(const fer::Matrix4& m) { return Eigen::Map<const Matrix4>(m.data()); }

std::vector<float> random_values(size_t n, float lo, float hi, std::mt19937& rng) {
  std::uniform_real_distribution<float> dist(lo, hi);
  std::vector<float> v(n);
  for (float& x : v) x = dist(rng);
  return v;
}

Matrix4 translation(float x, float y) {
  Matrix4 t = Matrix4::Identity();
  t(0, 3) = x;
  t(1, 3) = y;
  return t;
}

// Landmarks2TransformMatrix v2, as a chain of 4x4 matrices.
Matrix4 slow_transform_matrix(const std::vector<float>& lm, const fer::LandmarksToTransformMatrixOptions& o) {
  const Eigen::Vector2f left(lm[3 * o.left_rotation_idx], lm[3 * o.left_rotation_idx + 1]);
  const Eigen::Vector2f right(lm[3 * o.right_rotation_idx], lm[3 * o.right_rotation_idx + 1]);
  const Eigen::Vector2f d = right - left;
  const float rotation = o.target_rotation_radians - std::atan2(d.y(), d.x());
  const Eigen::Rotation2Df rot(rotation);
  Eigen::AlignedBox2f box;
  for (int idx : o.subset_idxs) box.extend(rot * Eigen::Vector2f(lm[3 * idx], lm[3 * idx + 1]));
  const Eigen::Vector2f centre = rot.inverse() * box.center();
  Matrix4 r = Matrix4::Identity();
  r.topLeftCorner<2, 2>() = Eigen::Rotation2Df(-rotation).toRotationMatrix();
  Matrix4 s = Matrix4::Identity();
  s(0, 0) = o.scale_x * box.sizes().x() / o.output_width;
  s(1, 1) = o.scale_y * box.sizes().y() / o.output_height;
  return translation(centre.x(), centre.y()) * r * s *
         translation(-o.output_width / 2.0f, -o.output_height / 2.0f);
}

}  // namespace

TEST(MediapipeOps, LandmarksToTransformMatrixMatchesSlowReference) {
  std::mt19937 rng(1234);
  for (int trial = 0; trial < 20; ++trial) {
    const std::vector<float> lm = random_values(468 * 3, 0.0f, 48.0f, rng);
    fer::LandmarksToTransformMatrixOptions o;
    o.left_rotation_idx = 33;
    o.right_rotation_idx = 133;
    o.target_rotation_radians = trial * 0.1f;
    o.subset_idxs = {33, 7, 163, 144, 145, 153, 154, 155, 133};
    o.output_width = o.output_height = 16;
    o.scale_x = o.scale_y = 1.5f;
    const Matrix4 ours = to_eigen(fer::landmarks_to_transform_matrix(lm.data(), o));
    const Matrix4 ref = slow_transform_matrix(lm, o);
    EXPECT_LT((ours - ref).cwiseAbs().maxCoeff(), 1e-4f) << "trial " << trial;
  }
}

TEST(MediapipeOps, TransformTensorBilinearMatchesSlowReference) {
  std::mt19937 rng(42);
  const int h = 12, w = 10, c = 3, oh = 6, ow = 7;
  const std::vector<float> in = random_values(size_t(h) * w * c, -1.0f, 1.0f, rng);
  for (int trial = 0; trial < 10; ++trial) {
    // A rotation + scale + shift that leaves some samples outside the input.
    const float a = 0.3f * trial, sc = 0.8f + 0.1f * trial;
    fer::Matrix4 m{};
    m[0] = sc * std::cos(a);
    m[1] = -sc * std::sin(a);
    m[3] = 2.0f + 0.37f * trial;
    m[4] = sc * std::sin(a);
    m[5] = sc * std::cos(a);
    m[7] = 1.0f + 0.11f * trial;
    m[10] = m[15] = 1.0f;
    std::vector<float> ours(size_t(oh) * ow * c);
    fer::transform_tensor_bilinear(in.data(), h, w, c, m, oh, ow, ours.data());
    // Version 2: sample at S(-0.5) * M * S(+0.5) applied to the output pixel.
    const Matrix4 corrected = translation(-0.5f, -0.5f) * to_eigen(m) * translation(0.5f, 0.5f);
    for (int y = 0; y < oh; ++y)
      for (int x = 0; x < ow; ++x) {
        const Eigen::Vector4f p = corrected * Eigen::Vector4f(float(x), float(y), 0, 1);
        const bool inside = p.x() >= 0 && p.x() <= w - 1 && p.y() >= 0 && p.y() <= h - 1;
        for (int ch = 0; ch < c; ++ch) {
          float expected = 0;
          if (inside) {
            const int x0 = int(std::floor(p.x())), y0 = int(std::floor(p.y()));
            for (int dy = 0; dy <= 1; ++dy)
              for (int dx = 0; dx <= 1; ++dx) {
                const int xx = x0 + dx, yy = y0 + dy;
                if (xx >= w || yy >= h) continue;  // weight is 0 there
                const float wx = dx ? p.x() - x0 : 1 - (p.x() - x0);
                const float wy = dy ? p.y() - y0 : 1 - (p.y() - y0);
                expected += wx * wy * in[(size_t(yy) * w + xx) * c + ch];
              }
          }
          EXPECT_NEAR(ours[(size_t(y) * ow + x) * c + ch], expected, 1e-5f)
              << "trial " << trial << " at " << x << "," << y;
        }
      }
  }
}

TEST(MediapipeOps, TransformLandmarksMatchesSlowReference) {
  std::mt19937 rng(7);
  const std::vector<float> in = random_values(5 * 3, -10.0f, 10.0f, rng);
  const std::vector<float> mv = random_values(16, -2.0f, 2.0f, rng);
  fer::Matrix4 m;
  std::copy(mv.begin(), mv.end(), m.begin());
  for (int dims : {2, 3}) {
    const int n = 15 / dims;
    std::vector<float> ours(size_t(n) * dims);
    fer::transform_landmarks(in.data(), n, dims, m, ours.data());
    for (int i = 0; i < n; ++i) {
      // (x, y, 0, 1) through the matrix; further components copied.
      const Eigen::Vector4f p = to_eigen(m) * Eigen::Vector4f(in[i * dims], in[i * dims + 1], 0, 1);
      EXPECT_NEAR(ours[i * dims], p.x(), 1e-5f);
      EXPECT_NEAR(ours[i * dims + 1], p.y(), 1e-5f);
      if (dims == 3) EXPECT_EQ(ours[i * dims + 2], in[i * dims + 2]);
    }
  }
}
