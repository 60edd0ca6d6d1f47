// SPDX-License-Identifier: LGPL-2.1-or-later
#include "fer/wavelet.h"

#include <algorithm>
#include <climits>
#include <cstddef>
#include <cstdint>
#include <string>

#include "fer/error.h"

namespace fer {

WaveletShape wavelet_shape(int T, const WaveletOptions& options) {
  const int N = options.coefficients;
  const int K = options.detail_levels;
  if (N < 1)
    throw Error("WaveletOptions.coefficients must be >= 1 (got " + std::to_string(N) + ")");
  if (K < 0)
    throw Error("WaveletOptions.detail_levels must be >= 0 (got " + std::to_string(K) + ")");
  if (T < 1) throw Error("wavelet: a trajectory needs T >= 1 samples (got " + std::to_string(T) + ")");

  WaveletShape shape;
  shape.T = T;
  // Smallest L with T <= N * 2^L, in integers so no rounding of log2 can
  // pick the wrong level at exact powers of two.
  std::int64_t capacity = N;
  while (capacity < T) {
    capacity *= 2;
    ++shape.L;
  }
  const std::int64_t block = std::int64_t{1} << shape.L;
  const std::int64_t valid = (T + block - 1) / block;
  const std::int64_t padded = valid * block;
  if (padded > INT_MAX)
    throw Error("wavelet: T = " + std::to_string(T) + " pads to more than INT_MAX samples");
  shape.valid = static_cast<int>(valid);
  shape.padded = static_cast<int>(padded);

  if (K > shape.L)
    throw Error("WaveletOptions.detail_levels = " + std::to_string(K) +
                " exceeds the decomposition level L = " + std::to_string(shape.L) + " of T = " +
                std::to_string(T) + " samples with " + std::to_string(N) + " coefficients");
  const std::int64_t rows = std::int64_t{N} << K;
  if (rows > INT_MAX)
    throw Error("wavelet: " + std::to_string(N) + " coefficients with detail_levels = " +
                std::to_string(K) + " give more than INT_MAX rows");
  shape.rows = static_cast<int>(rows);
  return shape;
}

WaveletShape wavelet_encode(const float* samples, int T, int C, const WaveletOptions& options,
                            float* out) {
  const WaveletShape shape = wavelet_shape(T, options);
  if (C < 1) throw Error("wavelet: channels must be >= 1 (got " + std::to_string(C) + ")");
  const int N = options.coefficients;
  const int K = options.detail_levels;
  const std::size_t width = static_cast<std::size_t>(C);
  std::fill(out, out + static_cast<std::size_t>(shape.rows) * width, 0.0f);

  if (shape.L == 0) {  // T <= N: the samples are the coefficients
    std::copy(samples, samples + static_cast<std::size_t>(T) * width, out);
    return shape;
  }

  // The averaging form of the Haar step, a = (x0 + x1) / 2, d = (x0 - x1) / 2,
  // is the orthonormal step followed by the division by sqrt(2^level) that
  // the specification asks for (by induction, orthonormal a and d at level l
  // are sqrt(2^l) times these), and halving is exact in binary floating point.
  // A row holds all C channels of one sample, so every inner loop runs over
  // C contiguous floats.
  const auto detail_row = [&](int level, int i) -> float* {
    const int band = shape.L - level;  // 0 = coarsest
    if (band >= K) return nullptr;
    const std::size_t start = static_cast<std::size_t>(N) << band;
    return out + (start + static_cast<std::size_t>(i)) * width;
  };

  // Level 1 reads the samples directly, padding with the last one.
  int length = shape.padded / 2;
  std::vector<float> scratch(static_cast<std::size_t>(length) * width);
  for (int i = 0; i < length; ++i) {
    const float* x0 = samples + static_cast<std::size_t>(std::min(2 * i, T - 1)) * width;
    const float* x1 = samples + static_cast<std::size_t>(std::min(2 * i + 1, T - 1)) * width;
    float* a = scratch.data() + static_cast<std::size_t>(i) * width;
    for (std::size_t c = 0; c < width; ++c) a[c] = (x0[c] + x1[c]) * 0.5f;
    if (float* d = detail_row(1, i))
      for (std::size_t c = 0; c < width; ++c) d[c] = (x0[c] - x1[c]) * 0.5f;
  }
  // Further levels in place: rows 2i and 2i + 1 are read before row i is
  // written (the detail first, as the approximation may overwrite row 2i),
  // and every row below i has already been consumed.
  for (int level = 2; level <= shape.L; ++level) {
    length /= 2;
    for (int i = 0; i < length; ++i) {
      const float* x0 = scratch.data() + static_cast<std::size_t>(2 * i) * width;
      const float* x1 = x0 + width;
      float* a = scratch.data() + static_cast<std::size_t>(i) * width;
      if (float* d = detail_row(level, i))
        for (std::size_t c = 0; c < width; ++c) d[c] = (x0[c] - x1[c]) * 0.5f;
      for (std::size_t c = 0; c < width; ++c) a[c] = (x0[c] + x1[c]) * 0.5f;
    }
  }
  std::copy(scratch.begin(), scratch.begin() + static_cast<std::ptrdiff_t>(shape.valid * width),
            out);
  return shape;
}

std::vector<float> wavelet_encode(const std::vector<float>& samples, int T, int C,
                                  const WaveletOptions& options, WaveletShape* shape) {
  const WaveletShape s = wavelet_shape(T, options);
  if (C < 1) throw Error("wavelet: channels must be >= 1 (got " + std::to_string(C) + ")");
  if (samples.size() != static_cast<std::size_t>(T) * static_cast<std::size_t>(C))
    throw Error("wavelet: " + std::to_string(samples.size()) + " samples given for T = " +
                std::to_string(T) + " x C = " + std::to_string(C));
  std::vector<float> out(static_cast<std::size_t>(s.rows) * static_cast<std::size_t>(C));
  wavelet_encode(samples.data(), T, C, options, out.data());
  if (shape) *shape = s;
  return out;
}

}  // namespace fer
