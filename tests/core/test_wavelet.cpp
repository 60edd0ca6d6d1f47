// SPDX-License-Identifier: LGPL-2.1-or-later
#include <algorithm>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "fer/error.h"
#include "fer/wavelet.h"

namespace {

// The specification written out plainly, in double: pad with the last
// sample, L orthonormal Haar steps, each band divided by sqrt(2^level).
struct Reference {
  int L = 0;
  std::vector<double> approx;                // divided by sqrt(2^L)
  std::vector<std::vector<double>> details;  // details[l - 1] = level l, divided by sqrt(2^l)
};

Reference reference_transform(const std::vector<double>& x, int N) {
  Reference ref;
  const int T = static_cast<int>(x.size());
  while (static_cast<long long>(N) * (1LL << ref.L) < T) ++ref.L;
  const int block = 1 << ref.L;
  const int padded = (T + block - 1) / block * block;
  std::vector<double> a(x);
  a.resize(padded, x.back());
  for (int level = 1; level <= ref.L; ++level) {
    std::vector<double> next, d;
    for (std::size_t i = 0; i + 1 < a.size(); i += 2) {
      next.push_back((a[i] + a[i + 1]) / std::sqrt(2.0));
      d.push_back((a[i] - a[i + 1]) / std::sqrt(2.0));
    }
    for (double& v : d) v /= std::sqrt(std::pow(2.0, level));
    ref.details.push_back(d);
    a = next;
  }
  for (double& v : a) v /= std::sqrt(std::pow(2.0, ref.L));
  ref.approx = a;
  return ref;
}

// The expected output column of one channel: approximation zero-padded to N,
// then band k (level L - k) at row N * 2^k, zero-padded to N * 2^k rows.
std::vector<double> expected_column(const std::vector<double>& x, int N, int K) {
  const Reference ref = reference_transform(x, N);
  std::vector<double> col(static_cast<std::size_t>(N) << K, 0.0);
  std::copy(ref.approx.begin(), ref.approx.end(), col.begin());
  for (int k = 0; k < K; ++k) {
    const auto& d = ref.details[ref.L - k - 1];
    EXPECT_LE(d.size(), static_cast<std::size_t>(N) << k);
    std::copy(d.begin(), d.end(), col.begin() + (static_cast<std::size_t>(N) << k));
  }
  return col;
}

std::vector<float> random_samples(int T, int C, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  std::vector<float> x(static_cast<std::size_t>(T) * C);
  for (float& v : x) v = dist(rng);
  return x;
}

std::vector<double> channel(const std::vector<float>& samples, int T, int C, int c) {
  std::vector<double> x(T);
  for (int t = 0; t < T; ++t) x[t] = samples[static_cast<std::size_t>(t) * C + c];
  return x;
}

std::string error_of(int T, const fer::WaveletOptions& options) {
  try {
    fer::wavelet_shape(T, options);
  } catch (const fer::Error& e) {
    return e.what();
  }
  return "no error";
}

}  // namespace

TEST(WaveletShape, LevelsAndValidCounts) {
  struct Case {
    int T, L, padded, valid;
  };
  const Case cases[] = {
      {1, 0, 1, 1},        // one sample
      {7, 0, 7, 7},        // T < N: no transform
      {10, 0, 10, 10},     // T = N
      {11, 1, 12, 6},      // just past N
      {40, 2, 40, 10},     // T = 2^2 N exactly
      {80, 3, 80, 10},     // T = 2^3 N exactly
      {300, 5, 320, 10},   // the DFEW recipe's example (docs/features.md)
      {1800, 8, 2048, 8},  // the DFEW recipe's example: 8 valid + 2 zeros
  };
  for (const Case& c : cases) {
    const fer::WaveletShape s = fer::wavelet_shape(c.T);
    EXPECT_EQ(s.T, c.T);
    EXPECT_EQ(s.L, c.L) << "T = " << c.T;
    EXPECT_EQ(s.padded, c.padded) << "T = " << c.T;
    EXPECT_EQ(s.valid, c.valid) << "T = " << c.T;
    EXPECT_EQ(s.rows, 10) << "T = " << c.T;
  }
}

