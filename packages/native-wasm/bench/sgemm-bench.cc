// The machine's sgemm limit for the wasm GEMM's comparison (bench/step-bench.mjs --gemm): OpenBLAS
// on the same products of a step, one thread, as the addon calls it.
//   g++ -O2 -I/usr/include/openblas bench/sgemm-bench.cc -lopenblas -o /tmp/sgemm-bench
//   OPENBLAS_NUM_THREADS=1 OPENBLAS_CORETYPE=Haswell /tmp/sgemm-bench 64 256
#include <cblas.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

int main(int argc, char** argv) {
  const int dims[][2] = {{784, 512}, {512, 256}, {256, 512}, {512, 784}, {20, 256}};
  for (int arg = 1; arg < argc; arg++) {
    const int n = std::atoi(argv[arg]);
    for (const auto& d : dims) {
      const int k = d[0], m = d[1];
      struct Case { const char* name; bool ta, tb; int M, N, K; } cases[] = {{"NN", false, false, n, m, k}, {"TN", true, false, k, m, n}, {"NT", false, true, n, k, m}};
      for (const Case& c : cases) {
        std::vector<float> a(static_cast<size_t>(c.M) * c.K, 0.25f), b(static_cast<size_t>(c.K) * c.N, 0.5f), out(static_cast<size_t>(c.M) * c.N);
        const double flops = 2.0 * c.M * c.N * c.K;
        const int reps = std::max(3, static_cast<int>(2e9 / flops / 4));
        std::printf("gemm %s %d×%d×%d:", c.name, c.M, c.N, c.K);
        for (int r = 0; r < 3; r++) {
          const auto t0 = std::chrono::steady_clock::now();
          for (int i = 0; i < reps; i++)
            cblas_sgemm(CblasRowMajor, c.ta ? CblasTrans : CblasNoTrans, c.tb ? CblasTrans : CblasNoTrans, c.M, c.N, c.K, 1.0f, a.data(),
                        c.ta ? c.M : c.K, b.data(), c.tb ? c.K : c.N, 0.0f, out.data(), c.N);
          const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
          std::printf("%s %.1f", r ? " /" : "", flops * reps / s / 1e9);
        }
        std::printf(" GFLOP/s\n");
      }
    }
  }
}
