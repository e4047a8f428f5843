// gemm.h in WebAssembly SIMD128 (the wasm build, which has no OpenBLAS): a blocked GEMM in the
// GotoBLAS/BLIS shape, written for this model's products — M = a batch (or a share of one: 32–256
// rows) or a block of a layer's input width (dW = aᵀ·dy), N and K among 784, 512, 256, 20.
//
// Blocking: for each NC-wide block of columns and KC-deep block of the sum, op(B) is packed once
// into strips of kNR columns ([KC, kNR] each, kNR values per k contiguous); then for each
// MC-tall block of rows op(A) is packed into strips of kMR rows ([KC, kMR], kMR per k contiguous),
// and the micro-kernel sums a kMR × kNR tile of C in registers over the KC-deep strip pair. Packing
// turns all three transpose cases the trainer uses (NN, TN, NT) into one kernel, makes its loads
// contiguous, and pads the edges with zeros so the kernel never branches on them.
//
// The micro-kernel is 4 × 8: 8 accumulators + 2 B vectors + 1 broadcast A value stay within the 16
// xmm registers V8 allocates on x86-64 (VAE_GEMM_MR=5 or 6, and unrolling k by 4, measured 30–40 %
// slower in Node 20 on Zen 4: spills). It runs at 40–45 GFLOP/s there, ~0.4× OpenBLAS' AVX2 kernels
// (80–110 GFLOP/s), which have twice the lanes and fuse each multiply-add — a ceiling of 0.5×. SIMD128
// has no fused multiply-add (relaxed SIMD is not in every engine yet), so each step is a mul and
// an add: the sums round like OpenBLAS without FMA, in another order; results agree with the
// addon's to float32 rounding, not bit for bit.
#include <wasm_simd128.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <new>

#include "gemm.h"