TEST(WaveletShape, LevelIsSmallestWithTAtMostNTimesTwoToL) {
  for (int N : {1, 3, 10, 16}) {
    for (int T = 1; T <= 3000; ++T) {
      const fer::WaveletShape s = fer::wavelet_shape(T, {N, 0});
      ASSERT_LE(T, static_cast<long long>(N) << s.L) << "T = " << T << " N = " << N;
      if (s.L > 0) {
        ASSERT_GT(T, static_cast<long long>(N) << (s.L - 1)) << "T = " << T;
      }
      ASSERT_LE(s.valid, N);
      ASSERT_EQ(s.padded % (1 << s.L), 0);
      ASSERT_GE(s.padded, T);
      ASSERT_LT(s.padded - T, 1 << s.L);
    }
  }
}

TEST(WaveletShape, DetailRowsAreNTimesTwoToK) {
  EXPECT_EQ(fer::wavelet_shape(300, {10, 0}).rows, 10);
  EXPECT_EQ(fer::wavelet_shape(300, {10, 1}).rows, 20);
  EXPECT_EQ(fer::wavelet_shape(300, {10, 2}).rows, 40);
  EXPECT_EQ(fer::wavelet_shape(300, {10, 5}).rows, 320);
}

TEST(WaveletEncode, SingleSampleIsItsOwnCoefficient) {
  fer::WaveletShape shape;
  const std::vector<float> out = fer::wavelet_encode({4.5f}, 1, 1, {}, &shape);
  ASSERT_EQ(out.size(), 10u);
  EXPECT_EQ(shape.valid, 1);
  EXPECT_EQ(out[0], 4.5f);
  for (std::size_t i = 1; i < out.size(); ++i) EXPECT_EQ(out[i], 0.0f);
}

TEST(WaveletEncode, ShortTrajectoryIsCopiedAndZeroPadded) {
  const std::vector<float> x = {1, 2, 3, 4, 5, 6, 7};
  const std::vector<float> out = fer::wavelet_encode(x, 7, 1);
  for (int i = 0; i < 7; ++i) EXPECT_EQ(out[i], x[i]);
  for (int i = 7; i < 10; ++i) EXPECT_EQ(out[i], 0.0f);
}

TEST(WaveletEncode, TEqualsNIsIdentity) {
  const std::vector<float> x = random_samples(10, 1, 3);
  EXPECT_EQ(fer::wavelet_encode(x, 10, 1), x);
}

TEST(WaveletEncode, PowerOfTwoTimesNGivesBlockMeansWithoutPadding) {
  const int T = 80;  // L = 3, blocks of 8
  const std::vector<float> x = random_samples(T, 1, 4);
  const std::vector<float> out = fer::wavelet_encode(x, T, 1);
  for (int i = 0; i < 10; ++i) {
    double mean = 0;
    for (int t = 8 * i; t < 8 * i + 8; ++t) mean += x[t];
    EXPECT_NEAR(out[i], mean / 8, 1e-6) << "coefficient " << i;
  }
}

TEST(WaveletEncode, ConstantSignalGivesTheConstantAndZeroDetails) {
  for (int T : {1, 9, 10, 37, 300, 1800}) {
    const int C = 3;
    const fer::WaveletShape shape = fer::wavelet_shape(T);
    const fer::WaveletOptions options{10, std::min(shape.L, 2)};
    const std::vector<float> x(static_cast<std::size_t>(T) * C, 2.5f);
    fer::WaveletShape s;
    const std::vector<float> out = fer::wavelet_encode(x, T, C, options, &s);
    ASSERT_EQ(out.size(), static_cast<std::size_t>(s.rows) * C);
    for (int r = 0; r < s.rows; ++r)
      for (int c = 0; c < C; ++c)
        EXPECT_EQ(out[r * C + c], r < s.valid ? 2.5f : 0.0f) << "T = " << T << " row " << r;
  }
}

TEST(WaveletEncode, RampCoefficientsAreBlockMeansOfThePaddedSignal) {
  const int T = 300;  // L = 5: blocks of 32 over 320 padded samples
  std::vector<float> x(T);
  for (int t = 0; t < T; ++t) x[t] = static_cast<float>(t);
  const std::vector<float> out = fer::wavelet_encode(x, T, 1);
  const int block = 32;
  for (int i = 0; i < 10; ++i) {
    double sum = 0;
    for (int t = i * block; t < (i + 1) * block; ++t) sum += std::min(t, T - 1);  // padded
    EXPECT_NEAR(out[i], sum / block, 1e-3) << "coefficient " << i;
  }
  // The last block holds samples 288..299 then 20 copies of 299.
  EXPECT_NEAR(out[9], (12 * 293.5 + 20 * 299.0) / 32, 1e-3);
}

