// SPDX-License-Identifier: LGPL-2.1-or-later
// fer_fma_peak — the single-core float peak the networks' achieved GFLOP/s
// are compared with (docs/performance.md): twelve independent chains of
// fused multiply-adds on the widest vectors the CPU has (AVX-512, else
// AVX2), long enough that the loop is bound by the FMA units alone.
#include <chrono>
#include <cstdio>

#include <immintrin.h>

namespace {

double gflops(long iterations, int lanes, double seconds) {
  return iterations * 12.0 * lanes * 2 / seconds / 1e9;
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// Twelve named accumulators (an array would live in memory); the loop is
// written out per instruction set: a vector type cannot cross a call into
// code compiled for another one.
#define FER_FMA_CHAINS(FMA)                                                     \
  for (long i = 0; i < n; ++i) {                                                \
    a0 = FMA(a0, b, c); a1 = FMA(a1, b, c); a2 = FMA(a2, b, c);                 \
    a3 = FMA(a3, b, c); a4 = FMA(a4, b, c); a5 = FMA(a5, b, c);                 \
    a6 = FMA(a6, b, c); a7 = FMA(a7, b, c); a8 = FMA(a8, b, c);                 \
    a9 = FMA(a9, b, c); a10 = FMA(a10, b, c); a11 = FMA(a11, b, c);             \
  }

__attribute__((target("avx512f"))) double peak512(long n, float& sink) {
  const __m512 b = _mm512_set1_ps(1.0000001f), c = _mm512_set1_ps(1e-7f);
  __m512 a0 = c, a1 = c, a2 = c, a3 = c, a4 = c, a5 = c, a6 = c, a7 = c, a8 = c, a9 = c, a10 = c, a11 = c;
  const auto start = std::chrono::steady_clock::now();
  FER_FMA_CHAINS(_mm512_fmadd_ps)
  const double s = seconds_since(start);
  const __m512 sum = a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11;
  sink = sum[0];
  return gflops(n, 16, s);
}

__attribute__((target("avx2,fma"))) double peak256(long n, float& sink) {
  const __m256 b = _mm256_set1_ps(1.0000001f), c = _mm256_set1_ps(1e-7f);
  __m256 a0 = c, a1 = c, a2 = c, a3 = c, a4 = c, a5 = c, a6 = c, a7 = c, a8 = c, a9 = c, a10 = c, a11 = c;
  const auto start = std::chrono::steady_clock::now();
  FER_FMA_CHAINS(_mm256_fmadd_ps)
  const double s = seconds_since(start);
  const __m256 sum = a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11;
  sink = sum[0];
  return gflops(n, 8, s);
}

}  // namespace

int main() {
  __builtin_cpu_init();
  const bool avx512 = __builtin_cpu_supports("avx512f");
  if (!avx512 && !__builtin_cpu_supports("fma")) {
    std::puts("fer_fma_peak: no FMA on this CPU");
    return 1;
  }
  double best = 0;
  for (int run = 0; run < 5; ++run) {  // the first run is the warm-up
    float sink = 0;
    const double g = avx512 ? peak512(200000000, sink) : peak256(200000000, sink);
    if (sink < 0) return 1;  // keeps the chains' results alive
    if (run > 0 && g > best) best = g;
  }
  std::printf("%s FMA peak, one core: %.1f GFLOP/s\n", avx512 ? "AVX-512" : "AVX2", best);
  return 0;
}
