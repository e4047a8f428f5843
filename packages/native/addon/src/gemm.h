// The one matrix product the trainer's dense layers, heads and importance weights are made of, and
// the only place a BLAS enters the core: OpenBLAS' sgemm in the addon (gemm_openblas.cc), a blocked
// WebAssembly SIMD128 kernel in the wasm build (gemm_simd128.cc). Everything else is shared source.
#pragma once

namespace vae {

/**
 * C = op(A)·op(B) + beta·C, row-major, single precision; op(X) = Xᵀ when the flag is set.
 * op(A) is [m, k], op(B) [k, n], C [m, n] with leading dimensions lda, ldb, ldc. beta is 0 or 1
 * here (C is then not read when 0). k = 0 gives C = beta·C; m or n = 0 does nothing.
 */
void gemm(bool transA, bool transB, int m, int n, int k, const float* a, int lda, const float* b, int ldb, float beta, float* c,
          int ldc);

/**
 * The threads the GEMM itself may use inside each call (OpenBLAS' pool: `blas` mode; 1 for the
 * trainer's own schedules). Called at the start of every step under ScopedFlushDenormals.
 */
void useGemmThreads(int threads);

/** Whether the GEMM can use threads of its own (the `blas` schedule needs it). */
bool gemmHasThreads();

}  // namespace vae