TEST(WaveletEncode, PaddingRepeatsTheLastSample) {
  // T = 11, N = 10: L = 1, padded to 12 with x[10] again, so the last
  // coefficient is x[10] itself, not (x[10] + 0) / 2.
  std::vector<float> x(11, 0.0f);
  x[10] = 8.0f;
  const std::vector<float> out = fer::wavelet_encode(x, 11, 1, {10, 1});
  EXPECT_EQ(out[5], 8.0f);
  EXPECT_EQ(out[10 + 5], 0.0f);  // its detail: x[10] - x[10]
  for (int i = 6; i < 10; ++i) EXPECT_EQ(out[i], 0.0f);
}

TEST(WaveletEncode, MatchesSlowOrthonormalReferenceWithDetailBands) {
  for (int T : {1, 10, 11, 23, 64, 300, 1000, 1800}) {
    const fer::WaveletShape shape = fer::wavelet_shape(T);
    for (int K = 0; K <= std::min(shape.L, 3); ++K) {
      const int C = 2;
      const std::vector<float> x = random_samples(T, C, 1000 + T);
      fer::WaveletShape s;
      const std::vector<float> out = fer::wavelet_encode(x, T, C, {10, K}, &s);
      ASSERT_EQ(s.rows, 10 << K);
      for (int c = 0; c < C; ++c) {
        const std::vector<double> want = expected_column(channel(x, T, C, c), 10, K);
        for (int r = 0; r < s.rows; ++r)
          ASSERT_NEAR(out[r * C + c], want[r], 1e-5 * (1 + std::abs(want[r])))
              << "T = " << T << " K = " << K << " channel " << c << " row " << r;
      }
    }
  }
}

TEST(WaveletEncode, MultiChannelEqualsPerChannel) {
  const int T = 1800, C = 1434;  // a minute of 478 x 3 landmark coordinates
  const std::vector<float> x = random_samples(T, C, 7);
  const fer::WaveletOptions options{10, 2};
  const std::vector<float> all = fer::wavelet_encode(x, T, C, options);
  for (int c : {0, 1, 717, 1433}) {
    std::vector<float> one(T);
    for (int t = 0; t < T; ++t) one[t] = x[static_cast<std::size_t>(t) * C + c];
    const std::vector<float> single = fer::wavelet_encode(one, T, 1, options);
    ASSERT_EQ(all.size(), single.size() * C);
    for (std::size_t r = 0; r < single.size(); ++r)
      ASSERT_FLOAT_EQ(all[r * C + c], single[r]) << "channel " << c << " row " << r;
  }
}

TEST(WaveletEncode, InvalidCoefficients_n) {
  const std::string msg = error_of(300, {0, 0});
  EXPECT_NE(msg.find("coefficients"), std::string::npos) << msg;
  EXPECT_NE(msg.find("got 0"), std::string::npos) << msg;
}

TEST(WaveletEncode, NegativeDetailLevels_n) {
  const std::string msg = error_of(300, {10, -1});
  EXPECT_NE(msg.find("detail_levels"), std::string::npos) << msg;
}

TEST(WaveletEncode, DetailLevelsAboveL_n) {
  const std::string msg = error_of(300, {10, 6});
  EXPECT_NE(msg.find("detail_levels = 6"), std::string::npos) << msg;
  EXPECT_NE(msg.find("L = 5"), std::string::npos) << msg;
  EXPECT_NO_THROW(fer::wavelet_shape(300, {10, 5}));
}

TEST(WaveletEncode, EmptyTrajectory_n) {
  const std::string msg = error_of(0, {});
  EXPECT_NE(msg.find("T >= 1"), std::string::npos) << msg;
}

TEST(WaveletEncode, BadChannelsOrSampleCount_n) {
  EXPECT_THROW(fer::wavelet_encode(std::vector<float>{}, 1, 0), fer::Error);
  try {
    fer::wavelet_encode(std::vector<float>(5), 3, 2);
    FAIL() << "expected fer::Error";
  } catch (const fer::Error& e) {
    EXPECT_NE(std::string(e.what()).find("T = 3 x C = 2"), std::string::npos) << e.what();
  }
}