namespace vae {

namespace {

#ifndef VAE_GEMM_MR  // for measuring other tiles; see above
#define VAE_GEMM_MR 4
#endif
constexpr int kMR = VAE_GEMM_MR;  // rows of the register tile
constexpr int kNR = 8;    // columns of the register tile: two v128 of floats
constexpr int kKC = 256;  // depth of a packed block: a [kKC, kNR] strip of B is 8 KB, in L1 with the A strip
constexpr int kMC = 96;   // rows of A packed at a time: 96 KB at kKC, in L2
constexpr int kNC = 512;  // columns of B packed at a time: 512 KB at kKC

/** Per-thread packing buffers (each trainer thread calls gemm on its own share). */
struct PackBuffers {
  float* a = nullptr;
  float* b = nullptr;
  PackBuffers() {
    a = static_cast<float*>(std::aligned_alloc(16, sizeof(float) * kMC * kKC));
    b = static_cast<float*>(std::aligned_alloc(16, sizeof(float) * kNC * kKC));
    if (!a || !b) throw std::bad_alloc();
  }
  ~PackBuffers() {
    std::free(a);
    std::free(b);
  }
};

/** op(A)[i0 : i0+mc, p0 : p0+kc] as strips of kMR rows: strip s holds, for each k, its kMR values; rows past mc are 0. */
void packA(bool trans, const float* a, int lda, int i0, int mc, int p0, int kc, float* dst) {
  for (int s = 0; s < mc; s += kMR) {
    const int rows = std::min(kMR, mc - s);
    float* strip = dst + static_cast<size_t>(s) * kc;
    if (trans) {  // A(i, p) = a[p·lda + i]: a strip's kMR values for one k lie side by side
      for (int p = 0; p < kc; p++) {
        const float* src = a + static_cast<size_t>(p0 + p) * lda + i0 + s;
        float* out = strip + p * kMR;
        if (kMR == 4 && rows == kMR) {
          wasm_v128_store(out, wasm_v128_load(src));
        } else {
          for (int r = 0; r < kMR; r++) out[r] = r < rows ? src[r] : 0.0f;
        }
      }
    } else {  // A(i, p) = a[i·lda + p]: read kMR rows along k, 4 k at a time transposed in registers
      const float* row[kMR];
      for (int r = 0; r < kMR; r++) row[r] = r < rows ? a + static_cast<size_t>(i0 + s + r) * lda + p0 : nullptr;
      int p = 0;
      if (kMR == 4 && rows == kMR) {
        for (; p + 4 <= kc; p += 4) {
          const v128_t r0 = wasm_v128_load(row[0] + p), r1 = wasm_v128_load(row[1] + p);
          const v128_t r2 = wasm_v128_load(row[2] + p), r3 = wasm_v128_load(row[3] + p);
          const v128_t t0 = wasm_i32x4_shuffle(r0, r1, 0, 4, 1, 5), t1 = wasm_i32x4_shuffle(r2, r3, 0, 4, 1, 5);
          const v128_t t2 = wasm_i32x4_shuffle(r0, r1, 2, 6, 3, 7), t3 = wasm_i32x4_shuffle(r2, r3, 2, 6, 3, 7);
          float* out = strip + p * kMR;
          wasm_v128_store(out, wasm_i64x2_shuffle(t0, t1, 0, 2));
          wasm_v128_store(out + 4, wasm_i64x2_shuffle(t0, t1, 1, 3));
          wasm_v128_store(out + 8, wasm_i64x2_shuffle(t2, t3, 0, 2));
          wasm_v128_store(out + 12, wasm_i64x2_shuffle(t2, t3, 1, 3));
        }
      }
      for (; p < kc; p++)
        for (int r = 0; r < kMR; r++) strip[p * kMR + r] = row[r] ? row[r][p] : 0.0f;
    }
  }
}

/** op(B)[p0 : p0+kc, j0 : j0+nc] as strips of kNR columns: strip s holds, for each k, its kNR values; columns past nc are 0. */
void packB(bool trans, const float* b, int ldb, int p0, int kc, int j0, int nc, float* dst) {
  for (int s = 0; s < nc; s += kNR) {
    const int cols = std::min(kNR, nc - s);
    float* strip = dst + static_cast<size_t>(s) * kc;
    if (!trans) {  // B(p, j) = b[p·ldb + j]: kNR values side by side
      for (int p = 0; p < kc; p++) {
        const float* src = b + static_cast<size_t>(p0 + p) * ldb + j0 + s;
        float* out = strip + p * kNR;
        if (cols == kNR) {
          wasm_v128_store(out, wasm_v128_load(src));
          wasm_v128_store(out + 4, wasm_v128_load(src + 4));
        } else {
          for (int c = 0; c < kNR; c++) out[c] = c < cols ? src[c] : 0.0f;
        }
      }
    } else if (cols == kNR) {  // B(p, j) = b[j·ldb + p]: 4 k of 8 rows of b at a time, transposed in registers
      const float* row[kNR];
      for (int c = 0; c < kNR; c++) row[c] = b + static_cast<size_t>(j0 + s + c) * ldb + p0;
      int p = 0;
      for (; p + 4 <= kc; p += 4) {
        float* out = strip + p * kNR;
        for (int half = 0; half < 2; half++) {
          const v128_t r0 = wasm_v128_load(row[4 * half] + p), r1 = wasm_v128_load(row[4 * half + 1] + p);
          const v128_t r2 = wasm_v128_load(row[4 * half + 2] + p), r3 = wasm_v128_load(row[4 * half + 3] + p);
          const v128_t t0 = wasm_i32x4_shuffle(r0, r1, 0, 4, 1, 5), t1 = wasm_i32x4_shuffle(r2, r3, 0, 4, 1, 5);
          const v128_t t2 = wasm_i32x4_shuffle(r0, r1, 2, 6, 3, 7), t3 = wasm_i32x4_shuffle(r2, r3, 2, 6, 3, 7);
          wasm_v128_store(out + 4 * half, wasm_i64x2_shuffle(t0, t1, 0, 2));
          wasm_v128_store(out + kNR + 4 * half, wasm_i64x2_shuffle(t0, t1, 1, 3));
          wasm_v128_store(out + 2 * kNR + 4 * half, wasm_i64x2_shuffle(t2, t3, 0, 2));
          wasm_v128_store(out + 3 * kNR + 4 * half, wasm_i64x2_shuffle(t2, t3, 1, 3));
        }
      }
      for (; p < kc; p++)
        for (int c = 0; c < kNR; c++) strip[p * kNR + c] = row[c][p];
    } else {  // a ragged last strip: column by column
      for (int c = 0; c < kNR; c++) {
        if (c < cols) {
          const float* src = b + static_cast<size_t>(j0 + s + c) * ldb + p0;
          for (int p = 0; p < kc; p++) strip[p * kNR + c] = src[p];
        } else {
          for (int p = 0; p < kc; p++) strip[p * kNR + c] = 0.0f;
        }
      }
    }
  }
}

/**
 * C[0:rows, 0:cols] (+)= Σ_p A[p]·B[p] over one packed kMR strip of A and kNR strip of B, kc deep.
 * `accumulate`: add to C, else overwrite it (C is then not read).
 */
void microKernel(int kc, const float* __restrict A, const float* __restrict B, float* C, int ldc, bool accumulate, int rows, int cols) {
  v128_t tile[kMR][2];
  for (int r = 0; r < kMR; r++) tile[r][0] = tile[r][1] = wasm_f32x4_splat(0);
  for (int p = 0; p < kc; p++) {
    const v128_t b0 = wasm_v128_load(B), b1 = wasm_v128_load(B + 4);
    for (int r = 0; r < kMR; r++) {  // unrolled: kMR is a constant
      const v128_t a = wasm_v128_load32_splat(A + r);
      tile[r][0] = wasm_f32x4_add(tile[r][0], wasm_f32x4_mul(a, b0));
      tile[r][1] = wasm_f32x4_add(tile[r][1], wasm_f32x4_mul(a, b1));
    }
    A += kMR;
    B += kNR;
  }
  if (rows == kMR && cols == kNR) {
    for (int r = 0; r < kMR; r++) {
      float* out = C + static_cast<size_t>(r) * ldc;
      v128_t lo = tile[r][0], hi = tile[r][1];
      if (accumulate) {
        lo = wasm_f32x4_add(wasm_v128_load(out), lo);
        hi = wasm_f32x4_add(wasm_v128_load(out + 4), hi);
      }
      wasm_v128_store(out, lo);
      wasm_v128_store(out + 4, hi);
    }
    return;
  }
  alignas(16) float part[kMR][kNR];
  for (int r = 0; r < kMR; r++) {
    wasm_v128_store(part[r], tile[r][0]);
    wasm_v128_store(part[r] + 4, tile[r][1]);
  }
  for (int r = 0; r < rows; r++) {
    float* out = C + static_cast<size_t>(r) * ldc;
    for (int c = 0; c < cols; c++) out[c] = accumulate ? out[c] + part[r][c] : part[r][c];
  }
}

}  // namespace

void useGemmThreads(int) {}  // the trainer's own threads share the work; no pool of the GEMM's own

bool gemmHasThreads() { return false; }

void gemm(bool ta, bool tb, int m, int n, int k, const float* a, int lda, const float* b, int ldb, float beta, float* c, int ldc) {
  if (m <= 0 || n <= 0) return;
  if (k <= 0) {  // nothing to sum: C = beta·C
    for (int i = 0; i < m; i++)
      for (int j = 0; j < n; j++) c[static_cast<size_t>(i) * ldc + j] = beta == 0 ? 0.0f : beta * c[static_cast<size_t>(i) * ldc + j];
    return;
  }
  if (beta != 0.0f && beta != 1.0f) {  // not used by the trainer; kept correct for any beta
    for (int i = 0; i < m; i++)
      for (int j = 0; j < n; j++) c[static_cast<size_t>(i) * ldc + j] *= beta;
    beta = 1.0f;
  }
  thread_local PackBuffers pack;
  for (int j0 = 0; j0 < n; j0 += kNC) {
    const int nc = std::min(kNC, n - j0);
    for (int p0 = 0; p0 < k; p0 += kKC) {
      const int kc = std::min(kKC, k - p0);
      // The first block of the sum applies beta (0: overwrite, 1: add); later ones add.
      const bool accumulate = p0 > 0 || beta != 0.0f;
      packB(tb, b, ldb, p0, kc, j0, nc, pack.b);
      for (int i0 = 0; i0 < m; i0 += kMC) {
        const int mc = std::min(kMC, m - i0);
        packA(ta, a, lda, i0, mc, p0, kc, pack.a);
        for (int js = 0; js < nc; js += kNR) {
          const float* bStrip = pack.b + static_cast<size_t>(js) * kc;
          for (int is = 0; is < mc; is += kMR) {
            microKernel(kc, pack.a + static_cast<size_t>(is) * kc, bStrip, c + static_cast<size_t>(i0 + is) * ldc + j0 + js, ldc,
                        accumulate, std::min(kMR, mc - is), std::min(kNR, nc - js));
          }
        }
      }
    }
  }
}

}  // namespace vae
