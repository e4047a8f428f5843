#include "trainer.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <new>
#include <stdexcept>
#include <tuple>

#include "denormals.h"
#include "dispatch.h"
#include "gemm.h"
#include "ops.h"
#include "vecmath.h"

namespace vae {

namespace {

constexpr int kSparseChunk = 64;  // output columns kept in registers while the sparse lists stream by

}  // namespace

struct alignas(64) Partial {
  double recon = 0, reconMu = 0, kl = 0;
};

struct Trainer::PartialSlots {
  explicit PartialSlots(int n) : slots(static_cast<size_t>(n)) {}
  std::vector<Partial> slots;
};

/**
 * How the threads share a step — the threading schedule, kept apart from the model's math (the
 * ops and their kernels, ops.h):
 * - cutting (Split; also one thread and Blas, where T = 1): every phase of every op is cut into
 *   column blocks of whatever width its kernel works along, or into row blocks, as the op asks
 *   (Op::forwardCut, Op::backwardCut); the threads meet between phases, except before a
 *   columnLocal one (a fused epilogue on the same blocks); Adam updates each block of parameters
 *   right after its gradient, inside the backward kernels, on the thread that computed it;
 * - row slices (Data): each thread runs every phase whole on its slice of the batch into its own
 *   gradient buffer, meeting no one; then one barrier, and each thread sums the buffers over its
 *   share of the parameters inside the Adam update (reduceGradients).
 */
struct Trainer::Schedule {
  bool rowSlices;
  int n;
  bool adam;  // a step: parameters are updated
  const std::vector<Buffer>* grads;

