// SPDX-License-Identifier: LGPL-2.1-or-later
// fer::wavelet_encode — Haar wavelet encoding of trajectories (the DFEW wavelet recipe,
// docs/features.md).
//
// WHAT THIS REPRESENTS
//   A trajectory of T samples (one landmark coordinate or one blendshape over
//   T frames) compressed into a fixed number N of coefficients, so clips of
//   any length give features of one size:
//     * level L = the smallest L >= 0 with T <= N * 2^L (integers only);
//     * the signal is padded by repeating its last sample to
//       T' = ceil(T / 2^L) * 2^L;
//     * L levels of the orthonormal Haar transform are applied
//       (a = (x0 + x1) / sqrt(2), d = (x0 - x1) / sqrt(2));
//     * the approximation band (T' / 2^L <= N values, the "valid" ones) is
//       divided by sqrt(2^L), which makes each coefficient the mean of a block
//       of 2^L padded samples, and zero-padded to N.
//   E.g. N = 10: T = 300 gives L = 5 and 10 valid coefficients; T = 1800
//   gives L = 8, 8 valid coefficients and 2 zeros.
//
//   With detail_levels = K (0 <= K <= L) the K coarsest detail bands follow
//   the approximation, coarsest first. Band k (k = 0 .. K-1) is the detail of
//   level L - k, divided by sqrt(2^(L-k)) like the approximation (so it is in
//   the units of the signal: half the difference of the means of two adjacent
//   blocks). The detail of level L - k has valid * 2^k values, so band k is
//   zero-padded to N * 2^k rows and starts at row N * 2^k; the output has
//   rows = N * 2^K (the layout of a full wavelet decomposition cut after K
//   bands). For K = 0 and K = 1 this is N * (1 + K) rows. No band is ever
//   truncated: the detail of level L - 1 has more than N values whenever
//   L >= 1, which is why bands below the coarsest get more than N rows.
//
// OPTIONS (defaults in brackets)
//   coefficients   [10]  N, >= 1
//   detail_levels  [0]   K, 0 <= K <= L (L depends on T)
//
// THREAD SAFETY
//   Pure functions of their arguments; safe to call concurrently.
#pragma once

#include <vector>

namespace fer {

struct WaveletOptions {
  int coefficients = 10;
  int detail_levels = 0;
};

struct WaveletShape {
  int T = 0;        // samples in the trajectory
  int L = 0;        // decomposition level
  int padded = 0;   // T', length after padding with the last sample
  int valid = 0;    // approximation coefficients that carry data (<= N)
  int rows = 0;     // output rows: N * 2^K
};

// REQUIRES
//   T >= 1; options.coefficients >= 1; 0 <= options.detail_levels <= L.
// ENSURES
//   Returns the shape of the encoding of T samples, or throws fer::Error
//   naming the offending option (or T) and its value.
WaveletShape wavelet_shape(int T, const WaveletOptions& options = {});

// Encodes C channels at once.
// REQUIRES
//   samples: T x C floats, row-major (row t = the C channels at sample t);
//   out: room for wavelet_shape(T, options).rows x C floats, row-major, not
//   overlapping samples; C >= 1.
// ENSURES
//   out row r, column c = coefficient r of channel c, in the layout above
//   (padding rows are 0). Returns the shape. Throws fer::Error as
//   wavelet_shape() does, or on C < 1. Cost: O(T * C) time and
//   ceil(T' / 2) * C floats of scratch.
WaveletShape wavelet_encode(const float* samples, int T, int C, const WaveletOptions& options,
                            float* out);

// The same on a vector of T * C samples; returns rows x C coefficients.
// Throws fer::Error if samples.size() != T * C.
std::vector<float> wavelet_encode(const std::vector<float>& samples, int T, int C,
                                  const WaveletOptions& options = {},
                                  WaveletShape* shape = nullptr);

}  // namespace fer
