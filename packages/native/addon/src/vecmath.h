// Branch-free float exp / log1p that GCC and Clang auto-vectorize (no libm calls, no -ffast-math).
// Accuracy: about 1–2 ulp (Cephes polynomials), plenty for a loss summed in double.
#pragma once
#include <cstdint>
#include <cstring>

// Always inlined: a call to an out-of-line copy (GCC's inliner may leave one when the unit grows)
// keeps the loops around it from vectorizing, which makes them slower and, where they sum, sum in
// another order — and that copy is compiled for baseline x86-64 even inside a target_clones kernel.
#define VAE_ALWAYS_INLINE inline __attribute__((always_inline))

namespace vae {

VAE_ALWAYS_INLINE float bitsToFloat(uint32_t u) {
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}
VAE_ALWAYS_INLINE uint32_t floatToBits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  return u;
}

/** e^x for any float x; results below ~e^-87 flush to ~1.6e-38, above e^88.3 saturate at ~2e38. */
VAE_ALWAYS_INLINE float expApprox(float x) {
  x = x < -87.0f ? -87.0f : x;
  x = x > 88.3f ? 88.3f : x;
  // n = round(x / ln 2) with the 1.5·2^23 trick (exact for |n| < 2^22); its bits give the integer.
  const float t = x * 1.44269504088896341f + 12582912.0f;
  const float n = t - 12582912.0f;
  const int32_t ni = static_cast<int32_t>(floatToBits(t)) - 0x4B400000;
  // r = x − n·ln2 in two parts (Cody–Waite).
  float r = x - n * 0.693359375f;
  r = r + n * 2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  const float y = p * (r * r) + r + 1.0f;
  return y * bitsToFloat(static_cast<uint32_t>(ni + 127) << 23);
}

/** log(1 + e) for e in [0, 1] (all we need: e = exp(−|l|)). */
VAE_ALWAYS_INLINE float log1pUnit(float e) {
  // log(1 + e) = k·ln2 + log(1 + f): k = 0, f = e for e ≤ √2 − 1; else k = 1, f = (1 + e)/2 − 1 = (e − 1)/2.
  const bool hi = e > 0.41421356f;
  const float f = hi ? (e - 1.0f) * 0.5f : e;
  const float k = hi ? 1.0f : 0.0f;
  const float z = f * f;
  float p = 7.0376836292e-2f;
  p = p * f - 1.1514610310e-1f;
  p = p * f + 1.1676998740e-1f;
  p = p * f - 1.2420140846e-1f;
  p = p * f + 1.4249322787e-1f;
  p = p * f - 1.6668057665e-1f;
  p = p * f + 2.0000714765e-1f;
  p = p * f - 2.4999993993e-1f;
  p = p * f + 3.3333331174e-1f;
  float y = f * z * p;
  y = y - 2.12194440e-4f * k;
  y = y - 0.5f * z;
  return f + y + 0.693359375f * k;
}

}  // namespace vae