  /** Thread t's share of a phase the op cuts as `cut`. */
  Part part(Cut cut, int t, int T) const {
    int r0, r1;
    if (rowSlices) {
      rowBlock(n, t, T, r0, r1);
      return Part{r0, r1, 0, 1, t, r0, false, (*grads)[t].data};
    }
    if (cut == Cut::Columns) return Part{0, n, t, T, t, 0, adam, (*grads)[0].data};
    rowBlock(n, t, T, r0, r1);
    return Part{r0, r1, 0, 1, t, 0, adam, (*grads)[0].data};
  }
  /** Whether the threads meet between a phase cut as `previous` and the next one. */
  bool meets(Cut previous, Cut next, bool columnLocal) const {
    return !rowSlices && !(columnLocal && previous == Cut::Columns && next == Cut::Columns);
  }
};

struct Trainer::Job {
  Mode mode;
  const float* x;
  int n;
  const float* eps;
  const Rows* rows;  // set by stepRows: x (= input_) is filled from these first
  Partial* partials;
  float oma1, oma2;  // 1 − β₁ᵗ, 1 − β₂ᵗ as tfjs computes them (float32)
  Schedule schedule;
};

void Trainer::Buffer::resize(size_t n) {
  std::free(data);
  data = nullptr;
  size = 0;
  if (n == 0) return;
  const size_t bytes = roundUp(n * sizeof(float), 64);
  data = static_cast<float*>(std::aligned_alloc(64, bytes));
  if (!data) throw std::bad_alloc();
  std::memset(data, 0, bytes);
  size = n;
}

Trainer::Buffer::~Buffer() { std::free(data); }

Trainer::Trainer(const Options& options) : opt_(options), pool_(options.parallel == Parallel::Blas ? 1 : options.threads) {
  auto addLayer = [this](const std::string& name, int in, int out, bool relu) {
    Layer l{in, out, 0, 0, relu};
    l.w = paramCount_;
    tensors_.push_back({name + ".kernel", paramCount_, static_cast<size_t>(in) * out});
    paramCount_ = roundUp(paramCount_ + static_cast<size_t>(in) * out, kAlign);
    l.b = paramCount_;
    tensors_.push_back({name + ".bias", paramCount_, static_cast<size_t>(out)});
    paramCount_ = roundUp(paramCount_ + out, kAlign);
    maxWidth_ = std::max({maxWidth_, in, out});
    return l;
  };
  // Only what the ops have kernels for; anything else is refused, never trained as something else.
  auto relu = [](const LayerSpec& s, const std::string& where) {
    if (s.type != "dense") throw std::invalid_argument(where + ": the native trainer has no kernel for a '" + s.type + "' layer (it has: dense)");
    if (s.name.empty()) throw std::invalid_argument(where + ".name: expected the layer's name (its weights are <name>.kernel, <name>.bias)");
    if (s.units < 1) throw std::invalid_argument(where + ".units: expected a positive integer, got " + std::to_string(s.units));
    if (s.activation == "relu") return true;
    if (s.activation == "linear") return false;
    throw std::invalid_argument(where + ".activation: the native trainer has no kernel for '" + s.activation + "' (it has: relu, linear)");
  };
  if (opt_.inputDim < 1 || opt_.latentDim < 1) throw std::invalid_argument("inputDim and latentDim must be at least 1");
  if (opt_.decoder.empty()) throw std::invalid_argument("decoder: needs at least one layer (the last gives the logits)");
  const LayerSpec& out = opt_.decoder.back();
  const std::string outWhere = "decoder[" + std::to_string(opt_.decoder.size() - 1) + "]";
  if (relu(out, outWhere) || out.units != opt_.inputDim)
    throw std::invalid_argument(outWhere + ": the decoder's last layer gives the logits: expected a linear dense layer of inputDim = " +
                                std::to_string(opt_.inputDim) + " units, got " + out.activation + " with " + std::to_string(out.units));
  int width = opt_.inputDim;
  for (size_t i = 0; i < opt_.encoder.size(); i++) {
    const LayerSpec& spec = opt_.encoder[i];
    const std::string where = "encoder[" + std::to_string(i) + "]";
    encoder_.push_back(addLayer(spec.name, width, spec.units, relu(spec, where)));
    width = spec.units;
  }
  mu_ = addLayer("mu", width, opt_.latentDim, false);
  logvar_ = addLayer("logvar", width, opt_.latentDim, false);
  width = opt_.latentDim;
  for (size_t j = 0; j < opt_.decoder.size(); j++) {
    const LayerSpec& spec = opt_.decoder[j];
    const std::string where = "decoder[" + std::to_string(j) + "]";
    decoder_.push_back(addLayer(spec.name, width, spec.units, relu(spec, where)));
    width = spec.units;
  }
  params_.resize(paramCount_);
  m_.resize(paramCount_);
  v_.resize(paramCount_);
  grads_.resize(opt_.parallel == Parallel::Data || opt_.parallel == Parallel::Auto ? std::max(1, opt_.threads) : 1);
  for (auto& g : grads_) g.resize(paramCount_);
  enc_.resize(encoder_.size());
  dec_.resize(decoder_.size() - 1);
  buildOps();
  partials_ = std::make_unique<PartialSlots>(pool_.threads());
  colCount_.resize(static_cast<size_t>(pool_.threads()) * opt_.inputDim);
  strip_.resize(pool_.threads());
  iwScratch_.resize(pool_.threads());  // allocated by the first logImportanceWeights

  // tfjs turns each JS number into a float32 scalar tensor: beta1, 1 − beta1 (computed in double), …
  b1_ = static_cast<float>(opt_.beta1);
  b2_ = static_cast<float>(opt_.beta2);
  omb1_ = static_cast<float>(1.0 - opt_.beta1);
  omb2_ = static_cast<float>(1.0 - opt_.beta2);
  eps_ = static_cast<float>(opt_.epsilon);
  negLr_ = static_cast<float>(-opt_.learningRate);
  accBeta1 = b1_;
  accBeta2 = b2_;
}

Trainer::~Trainer() = default;

// The chain: encoder layers, heads, decoder layers, reconstruction term. Each op reads the one
// before it; its consumer writes dL/d(its output) into its dOut slot.
void Trainer::buildOps() {
  int producer = -1;
  bool relu = false;
  auto link = [&](std::unique_ptr<Op> op, bool outputRelu) {
    op->producer = producer;
    op->inputRelu = relu;
    ops_.push_back(std::move(op));
    producer = static_cast<int>(ops_.size()) - 1;
    relu = outputRelu;
  };
  for (size_t i = 0; i < encoder_.size(); i++) link(std::make_unique<DenseOp>(encoder_[i], &enc_[i], i == 0), encoder_[i].relu);
  latentOp_ = ops_.size();
  link(std::make_unique<GaussianHeadsOp>(opt_.latentDim, &mu_a_, &z_a_), false);
  ops_.back()->dOut = GradSlot{&dz_, false};
  for (size_t j = 0; j < decoder_.size(); j++) {
    Buffer* out = j + 1 == decoder_.size() ? &logits_ : &dec_[j];
    link(std::make_unique<DenseOp>(decoder_[j], out, false), decoder_[j].relu);
  }
  ops_.back()->dOut = GradSlot{&logits_, false};  // dL/dlogits over the logits
  link(std::make_unique<ReconstructionOp>(opt_.inputDim), false);
  // The other gradients go to the two shared scratch buffers in turn, in backward order.
  Buffer* scratch[2] = {&gradA_, &gradB_};
  int flip = 0;
  for (size_t i = ops_.size(); i-- > 0;) {
    const int p = ops_[i]->producer;
    if (p >= 0 && !ops_[p]->dOut.buffer) ops_[p]->dOut = GradSlot{scratch[flip ^= 1], true};
  }
}

const float* Trainer::inputOf(const Op& op, const Pass& pass) const {
  return op.producer < 0 ? pass.job.x : ops_[op.producer]->output(pass.mean);
}

float* Trainer::gradAt(const GradSlot& slot, int width, const Part& part) const {
  // Threads not in step (Data) may write one layer's gradient while another writes another's, of
  // another width: each keeps its rows in its own region (rows from scratchRow on at maxWidth_ per
  // row), addressed as a [n, width] matrix for the layer at hand.
  return slot.shared ? slot.buffer->data + static_cast<size_t>(part.scratchRow) * (maxWidth_ - width) : slot.buffer->data;
}

void Trainer::copyIn(Buffer& buf, size_t i, const float* src) {
  std::memcpy(buf.data + tensors_[i].offset, src, tensors_[i].size * sizeof(float));
}
void Trainer::copyOut(const Buffer& buf, size_t i, float* dst) const {
  std::memcpy(dst, buf.data + tensors_[i].offset, tensors_[i].size * sizeof(float));
}

void Trainer::ensureCapacity(int n) {
  if (n <= capacity_) return;
  const size_t rows = static_cast<size_t>(n);
  for (size_t i = 0; i < encoder_.size(); i++) enc_[i].resize(rows * encoder_[i].out);
  for (size_t j = 0; j + 1 < decoder_.size(); j++) dec_[j].resize(rows * decoder_[j].out);
  const size_t lat = rows * opt_.latentDim;
  for (Buffer* b : {&mu_a_, &logvar_a_, &std_a_, &z_a_, &dmu_, &dlogvar_, &dz_}) b->resize(lat);
  logits_.resize(rows * opt_.inputDim);
  gradA_.resize(rows * maxWidth_);
  gradB_.resize(rows * maxWidth_);
  nzIndex_.resize(rows * opt_.inputDim);
  nzValue_.resize(rows * opt_.inputDim);
  nzCount_.resize(rows);
  for (auto& s : strip_) s.resize(std::max(rows, static_cast<size_t>(opt_.inputDim)) * kSparseChunk);
  capacity_ = n;
}

// Adam exactly as tfjs' AdamOptimizer.applyGradients, element by element in float32:
//   m ← m·β₁ + g·(1−β₁);  v ← v·β₂ + g²·(1−β₂)
//   w ← (m/(1−β₁ᵗ)) / (√(v/(1−β₂ᵗ)) + ε) · (−lr) + w
// (tfjs' CPU kernels compute each op in double and round to float32, which for +, −, ·, /, √ of
// float32 operands is the same as the float32 op; we build with -ffp-contract=off, so no FMA).
namespace {
struct AdamConstants {
  float b1, b2, omb1, omb2, eps, negLr, oma1, oma2;
};
/** One parameter's update, given its gradient g (the formula above). */
inline void adamElement(const AdamConstants& k, float g, float& m, float& v, float& w) {
  float mi = m * k.b1 + g * k.omb1;
  float vi = v * k.b2 + (g * g) * k.omb2;
  if constexpr (!kCanFlushDenormals) {
    // No flush-to-zero mode to set (WebAssembly has none: its floats are always IEEE): store
    // moments below 2⁻¹²⁶ as 0, as the mode would make them (denormals.h), so none lingers subnormal.
    mi = std::fabs(mi) < kMinNormalFloat ? 0.0f : mi;
    vi = vi < kMinNormalFloat ? 0.0f : vi;
  }
  m = mi;
  v = vi;
  w = ((mi / k.oma1) / (std::sqrt(vi / k.oma2) + k.eps)) * k.negLr + w;
}
}  // namespace

// One loop per count of gradient buffers, so the common cases (1, 2) stay branch-free and vectorized.
VAE_KERNEL void Trainer::adamRange(size_t begin, size_t end, int gradBuffers) {
  float* __restrict w = params_.data;
  float* __restrict m = m_.data;
  float* __restrict v = v_.data;
  const float* __restrict g0 = grads_[0].data;
  const AdamConstants k{b1_, b2_, omb1_, omb2_, eps_, negLr_, oma1_, oma2_};
  if (gradBuffers == 1) {
    for (size_t i = begin; i < end; i++) adamElement(k, g0[i], m[i], v[i], w[i]);
  } else if (gradBuffers == 2) {
    const float* __restrict g1 = grads_[1].data;
    for (size_t i = begin; i < end; i++) adamElement(k, g0[i] + g1[i], m[i], v[i], w[i]);
  } else {
    for (size_t i = begin; i < end; i++) {
      float g = g0[i];
      for (int b = 1; b < gradBuffers; b++) g += grads_[b].data[i];
      adamElement(k, g, m[i], v[i], w[i]);
    }
  }
}

/** y[r0:r1, c0:c1] = act(a[r0:r1] · W[:, c0:c1] + b[c0:c1]). */
VAE_KERNEL void Trainer::forwardDense(const Layer& l, const float* a, int lda, int r0, int r1, int c0, int c1, bool relu, float* y) {
  if (r1 <= r0 || c1 <= c0) return;
  const float* W = params_.data + l.w;
  const float* __restrict bias = params_.data + l.b;
  gemm(false, false, r1 - r0, c1 - c0, l.in, a + static_cast<size_t>(r0) * lda, lda, W + c0, l.out, 0.0f,
       y + static_cast<size_t>(r0) * l.out + c0, l.out);
  for (int r = r0; r < r1; r++) {
    float* __restrict row = y + static_cast<size_t>(r) * l.out;
    if (relu) {
      for (int c = c0; c < c1; c++) {
        const float s = row[c] + bias[c];
        row[c] = s > 0.0f ? s : 0.0f;
      }
    } else {
      for (int c = c0; c < c1; c++) row[c] = row[c] + bias[c];
    }
  }
}

namespace {

// 8 floats, loaded from any float address. GCC/Clang vector extensions: AVX/AVX-512 or NEON code
// without intrinsics. Hand-vectorized because the auto-vectorizer turns the loop below into gathers.
typedef float Floats8 __attribute__((vector_size(32), aligned(4)));

#if defined(__clang__)
#define VAE_FUSE_MULTIPLY_ADD _Pragma("clang fp contract(fast)")
#define VAE_FUSE_ATTRIBUTE
#else
#define VAE_FUSE_MULTIPLY_ADD
#define VAE_FUSE_ATTRIBUTE __attribute__((optimize("fp-contract=fast")))
#endif

/**
 * out[0:64] = Σ_k val[k] · row(idx[k])[0:64], row(i) = base + i·64 (a strip): the sparse-times-dense kernel
 * of both first-layer products. 8 independent accumulators hide the multiply-add latency; fused
 * multiply-adds here only (the build turns contraction off for Adam's bit-exactness).
 */
VAE_KERNEL VAE_FUSE_ATTRIBUTE void sparseCombine64(const int32_t* __restrict idx, const float* __restrict val, int count,
                                                   const float* __restrict base, float* __restrict out) {
  VAE_FUSE_MULTIPLY_ADD  // first in the block: clang accepts its pragma nowhere else
  constexpr size_t stride = kSparseChunk;
  Floats8 a0 = {}, a1 = {}, a2 = {}, a3 = {}, a4 = {}, a5 = {}, a6 = {}, a7 = {};
  for (int k = 0; k < count; k++) {
    const Floats8 v = Floats8{} + val[k];
    const Floats8* row = reinterpret_cast<const Floats8*>(base + static_cast<size_t>(idx[k]) * stride);
    a0 += v * row[0];
    a1 += v * row[1];
    a2 += v * row[2];
    a3 += v * row[3];
    a4 += v * row[4];
    a5 += v * row[5];
    a6 += v * row[6];
    a7 += v * row[7];
  }
  Floats8* o = reinterpret_cast<Floats8*>(out);
  o[0] = a0;
  o[1] = a1;
  o[2] = a2;
  o[3] = a3;
  o[4] = a4;
  o[5] = a5;
  o[6] = a6;
  o[7] = a7;
}

/** sparseCombine64 for two lists at once: twice the independent multiply-adds in flight. */
VAE_KERNEL VAE_FUSE_ATTRIBUTE void sparseCombine64x2(const int32_t* __restrict idxA, const float* __restrict valA, int countA,
                                                     const int32_t* __restrict idxB, const float* __restrict valB, int countB,
                                                     const float* __restrict base, float* __restrict outA, float* __restrict outB) {
  VAE_FUSE_MULTIPLY_ADD  // first in the block: clang accepts its pragma nowhere else
  constexpr size_t stride = kSparseChunk;
  Floats8 a0 = {}, a1 = {}, a2 = {}, a3 = {}, a4 = {}, a5 = {}, a6 = {}, a7 = {};
  Floats8 b0 = {}, b1 = {}, b2 = {}, b3 = {}, b4 = {}, b5 = {}, b6 = {}, b7 = {};
  const int both = std::min(countA, countB);
  int k = 0;
  for (; k < both; k++) {
    const Floats8 va = Floats8{} + valA[k];
    const Floats8 vb = Floats8{} + valB[k];
    const Floats8* ra = reinterpret_cast<const Floats8*>(base + static_cast<size_t>(idxA[k]) * stride);
    const Floats8* rb = reinterpret_cast<const Floats8*>(base + static_cast<size_t>(idxB[k]) * stride);
    a0 += va * ra[0]; b0 += vb * rb[0];
    a1 += va * ra[1]; b1 += vb * rb[1];
    a2 += va * ra[2]; b2 += vb * rb[2];
    a3 += va * ra[3]; b3 += vb * rb[3];
    a4 += va * ra[4]; b4 += vb * rb[4];
    a5 += va * ra[5]; b5 += vb * rb[5];
    a6 += va * ra[6]; b6 += vb * rb[6];
    a7 += va * ra[7]; b7 += vb * rb[7];
  }
  for (int j = k; j < countA; j++) {
    const Floats8 va = Floats8{} + valA[j];
    const Floats8* ra = reinterpret_cast<const Floats8*>(base + static_cast<size_t>(idxA[j]) * stride);
    a0 += va * ra[0]; a1 += va * ra[1]; a2 += va * ra[2]; a3 += va * ra[3];
    a4 += va * ra[4]; a5 += va * ra[5]; a6 += va * ra[6]; a7 += va * ra[7];
  }
  for (int j = k; j < countB; j++) {
    const Floats8 vb = Floats8{} + valB[j];
    const Floats8* rb = reinterpret_cast<const Floats8*>(base + static_cast<size_t>(idxB[j]) * stride);
    b0 += vb * rb[0]; b1 += vb * rb[1]; b2 += vb * rb[2]; b3 += vb * rb[3];
    b4 += vb * rb[4]; b5 += vb * rb[5]; b6 += vb * rb[6]; b7 += vb * rb[7];
  }
  Floats8* oa = reinterpret_cast<Floats8*>(outA);
  Floats8* ob = reinterpret_cast<Floats8*>(outB);
  oa[0] = a0; oa[1] = a1; oa[2] = a2; oa[3] = a3; oa[4] = a4; oa[5] = a5; oa[6] = a6; oa[7] = a7;
  ob[0] = b0; ob[1] = b1; ob[2] = b2; ob[3] = b3; ob[4] = b4; ob[5] = b5; ob[6] = b6; ob[7] = b7;
}

/** out[c0:c1] = Σ_k val[k] · row(idx[k])[c0:c1] for columns c0..c1 (a narrow tail, or any width). */
VAE_KERNEL void sparseCombineNarrow(const int32_t* idx, const float* val, int count, const float* base, size_t stride, int c0,
                                    int c1, float* out) {
  for (int c = c0; c < c1; c++) {
    float sum = 0.0f;
    for (int k = 0; k < count; k++) sum += val[k] * base[static_cast<size_t>(idx[k]) * stride + c];
    out[c] = sum;
  }
}

}  // namespace

// Both first-layer products go strip by strip of 64 output columns, the sparse lists innermost. Each
// strip of W or dy is first copied into a contiguous [rows, 64] buffer: read in place, its rows lie
// 2 KB apart (512 floats), a power-of-two stride that maps them onto few cache sets, and the
// strip falls out of L1 and L2 long before its size says it should.

/** strip[r, 0:64] = src[r, c:c+64] for rows r0..r1 of a [rows, ld] matrix. */
static void copyStrip(const float* src, size_t ld, int c, int r0, int r1, float* strip) {
  for (int r = r0; r < r1; r++)
    std::memcpy(strip + static_cast<size_t>(r) * kSparseChunk, src + static_cast<size_t>(r) * ld + c, kSparseChunk * sizeof(float));
}

/** forwardDense of the first layer from the nonzeros of the input rows r0..r1; t: the calling thread. */
VAE_KERNEL void Trainer::forwardSparseInput(const Layer& l, int r0, int r1, int c0, int c1, float* y, int t) {
  if (r1 <= r0 || c1 <= c0) return;
  const size_t D = static_cast<size_t>(opt_.inputDim);
  const float* W = params_.data + l.w;
  const float* __restrict bias = params_.data + l.b;
  float* strip = strip_[t].data;
  int c = c0;
  for (; c + kSparseChunk <= c1; c += kSparseChunk) {
    copyStrip(W, l.out, c, 0, l.in, strip);
    int r = r0;
    for (; r + 1 < r1; r += 2)
      sparseCombine64x2(nzIndex_.data() + r * D, nzValue_.data() + r * D, nzCount_[r], nzIndex_.data() + (r + 1) * D,
                        nzValue_.data() + (r + 1) * D, nzCount_[r + 1], strip, y + static_cast<size_t>(r) * l.out + c,
                        y + static_cast<size_t>(r + 1) * l.out + c);
    if (r < r1)
      sparseCombine64(nzIndex_.data() + r * D, nzValue_.data() + r * D, nzCount_[r], strip,
                      y + static_cast<size_t>(r) * l.out + c);
  }
  for (int r = r0; r < r1; r++) {
    float* __restrict row = y + static_cast<size_t>(r) * l.out;
    if (c < c1) sparseCombineNarrow(nzIndex_.data() + r * D, nzValue_.data() + r * D, nzCount_[r], W, l.out, c, c1, row);
    if (l.relu) {
      for (int j = c0; j < c1; j++) {
        const float s = row[j] + bias[j];
        row[j] = s > 0.0f ? s : 0.0f;
      }
    } else {
      for (int j = c0; j < c1; j++) row[j] = row[j] + bias[j];
    }
  }
}

/**
 * dW[k0:k1, :] = xᵀ·dy of the first layer from the nonzeros of rows r0..r1 of the input, pixel by
 * pixel (see indexColumns); t: the calling thread.
 */
VAE_KERNEL void Trainer::weightGradSparseInput(const Layer& l, int n, int r0, int r1, const int32_t* counts, const float* dy, int k0,
                                               int k1, float* grad, int t) {
  float* dW = grad + l.w;
  float* strip = strip_[t].data;
  int c = 0;
  for (; c + kSparseChunk <= l.out; c += kSparseChunk) {
    copyStrip(dy, l.out, c, r0, r1, strip);
    int p = k0;
    for (; p + 1 < k1; p += 2) {
      const size_t at = static_cast<size_t>(p) * n + r0, bt = at + n;
      sparseCombine64x2(colRow_.data() + at, colValue_.data() + at, counts[p], colRow_.data() + bt, colValue_.data() + bt, counts[p + 1],
                        strip, dW + static_cast<size_t>(p) * l.out + c, dW + static_cast<size_t>(p + 1) * l.out + c);
    }
    if (p < k1) {
      const size_t at = static_cast<size_t>(p) * n + r0;
      sparseCombine64(colRow_.data() + at, colValue_.data() + at, counts[p], strip, dW + static_cast<size_t>(p) * l.out + c);
    }
  }
  if (c < l.out) {
    for (int p = k0; p < k1; p++) {
      const size_t at = static_cast<size_t>(p) * n + r0;
      sparseCombineNarrow(colRow_.data() + at, colValue_.data() + at, counts[p], dy, l.out, c, l.out, dW + static_cast<size_t>(p) * l.out);
    }
  }
}

/**
 * Gradients of one dense layer from dy = dL/d(pre-activation) [n, out] over rows r0..r1:
 * dW[k0:k1, :] = a[:, k0:k1]ᵀ·dy, db[c0:c1] = Σ_rows dy[:, c0:c1], and (if dx) dx[:, k0:k1] = dy·W[k0:k1, :]ᵀ,
 * masked by a > 0 when a is a ReLU output, which makes it the next layer's dy. With `adam` the
 * rows k0..k1 of W and entries c0..c1 of b are updated right away (only this thread touches them).
 */
VAE_KERNEL void Trainer::backwardDense(const Layer& l, const float* a, int lda, bool aIsRelu, const float* dy, int r0, int r1, int k0,
                                       int k1, int c0, int c1, float* grad, float* dx, bool adam, const int32_t* sparseCounts, int n, int thread) {
  const int rows = r1 - r0;
  const float* dyr = dy + static_cast<size_t>(r0) * l.out;
  if (k1 > k0) {
    if (sparseCounts) {
      weightGradSparseInput(l, n, r0, r1, sparseCounts, dy, k0, k1, grad, thread);
    } else {
      gemm(true, false, k1 - k0, l.out, rows, a + static_cast<size_t>(r0) * lda + k0, lda, dyr, l.out, 0.0f,
           grad + l.w + static_cast<size_t>(k0) * l.out, l.out);
    }
    if (dx) {
      gemm(false, true, rows, k1 - k0, l.out, dyr, l.out, params_.data + l.w + static_cast<size_t>(k0) * l.out, l.out, 0.0f,
           dx + static_cast<size_t>(r0) * l.in + k0, l.in);
      if (aIsRelu) {
        for (int r = r0; r < r1; r++) {
          float* __restrict d = dx + static_cast<size_t>(r) * l.in;
          const float* __restrict act = a + static_cast<size_t>(r) * lda;
          for (int k = k0; k < k1; k++) d[k] = act[k] > 0.0f ? d[k] : 0.0f;
        }
      }
    }
    if (adam) adamRange(l.w + static_cast<size_t>(k0) * l.out, l.w + static_cast<size_t>(k1) * l.out, 1);
  }
  if (c1 > c0) {
    float* __restrict gb = grad + l.b;
    for (int c = c0; c < c1; c++) gb[c] = 0.0f;
    for (int r = r0; r < r1; r++) {
      const float* __restrict row = dy + static_cast<size_t>(r) * l.out;
      for (int c = c0; c < c1; c++) gb[c] += row[c];
    }
    if (adam) adamRange(l.b + c0, l.b + c1, 1);
  }
}

/** mu, logvar, std = exp(logvar/2), z = mu + std·eps for rows r0..r1; adds their KL to `kl`. */
VAE_KERNEL void Trainer::heads(int r0, int r1, const float* h, int ldh, const float* eps, double& kl) {
  if (r1 <= r0) return;
  const int L = opt_.latentDim;
  forwardDense(mu_, h, ldh, r0, r1, 0, L, false, mu_a_.data);
  forwardDense(logvar_, h, ldh, r0, r1, 0, L, false, logvar_a_.data);
  const size_t begin = static_cast<size_t>(r0) * L, end = static_cast<size_t>(r1) * L;
  const float* __restrict mu = mu_a_.data;
  const float* __restrict lv = logvar_a_.data;
  float* __restrict sd = std_a_.data;
  float* __restrict z = z_a_.data;
  double sum = 0;
#pragma omp simd reduction(+ : sum)
  for (size_t i = begin; i < end; i++) {
    const float s = expApprox(lv[i] * 0.5f);
    sd[i] = s;
    z[i] = mu[i] + s * eps[i];
    // KL = −½ Σ (1 + logvar − mu² − e^logvar), summed here as Σ(…) and scaled below.
    sum += static_cast<double>(((lv[i] + 1.0f) - mu[i] * mu[i]) - expApprox(lv[i]));
  }
  kl += -0.5 * sum;
}

/** dL/dmu and dL/dlogvar for rows r0..r1: the path through z (from dz) plus β times the KL's own. */
VAE_KERNEL void Trainer::headGrads(int r0, int r1, const float* eps) {
  const int L = opt_.latentDim;
  const float beta = static_cast<float>(opt_.klBeta);
  const size_t begin = static_cast<size_t>(r0) * L, end = static_cast<size_t>(r1) * L;
  const float* __restrict mu = mu_a_.data;
  const float* __restrict lv = logvar_a_.data;
  const float* __restrict sd = std_a_.data;
  const float* __restrict dz = dz_.data;
  float* __restrict dmu = dmu_.data;
  float* __restrict dlv = dlogvar_.data;
  for (size_t i = begin; i < end; i++) {
    dmu[i] = dz[i] + mu[i] * beta;
    dlv[i] = (dz[i] * eps[i]) * (sd[i] * 0.5f) + ((expApprox(lv[i]) - 1.0f) * 0.5f) * beta;
  }
}

/**
 * The heads' gradients over rows r0..r1, from dL/dmu and dL/dlogvar (headGrads): dW[k0:k1, :] = hᵀ·dmu
 * (and dlogvar), db[c0:c1]; with dh, dh[:, k0:k1] = dmu·W_muᵀ + dlogvar·W_logvarᵀ, masked by h > 0
 * when h is a ReLU output. With `adam` those rows of W and entries of b are updated right away.
 */
VAE_KERNEL void Trainer::headsBackward(const float* h, int ldh, bool hIsRelu, int r0, int r1, int k0, int k1, int c0, int c1,
                                       float* grad, float* dh, bool adam) {
  const int L = opt_.latentDim;
  const int hw = mu_.in;
  const int rows = r1 - r0;
  if (k1 > k0) {
    for (const Layer* l : {&mu_, &logvar_}) {
      const float* d = (l == &mu_ ? dmu_.data : dlogvar_.data) + static_cast<size_t>(r0) * L;
      gemm(true, false, k1 - k0, L, rows, h + static_cast<size_t>(r0) * ldh + k0, ldh, d, L, 0.0f, grad + l->w + static_cast<size_t>(k0) * L, L);
      if (dh)
        gemm(false, true, rows, k1 - k0, L, d, L, params_.data + l->w + static_cast<size_t>(k0) * L, L, l == &mu_ ? 0.0f : 1.0f,
             dh + static_cast<size_t>(r0) * hw + k0, hw);
    }
    if (dh && hIsRelu) {
      for (int r = r0; r < r1; r++) {
        float* __restrict d = dh + static_cast<size_t>(r) * hw;
        const float* __restrict act = h + static_cast<size_t>(r) * ldh;
        for (int k = k0; k < k1; k++) d[k] = act[k] > 0.0f ? d[k] : 0.0f;
      }
    }
    if (adam) {
      adamRange(mu_.w + static_cast<size_t>(k0) * L, mu_.w + static_cast<size_t>(k1) * L, 1);
      adamRange(logvar_.w + static_cast<size_t>(k0) * L, logvar_.w + static_cast<size_t>(k1) * L, 1);
    }
  }
  for (const Layer* l : {&mu_, &logvar_}) {
    const float* d = l == &mu_ ? dmu_.data : dlogvar_.data;
    float* gb = grad + l->b;
    for (int c = c0; c < c1; c++) gb[c] = 0.0f;
    for (int r = r0; r < r1; r++)
      for (int c = c0; c < c1; c++) gb[c] += d[static_cast<size_t>(r) * L + c];
    if (adam && c1 > c0) adamRange(l->b + c0, l->b + c1, 1);
  }
}

/**
 * Reconstruction term over rows r0..r1 and pixels c0..c1 of the logits; writes dL/dlogits into g
 * (may alias logits) when g is not null. Returns the Bernoulli NLL, or Σ(mean − x)² for Gaussian.
 */
VAE_KERNEL double Trainer::reconRows(const float* x, const float* logits, float* g, int r0, int r1, int c0, int c1) {
  const int D = opt_.inputDim;
  double total = 0;
  if (opt_.reconstruction == Reconstruction::Bernoulli) {
    for (int r = r0; r < r1; r++) {
      const float* xr = x + static_cast<size_t>(r) * D;
      const float* lr = logits + static_cast<size_t>(r) * D;
      float* gr = g ? g + static_cast<size_t>(r) * D : nullptr;
      double sum = 0;
      if (gr) {
#pragma omp simd reduction(+ : sum)
        for (int c = c0; c < c1; c++) {
          const float l = lr[c], t = xr[c];
          const float e = expApprox(l < 0.0f ? l : -l);  // e^−|l|
          // max(l, 0) − l·x + log(1 + e^−|l|), finite for any l.
          sum += static_cast<double>(((l > 0.0f ? l : 0.0f) - l * t) + log1pUnit(e));
          const float inv = 1.0f / (1.0f + e);
          gr[c] = (l >= 0.0f ? inv : e * inv) - t;  // sigmoid(l) − x
        }
      } else {
#pragma omp simd reduction(+ : sum)
        for (int c = c0; c < c1; c++) {
          const float l = lr[c], t = xr[c];
          const float e = expApprox(l < 0.0f ? l : -l);
          sum += static_cast<double>(((l > 0.0f ? l : 0.0f) - l * t) + log1pUnit(e));
        }
      }
      total += sum;
    }
    return total;
  }
  const float lo = static_cast<float>(opt_.gaussianLo);
  const float span = static_cast<float>(opt_.gaussianHi - opt_.gaussianLo);
  const float invVar = static_cast<float>(1.0 / (opt_.gaussianSigma * opt_.gaussianSigma));
  for (int r = r0; r < r1; r++) {
    const float* xr = x + static_cast<size_t>(r) * D;
    const float* lr = logits + static_cast<size_t>(r) * D;
    float* gr = g ? g + static_cast<size_t>(r) * D : nullptr;
    double sum = 0;
#pragma omp simd reduction(+ : sum)
    for (int c = c0; c < c1; c++) {
      const float l = lr[c];
      const float e = expApprox(l < 0.0f ? l : -l);
      const float inv = 1.0f / (1.0f + e);
      const float s = l >= 0.0f ? inv : e * inv;
      const float err = (s * span + lo) - xr[c];
      sum += static_cast<double>(err * err);
      if (gr) gr[c] = (err * invVar) * ((s * (1.0f - s)) * span);
    }
    total += sum;
  }
  return total;
}

/**
 * −log p(x|z) of one row, from the last layer's output before its bias (`pre`): reconRows' terms
 * with the bias added on the fly, and the Gaussian scale and constant applied. Sums in float, not
 * double (that halves the vector width): every term is ≥ 0 and each lane adds ~50 of them for
 * 784 pixels, so the sum is good to ~1e-6 relative.
 */
VAE_KERNEL double Trainer::reconLossRow(const float* __restrict pre, const float* __restrict bias, const float* __restrict x) const {
  const int D = opt_.inputDim;
  float sum = 0;
  if (opt_.reconstruction == Reconstruction::Bernoulli) {
#pragma omp simd reduction(+ : sum)
    for (int c = 0; c < D; c++) {
      const float l = pre[c] + bias[c], t = x[c];
      const float e = expApprox(l < 0.0f ? l : -l);  // max(l, 0) − l·x + log(1 + e^−|l|)
      sum += ((l > 0.0f ? l : 0.0f) - l * t) + log1pUnit(e);
    }
    return sum;
  }
  const float lo = static_cast<float>(opt_.gaussianLo);
  const float span = static_cast<float>(opt_.gaussianHi - opt_.gaussianLo);
#pragma omp simd reduction(+ : sum)
  for (int c = 0; c < D; c++) {
    const float l = pre[c] + bias[c];
    const float e = expApprox(l < 0.0f ? l : -l);
    const float inv = 1.0f / (1.0f + e);
    const float err = ((l >= 0.0f ? inv : e * inv) * span + lo) - x[c];
    sum += err * err;
  }
  double nll = 0.5 / (opt_.gaussianSigma * opt_.gaussianSigma) * sum;
  if (opt_.gaussianIncludeConstant) nll += D * (std::log(opt_.gaussianSigma) + 0.5 * std::log(2 * M_PI));
  return nll;
}

struct Trainer::ImportanceJob {
  const float* x;
  int n, k;
  const float* eps;
  float* out;
  alignas(64) std::atomic<int> nextImage{0};
  alignas(64) std::atomic<int64_t> nextRow{0};
};

namespace {
struct JobCtx {
  Trainer* self;
  Trainer::Job* job;
};
void stepEntry(void* ctx, int t, int T) {
  auto* c = static_cast<JobCtx*>(ctx);
  c->self->runStep(*c->job, t, T);
}
struct ImportanceCtx {
  Trainer* self;
  Trainer::ImportanceJob* job;
};
void importanceEntry(void* ctx, int t, int T) {
  auto* c = static_cast<ImportanceCtx*>(ctx);
  c->self->runImportance(*c->job, t, T);
}

}  // namespace

// Rows r0..r1 of the batch: gathered and normalized into job.x first (stepRows), then indexed as
// sparse rows (the indices and values of their nonzero entries, in order), one row at a time while
// it is in L1.
VAE_KERNEL void Trainer::prepareRows(const Job& job, int r0, int r1) {
  const size_t D = static_cast<size_t>(opt_.inputDim);
  for (int r = r0; r < r1; r++) {
    float* __restrict xr = const_cast<float*>(job.x) + static_cast<size_t>(r) * D;
    if (job.rows) {
      const uint8_t* __restrict src = job.rows->images + static_cast<size_t>(job.rows->indices[r]) * D;
      const float* __restrict table = job.rows->table;
      for (size_t j = 0; j < D; j++) xr[j] = table[src[j]];
    }
    int32_t* __restrict idx = nzIndex_.data() + static_cast<size_t>(r) * D;
    float* __restrict val = nzValue_.data() + static_cast<size_t>(r) * D;
    int count = 0;
    for (size_t j = 0; j < D; j++) {  // branch-free compaction
      const float v = xr[j];
      idx[count] = static_cast<int32_t>(j);
      val[count] = v;
      count += v != 0.0f;
    }
    nzCount_[r] = count;
  }
}

VAE_KERNEL bool Trainer::sparseInput(int r0, int r1) const {
  if (!opt_.sparseInput || encoder_.empty() || r1 <= r0) return false;
  int64_t nonzeros = 0;
  for (int r = r0; r < r1; r++) nonzeros += nzCount_[r];
  return static_cast<double>(nonzeros) <= kSparseInputMaxDensity * (r1 - r0) * opt_.inputDim;
}

// The nonzeros of rows r0..r1 in pixels k0..k1, pixel by pixel: pixel p's at p·n + r0, counts[p] of them, rows ascending.
void Trainer::indexColumns(int n, int r0, int r1, int k0, int k1, int32_t* counts) {
  const size_t D = static_cast<size_t>(opt_.inputDim);
  for (int p = k0; p < k1; p++) counts[p] = 0;
  int32_t* __restrict rowsOut = colRow_.data();
  float* __restrict valuesOut = colValue_.data();
  for (int r = r0; r < r1; r++) {
    const int32_t* idx = nzIndex_.data() + r * D;
    const float* val = nzValue_.data() + r * D;
    const int count = nzCount_[r];
    for (int k = 0; k < count; k++) {
      const int p = idx[k];
      if (p < k0 || p >= k1) continue;
      const size_t at = static_cast<size_t>(p) * n + r0 + counts[p]++;
      rowsOut[at] = r;
      valuesOut[at] = val[k];
    }
  }
}

// The ops' kernels, each on the share of its work the schedule hands it (Part).

void Trainer::DenseOp::forward(Trainer& tr, Pass& pass, const Part& p) const {
  int c0, c1;
  p.cols(layer_.out, c0, c1);
  if (sparseCapable_) {  // reads the batch: decide on the rows this share reads, keep it for backward
    pass.sparse = tr.sparseInput(p.r0, p.r1);
    if (pass.sparse) {
      if (pass.train) {  // the input-width block's pixels, for this share of dW
        int k0, k1;
        p.cols(layer_.in, k0, k1);
        tr.indexColumns(pass.job.n, p.r0, p.r1, k0, k1, tr.colCount_.data() + static_cast<size_t>(p.thread) * tr.opt_.inputDim);
      }
      tr.forwardSparseInput(layer_, p.r0, p.r1, c0, c1, out_->data, p.thread);
      return;
    }
  }
  tr.forwardDense(layer_, tr.inputOf(*this, pass), layer_.in, p.r0, p.r1, c0, c1, layer_.relu, out_->data);
}

// Cuts the input width k: a share owns rows k0..k1 of W, computes those rows of dW and columns
// k0..k1 of dx (which read only its own rows of W), then may update its rows of W — no other
// share reads them any more in this step.
void Trainer::DenseOp::backward(Trainer& tr, Pass& pass, const Part& p, int) const {
  int k0, k1, c0, c1;
  p.cols(layer_.in, k0, k1);
  p.cols(layer_.out, c0, c1);
  const float* dy = tr.gradAt(dOut, layer_.out, p);
  float* dx = producer < 0 ? nullptr : tr.gradAt(tr.ops_[producer]->dOut, layer_.in, p);
  const int32_t* counts =
      sparseCapable_ && pass.sparse ? tr.colCount_.data() + static_cast<size_t>(p.thread) * tr.opt_.inputDim : nullptr;
  tr.backwardDense(layer_, tr.inputOf(*this, pass), layer_.in, inputRelu, dy, p.r0, p.r1, k0, k1, c0, c1, p.grad, dx, p.adam, counts,
                   pass.job.n, p.thread);
}

void Trainer::GaussianHeadsOp::forward(Trainer& tr, Pass& pass, const Part& p) const {
  tr.heads(p.r0, p.r1, tr.inputOf(*this, pass), tr.mu_.in, pass.job.eps, pass.kl);
}

void Trainer::GaussianHeadsOp::backward(Trainer& tr, Pass& pass, const Part& p, int phase) const {
  if (phase == 0) {
    tr.headGrads(p.r0, p.r1, pass.job.eps);
    return;
  }
  const int hw = tr.mu_.in;
  int k0, k1, c0, c1;
  p.cols(hw, k0, k1);
  p.cols(width, c0, c1);
  float* dh = producer < 0 ? nullptr : tr.gradAt(tr.ops_[producer]->dOut, hw, p);
  tr.headsBackward(tr.inputOf(*this, pass), hw, inputRelu, p.r0, p.r1, k0, k1, c0, c1, p.grad, dh, p.adam);
}

void Trainer::ReconstructionOp::forward(Trainer& tr, Pass& pass, const Part& p) const {
  int c0, c1;
  p.cols(width, c0, c1);
  float* g = pass.train && !pass.mean ? tr.gradAt(tr.ops_[producer]->dOut, width, p) : nullptr;  // over the logits
  const double sum = tr.reconRows(pass.job.x, tr.inputOf(*this, pass), g, p.r0, p.r1, c0, c1);
  (pass.mean ? pass.reconMu : pass.recon) += sum;
}

// The one driver: the batch, then the ops forward, then backward (or, for evaluate, the decoder
// again with z = mu), each phase shared out by the schedule.
VAE_KERNEL void Trainer::runStep(Job& job, int t, int T) {
  const Schedule& schedule = job.schedule;
  Barrier& bar = pool_.barrier();
  Pass pass{job};
  pass.train = job.mode != Mode::Evaluate;
  // The batch: every share of rows gathered (stepRows) and indexed as sparse rows by one thread.
  const Part rows = schedule.part(Cut::Rows, t, T);
  prepareRows(job, rows.r0, rows.r1);
  Cut previous = Cut::Rows;
  auto share = [&](Cut cut, bool columnLocal) {
    if (schedule.meets(previous, cut, columnLocal)) bar.wait();
    previous = cut;
    return schedule.part(cut, t, T);
  };
  if (!schedule.rowSlices || rows.r1 > rows.r0) {
    for (const auto& op : ops_) op->forward(*this, pass, share(op->forwardCut(), op->columnLocal()));
    if (!pass.train) {
      pass.mean = true;
      for (size_t i = latentOp_ + 1; i < ops_.size(); i++) ops_[i]->forward(*this, pass, share(ops_[i]->forwardCut(), ops_[i]->columnLocal()));
    } else {
      for (size_t i = ops_.size(); i-- > 0;) {
        const Op& op = *ops_[i];
        for (int phase = 0; phase < op.backwardPhases(); phase++) op.backward(*this, pass, share(op.backwardCut(phase), false), phase);
      }
    }
  } else if (pass.train) {
    std::memset(grads_[t].data, 0, paramCount_ * sizeof(float));  // fewer rows than threads: this share is empty
  }
  Partial& partial = job.partials[t];
  partial.recon = pass.recon;
  partial.reconMu = pass.reconMu;
  partial.kl = pass.kl;
  if (schedule.rowSlices && pass.train) {
    bar.wait();
    reduceGradients(job, t, T);
  }
}

// Thread t reduces (and updates) its share of every tensor, so the split stays even.
VAE_KERNEL void Trainer::reduceGradients(const Job& job, int t, int T) {
  for (const Tensor& tensor : tensors_) {
    int p0, p1;
    block(static_cast<int>(tensor.size), t, T, p0, p1);
    if (p1 <= p0) continue;
    if (job.mode == Mode::Step) {
      adamRange(tensor.offset + p0, tensor.offset + p1, T);
    } else {
      float* __restrict g0 = grads_[0].data;
      for (int b = 1; b < T; b++) {
        const float* __restrict gb = grads_[b].data;
        for (size_t i = tensor.offset + p0; i < tensor.offset + p1; i++) g0[i] += gb[i];
      }
    }
  }
}

double Trainer::runJob(Mode mode, const float* x, int n, const float* eps, Evaluation* eval, const Rows* rows) {
  if (n < 1) throw std::invalid_argument("n must be at least 1");
  const ScopedFlushDenormals flush;
  ensureCapacity(n);
  if (rows) {
    if (n > inputCapacity_) {
      input_.resize(static_cast<size_t>(n) * opt_.inputDim);
      inputCapacity_ = n;
    }
    x = input_.data;
  }
  if (mode != Mode::Evaluate && n > colCapacity_) {
    colRow_.resize(static_cast<size_t>(n) * opt_.inputDim);
    colValue_.resize(static_cast<size_t>(n) * opt_.inputDim);
    colCapacity_ = n;
  }
  useGemmThreads(opt_.parallel == Parallel::Blas ? opt_.threads : 1);
  const int T = pool_.threads();
  Job job{mode, x, n, eps, rows, partials_->slots.data(), 1.0f - accBeta1, 1.0f - accBeta2,
          Schedule{usesData(n), n, mode == Mode::Step, &grads_}};
  oma1_ = job.oma1;
  oma2_ = job.oma2;
  JobCtx ctx{this, &job};
  pool_.run(stepEntry, &ctx);
  double recon = 0, reconMu = 0, kl = 0;
  for (int t = 0; t < T; t++) {
    recon += job.partials[t].recon;
    reconMu += job.partials[t].reconMu;
    kl += job.partials[t].kl;
  }
  if (opt_.reconstruction == Reconstruction::Gaussian) {
    const double scale = 0.5 / (opt_.gaussianSigma * opt_.gaussianSigma);
    recon *= scale;
    reconMu *= scale;
    if (opt_.gaussianIncludeConstant) {
      const double c = static_cast<double>(n) * opt_.inputDim * (std::log(opt_.gaussianSigma) + 0.5 * std::log(2 * M_PI));
      recon += c;
      reconMu += c;
    }
  }
  if (mode == Mode::Step) {
    // tfjs: accBeta ← accBeta·β (float32), after the update that used 1 − accBeta.
    accBeta1 = accBeta1 * b1_;
    accBeta2 = accBeta2 * b2_;
    iterations++;
  }
  if (eval) *eval = Evaluation{recon + opt_.klBeta * kl, reconMu + opt_.klBeta * kl, recon, kl};
  return recon + opt_.klBeta * kl;
}

double Trainer::step(const float* x, int n, const float* eps) { return runJob(Mode::Step, x, n, eps, nullptr); }
double Trainer::stepRows(const Rows& rows, int n, const float* eps) { return runJob(Mode::Step, nullptr, n, eps, nullptr, &rows); }
double Trainer::gradients(const float* x, int n, const float* eps) { return runJob(Mode::Gradients, x, n, eps, nullptr); }
Evaluation Trainer::evaluate(const float* x, int n, const float* eps) {
  Evaluation e{};
  runJob(Mode::Evaluate, x, n, eps, &e);
  return e;
}

// Threads take chunks of images to encode, then, after one barrier, blocks of kImportanceRows draws
// to decode, each the next one free: a thread the VM deschedules holds up only the block it is
// on. Blocks are fixed by n and k, and no sum crosses them, so results do not depend on which
// thread (or how many) computed them. Scratch is per thread; the weights are only read.
VAE_KERNEL void Trainer::runImportance(ImportanceJob& job, int t, int) {
  const int B = kImportanceRows, L = opt_.latentDim, D = opt_.inputDim;
  const size_t area = static_cast<size_t>(B) * maxWidth_;
  float* act[2] = {iwScratch_[t].data, iwScratch_[t].data + area};
  float* z = act[1] + area;

  for (int r0; (r0 = job.nextImage.fetch_add(B, std::memory_order_relaxed)) < job.n;) {
    const int rows = std::min(B, job.n - r0);
    const float* a = job.x + static_cast<size_t>(r0) * D;
    int lda = D;
    for (size_t i = 0; i < encoder_.size(); i++) {
      forwardDense(encoder_[i], a, lda, 0, rows, 0, encoder_[i].out, encoder_[i].relu, act[i & 1]);
      a = act[i & 1];
      lda = encoder_[i].out;
    }
    float* mu = iwMu_.data + static_cast<size_t>(r0) * L;
    float* sd = iwStd_.data + static_cast<size_t>(r0) * L;
    forwardDense(mu_, a, lda, 0, rows, 0, L, false, mu);
    forwardDense(logvar_, a, lda, 0, rows, 0, L, false, sd);  // logvar, replaced by σ below
    for (int r = 0; r < rows; r++) {
      double sum = 0;
      for (int j = 0; j < L; j++) {
        float& v = sd[static_cast<size_t>(r) * L + j];
        sum += v;
        v = expApprox(v * 0.5f);
      }
      iwLogvarSum_[r0 + r] = sum;
    }
  }
  pool_.barrier().wait();

  const int64_t total = static_cast<int64_t>(job.n) * job.k;
  const size_t last = decoder_.size() - 1;
  const Layer& out = decoder_[last];
  double latent[kImportanceRows];
  for (int64_t r0; (r0 = job.nextRow.fetch_add(B, std::memory_order_relaxed)) < total;) {
    const int rows = static_cast<int>(std::min<int64_t>(B, total - r0));
    // z = mu + σ·eps, and log p(z) − log q(z|x) = −½ Σ (z² − eps² − logvar) (the log 2π terms cancel).
    for (int r = 0; r < rows; r++) {
      const int64_t row = r0 + r, i = row / job.k;
      const float* __restrict mu = iwMu_.data + i * L;
      const float* __restrict sd = iwStd_.data + i * L;
      const float* __restrict e = job.eps + row * L;
      float* __restrict zr = z + static_cast<size_t>(r) * L;
      double sum = 0;
      for (int j = 0; j < L; j++) {
        const float zj = mu[j] + sd[j] * e[j];
        zr[j] = zj;
        sum += static_cast<double>(zj) * zj - static_cast<double>(e[j]) * e[j];
      }
      latent[r] = -0.5 * (sum - iwLogvarSum_[i]);
    }
    const float* a = z;
    for (size_t j = 0; j < last; j++) {
      forwardDense(decoder_[j], a, decoder_[j].in, 0, rows, 0, decoder_[j].out, decoder_[j].relu, act[j & 1]);
      a = act[j & 1];
    }
    // The last layer's bias is added inside the loss, which reads each logit once.
    float* pre = act[last & 1];
    gemm(false, false, rows, out.out, out.in, a, out.in, params_.data + out.w, out.out, 0.0f, pre, out.out);
    for (int r = 0; r < rows; r++) {
      const int64_t row = r0 + r;
      const float* xr = job.x + (row / job.k) * D;
      job.out[row] = static_cast<float>(latent[r] - reconLossRow(pre + static_cast<size_t>(r) * D, params_.data + out.b, xr));
    }
  }
}

void Trainer::logImportanceWeights(const float* x, int n, int k, const float* eps, float* out) {
  if (n < 1 || k < 1) throw std::invalid_argument("n and k must be at least 1");
  const ScopedFlushDenormals flush;
  const size_t L = static_cast<size_t>(opt_.latentDim);
  if (n > iwCapacity_) {
    iwMu_.resize(n * L);
    iwStd_.resize(n * L);
    iwLogvarSum_.resize(n);
    iwCapacity_ = n;
  }
  if (!iwScratch_[0].data) {
    for (auto& s : iwScratch_) s.resize(2 * static_cast<size_t>(kImportanceRows) * maxWidth_ + kImportanceRows * L);
  }
  useGemmThreads(opt_.parallel == Parallel::Blas ? opt_.threads : 1);
  ImportanceJob job{x, n, k, eps, out};
  ImportanceCtx ctx{this, &job};
  pool_.run(importanceEntry, &ctx);
}

}  // namespace vae
