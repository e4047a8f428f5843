// gemm.h on OpenBLAS (the addon, both builds).
#include <cblas.h>

#include <atomic>
#include <mutex>

#include "gemm.h"

namespace vae {

namespace {
// OpenBLAS' own (fork handler's) way to stop its worker threads; they are started again, from the
// calling thread, by the next openblas_set_num_threads. Weak: a BLAS without it keeps its threads.
extern "C" int blas_thread_shutdown_(void) __attribute__((weak));

// OpenBLAS' thread count is process-wide; remember what we asked for last.
std::atomic<int> gBlasThreads{-1};
std::once_flag gBlasRestart;
}  // namespace

void useGemmThreads(int k) {
  // OpenBLAS starts its workers when it loads, with the loading thread's floating-point mode, and
  // they keep it: once per process they are started again from here, where flush-to-zero is on, so
  // they inherit it (denormals.h). Only the prebuilt's OpenBLAS is ours alone; the source build's
  // is the system's, shared with anything else in the process that calls it.
  std::call_once(gBlasRestart, [] {
    if (blas_thread_shutdown_ != nullptr && blas_thread_shutdown_() == 0) gBlasThreads.store(-1, std::memory_order_relaxed);
  });
  if (gBlasThreads.load(std::memory_order_relaxed) != k) {
    openblas_set_num_threads(k);
    gBlasThreads.store(k, std::memory_order_relaxed);
  }
}

bool gemmHasThreads() { return true; }

void gemm(bool ta, bool tb, int m, int n, int k, const float* a, int lda, const float* b, int ldb, float beta, float* c, int ldc) {
  if (m <= 0 || n <= 0) return;
  if (k <= 0) {  // nothing to sum: C = beta·C
    for (int i = 0; i < m; i++)
      for (int j = 0; j < n; j++) c[static_cast<size_t>(i) * ldc + j] = beta == 0 ? 0.0f : beta * c[static_cast<size_t>(i) * ldc + j];
    return;
  }
  cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, m, n, k, 1.0f, a, lda, b, ldb, beta, c,
              ldc);
}

}  // namespace vae
