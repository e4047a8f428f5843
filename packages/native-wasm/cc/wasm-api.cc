// The C entry points of the wasm build of vae::Trainer (the core in ../../native/addon/src, the
// same sources as the addon; this file is to the wasm build what addon.cc is to the addon). The
// TypeScript binding (src/binding.ts) copies arrays into the heap, checks every argument and names
// the field; here exceptions become a status and a message (vae_last_error).
#include <emscripten/emscripten.h>

#include <cmath>
#include <cstdint>
#include <exception>
#include <new>
#include <stdexcept>
#include <string>

#include "gemm.h"
#include "trainer.h"

namespace {

// Set by a call that failed; the calls come from the JavaScript thread only.
std::string gLastError;
// vae_tensor_name's result lives here until the next call.
std::string gName;

template <typename F>
int guarded(F&& body) {
  try {
    body();
    return 0;
  } catch (const std::invalid_argument& e) {  // a layer without a kernel, an impossible shape
    gLastError = std::string("Trainer: ") + e.what();
  } catch (const std::bad_alloc&) {
    gLastError = "vae_native_wasm: out of memory (the WebAssembly heap cannot grow further)";
  } catch (const std::exception& e) {
    gLastError = std::string("vae_native_wasm: ") + e.what();
  }
  return 1;
}

}  // namespace

extern "C" {

EMSCRIPTEN_KEEPALIVE const char* vae_last_error() { return gLastError.c_str(); }

/** Whether this build has threads (shared memory and workers) or runs one thread only. */
EMSCRIPTEN_KEEPALIVE int vae_has_threads() {
#if defined(__EMSCRIPTEN_PTHREADS__)
  return 1;
#else
  return 0;
#endif
}

/** parallel: 0 split, 1 data, 2 auto (`blas` needs a GEMM with threads of its own: refused by the binding). */
EMSCRIPTEN_KEEPALIVE vae::Options* vae_options_new(int inputDim, int latentDim, double learningRate, double beta1, double beta2,
                                                   double epsilon, double klBeta, int gaussian, double gaussianLo, double gaussianHi,
                                                   double gaussianSigma, int gaussianIncludeConstant, int threads, int parallel,
                                                   int sparseInput) {
  auto* o = new vae::Options();
  o->inputDim = inputDim;
  o->latentDim = latentDim;
  o->encoder.clear();
  o->decoder.clear();
  o->learningRate = learningRate;
  o->beta1 = beta1;
  o->beta2 = beta2;
  o->epsilon = epsilon;
  o->klBeta = klBeta;
  o->reconstruction = gaussian ? vae::Reconstruction::Gaussian : vae::Reconstruction::Bernoulli;
  o->gaussianLo = gaussianLo;
  o->gaussianHi = gaussianHi;
  o->gaussianSigma = gaussianSigma;
  o->gaussianIncludeConstant = gaussianIncludeConstant != 0;
  o->threads = threads;
  o->parallel = parallel == 0 ? vae::Parallel::Split : parallel == 1 ? vae::Parallel::Data : vae::Parallel::Auto;
  o->sparseInput = sparseInput != 0;
  return o;
}

/** Appends a layer to the encoder (decoder = 0) or the decoder; the trainer checks it. */
EMSCRIPTEN_KEEPALIVE void vae_options_add_layer(vae::Options* o, int decoder, const char* type, int units, const char* activation,
                                                const char* name) {
  (decoder ? o->decoder : o->encoder).push_back(vae::LayerSpec{type, units, activation, name});
}

EMSCRIPTEN_KEEPALIVE void vae_options_delete(vae::Options* o) { delete o; }

/** A trainer of these options (zeroed weights), or null with vae_last_error set. */
EMSCRIPTEN_KEEPALIVE vae::Trainer* vae_trainer_new(const vae::Options* o) {
  vae::Trainer* trainer = nullptr;
  guarded([&] { trainer = new vae::Trainer(*o); });
  return trainer;
}

EMSCRIPTEN_KEEPALIVE void vae_trainer_delete(vae::Trainer* t) { delete t; }

EMSCRIPTEN_KEEPALIVE int vae_tensor_count(const vae::Trainer* t) { return static_cast<int>(t->tensorCount()); }
EMSCRIPTEN_KEEPALIVE int vae_tensor_size(const vae::Trainer* t, int i) { return static_cast<int>(t->tensorSize(i)); }
EMSCRIPTEN_KEEPALIVE const char* vae_tensor_name(const vae::Trainer* t, int i) {
  gName = t->tensorName(i);
  return gName.c_str();
}

EMSCRIPTEN_KEEPALIVE void vae_set_tensor(vae::Trainer* t, int i, const float* src) { t->setTensor(i, src); }
EMSCRIPTEN_KEEPALIVE void vae_get_tensor(const vae::Trainer* t, int i, float* dst) { t->getTensor(i, dst); }
EMSCRIPTEN_KEEPALIVE void vae_set_moment(vae::Trainer* t, int second, int i, const float* src) { t->setMoment(second != 0, i, src); }
EMSCRIPTEN_KEEPALIVE void vae_get_moment(const vae::Trainer* t, int second, int i, float* dst) { t->getMoment(second != 0, i, dst); }
EMSCRIPTEN_KEEPALIVE void vae_get_gradient(const vae::Trainer* t, int i, float* dst) { t->getGradient(i, dst); }

/** out: iterations, accBeta1, accBeta2. */
EMSCRIPTEN_KEEPALIVE void vae_get_adam_scalars(const vae::Trainer* t, double* out) {
  out[0] = static_cast<double>(t->iterations);
  out[1] = t->accBeta1;
  out[2] = t->accBeta2;
}
EMSCRIPTEN_KEEPALIVE void vae_set_adam_scalars(vae::Trainer* t, double iterations, double accBeta1, double accBeta2) {
  t->iterations = static_cast<int64_t>(iterations);
  t->accBeta1 = static_cast<float>(accBeta1);
  t->accBeta2 = static_cast<float>(accBeta2);
}

EMSCRIPTEN_KEEPALIVE void vae_set_kl_beta(vae::Trainer* t, double beta) { t->setKlBeta(beta); }

EMSCRIPTEN_KEEPALIVE int vae_step(vae::Trainer* t, const float* x, int n, const float* eps, double* loss) {
  return guarded([&] { *loss = t->step(x, n, eps); });
}

/** stepRows on rows the binding has checked: indices[i] < rows of images. */
EMSCRIPTEN_KEEPALIVE int vae_step_rows(vae::Trainer* t, const uint8_t* images, const uint32_t* indices, const float* table, int n,
                                       const float* eps, double* loss) {
  return guarded([&] { *loss = t->stepRows(vae::Trainer::Rows{images, indices, table}, n, eps); });
}

EMSCRIPTEN_KEEPALIVE int vae_gradients(vae::Trainer* t, const float* x, int n, const float* eps, double* loss) {
  return guarded([&] { *loss = t->gradients(x, n, eps); });
}

/** out: loss, lossMu, recon, kl. */
EMSCRIPTEN_KEEPALIVE int vae_evaluate(vae::Trainer* t, const float* x, int n, const float* eps, double* out) {
  return guarded([&] {
    const vae::Evaluation e = t->evaluate(x, n, eps);
    out[0] = e.loss;
    out[1] = e.lossMu;
    out[2] = e.recon;
    out[3] = e.kl;
  });
}

EMSCRIPTEN_KEEPALIVE int vae_log_importance_weights(vae::Trainer* t, const float* x, int n, int k, const float* eps, float* out) {
  return guarded([&] { t->logImportanceWeights(x, n, k, eps, out); });
}

/** The core's GEMM on its own, for tests and benchmarks (gemm.h). */
EMSCRIPTEN_KEEPALIVE void vae_gemm(int transA, int transB, int m, int n, int k, const float* a, int lda, const float* b, int ldb,
                                   float beta, float* c, int ldc) {
  vae::gemm(transA != 0, transB != 0, m, n, k, a, lda, b, ldb, beta, c, ldc);
}

}  // extern "C"
