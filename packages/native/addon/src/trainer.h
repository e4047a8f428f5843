// The fused VAE training step (forward, loss, backward, Adam) on OpenBLAS, independent of
// Node-API: the model as a chain of ops with per-partition kernels (ops.h), one driver, and the
// threading schedule as a separate policy. The math mirrors @vae/model + @vae/loss + tfjs' AdamOptimizer; see README.md.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "pool.h"

namespace vae {

enum class Reconstruction { Bernoulli, Gaussian };

/** How two or more threads share a step. */
enum class Parallel {
  /** Each GEMM (and its epilogue and Adam update) is cut into column blocks, one per thread. */
  Split,
  /** Each thread takes a slice of the batch; gradients are summed inside the Adam update. */
  Data,
  /** One thread of ours; OpenBLAS' own thread pool parallelizes each GEMM. */
  Blas,
  /** Split for batches below kAutoDataRows rows, Data from there on (measured crossover, see README). */
  Auto,
};

/** Batch size from which Parallel::Auto uses Data. */
constexpr int kAutoDataRows = 256;

/**
 * The first layer reads the input as sparse rows when at most this fraction of its entries is
 * nonzero (MNIST in [0,1]: ~19 %; measured break-even against the dense GEMM: see README).
 */
constexpr double kSparseInputMaxDensity = 0.5;

/**
 * Decoder rows per block in logImportanceWeights (measured on the reference model: 128–512 rows
 * equally fast, 64 rows 10–20 % slower).
 */
constexpr int kImportanceRows = 256;

/**
 * One layer of the encoder or decoder as the model description gives it (@vae/model's
 * `LayerDescription`). The trainer has kernels for `dense` layers with `relu` or `linear`
 * activations; it refuses anything else (std::invalid_argument naming the layer) rather than
 * training something different.
 */
struct LayerSpec {
  std::string type = "dense";
  int units = 0;
  std::string activation = "relu";
  /** Weight names: `<name>.kernel`, `<name>.bias` (the description's layer name). */
  std::string name;
};

/** The model comes from its description (@vae/model's `resolveModel`), through the glue: no defaults here. */
struct Options {
  int inputDim = 0;
  /** Image → features (the heads read the last one's output). */
  std::vector<LayerSpec> encoder;
  int latentDim = 0;
  /** z → logits: the last layer is linear and inputDim wide. */
  std::vector<LayerSpec> decoder;
  double learningRate = 1e-3, beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8;
  double klBeta = 1;
  Reconstruction reconstruction = Reconstruction::Bernoulli;
  double gaussianLo = 0, gaussianHi = 1, gaussianSigma = 1;
  bool gaussianIncludeConstant = false;
  int threads = 1;
  Parallel parallel = Parallel::Auto;
  /** Let the first layer skip zero inputs in batches sparse enough (kSparseInputMaxDensity). */
  bool sparseInput = true;
};

struct Evaluation {
  double loss, lossMu, recon, kl;
};

class Trainer {
 public:
  explicit Trainer(const Options& options);
  ~Trainer();
  Trainer(const Trainer&) = delete;
  Trainer& operator=(const Trainer&) = delete;

  const Options& options() const { return opt_; }
  /**
   * The KL weight β of the calls from now on (KL warm-up changes it between steps). A plain field
   * write: the kernels read `opt_.klBeta` at each call, so the hot path is unchanged.
   */
  void setKlBeta(double beta) { opt_.klBeta = beta; }
  /** Tensors in `vae.namedVariables()` order: for each dense layer its kernel [in, out] then bias [out]. */
  size_t tensorCount() const { return tensors_.size(); }
  size_t tensorSize(size_t i) const { return tensors_[i].size; }
  std::string tensorName(size_t i) const { return tensors_[i].name; }

  void setTensor(size_t i, const float* src) { copyIn(params_, i, src); }
  void getTensor(size_t i, float* dst) const { copyOut(params_, i, dst); }
  void setMoment(bool second, size_t i, const float* src) { copyIn(second ? v_ : m_, i, src); }
  void getMoment(bool second, size_t i, float* dst) const { copyOut(second ? v_ : m_, i, dst); }
  /** dL/dθ of the last `gradients` call. */
  void getGradient(size_t i, float* dst) const { copyOut(grads_[0], i, dst); }

  int64_t iterations = 0;
  float accBeta1 = 0, accBeta2 = 0;

  /** One Adam step on rows x [n, inputDim] with noise eps [n, latentDim]; returns the summed loss. */
  double step(const float* x, int n, const float* eps);
  /** Where `stepRows` reads its batch: row i is `table[images[indices[i]·inputDim + j]]`, j < inputDim. */
  struct Rows {
    const uint8_t* images;
    const uint32_t* indices;  // n entries, each checked by the caller to lie within images
    const float* table;       // 256 entries
  };
  /**
   * `step` on rows gathered and normalized by the trainer's own threads into an internal buffer
   * (no copy through the caller): bit-identical to `step` on the same rows.
   */
  double stepRows(const Rows& rows, int n, const float* eps);
  /** The summed loss and its gradients (kept for getGradient); no update. */
  double gradients(const float* x, int n, const float* eps);
  /** Sums over the batch: loss with sampled z, loss with z = mu, reconstruction, KL. No update. */
  Evaluation evaluate(const float* x, int n, const float* eps);
  /**
   * Log importance weights log p(x|z) + log p(z) − log q(z|x) of k draws per image: x [n, inputDim],
   * eps [n·k, latentDim] image-major (rows i·k … i·k + k − 1 are image i's), z = mu + σ·eps → out [n·k].
   * log p(x|z) is minus the reconstruction loss of the options. Each image is encoded once; the
   * decoder passes run in blocks of kImportanceRows rows taken by the threads in turn. The result
   * does not depend on the thread count. Changes nothing but scratch buffers.
   */
  void logImportanceWeights(const float* x, int n, int k, const float* eps, float* out);

  // Implementation details, public for the thread-entry trampolines and the ops (ops.h).
  struct Tensor {
    std::string name;
    size_t offset, size;
  };
  struct Layer {
    int in, out;
    size_t w, b;  // offsets into the parameter buffers
    bool relu;    // y = relu(x·W + b), else linear
  };
  struct Buffer {
    float* data = nullptr;
    size_t size = 0;
    void resize(size_t n);
    ~Buffer();
  };
  enum class Mode { Step, Gradients, Evaluate };
  struct Job;
  struct Part;
  struct Schedule;
  struct Pass;
  struct GradSlot;
  class Op;
  class DenseOp;
  class GaussianHeadsOp;
  class ReconstructionOp;
  /** The batch (pass.job.x) for the first op, else the output of the op `op` reads. */
  const float* inputOf(const Op& op, const Pass& pass) const;
  /** dL/d(output) of a layer `width` wide, as part's thread addresses the slot. */
  float* gradAt(const GradSlot& slot, int width, const Part& part) const;
  /** The one step driver: walks the ops forward, then backward, as job.schedule shares them out. */
  void runStep(Job& job, int t, int T);
  void prepareRows(const Job& job, int r0, int r1);
  bool sparseInput(int r0, int r1) const;
  void indexColumns(int n, int r0, int r1, int k0, int k1, int32_t* counts);
  struct ImportanceJob;
  void runImportance(ImportanceJob& job, int t, int T);

  // Kernels (private: the ops, nested classes, call them): each computes its share of one op's
  // work, given as a row range and column ranges.
 private:
  void adamRange(size_t begin, size_t end, int gradBuffers);
  void forwardDense(const Layer& l, const float* a, int lda, int r0, int r1, int c0, int c1, bool relu, float* y);
  void forwardSparseInput(const Layer& l, int r0, int r1, int c0, int c1, float* y, int t);
  void weightGradSparseInput(const Layer& l, int n, int r0, int r1, const int32_t* counts, const float* dy, int k0, int k1, float* grad,
                             int t);
  void backwardDense(const Layer& l, const float* a, int lda, bool aIsRelu, const float* dy, int r0, int r1, int k0, int k1,
                     int c0, int c1, float* grad, float* dx, bool adam, const int32_t* sparseCounts = nullptr, int n = 0, int thread = 0);
  void heads(int r0, int r1, const float* h, int ldh, const float* eps, double& kl);
  void headGrads(int r0, int r1, const float* eps);
  void headsBackward(const float* h, int ldh, bool hIsRelu, int r0, int r1, int k0, int k1, int c0, int c1, float* grad, float* dh,
                     bool adam);
  double reconRows(const float* x, const float* logits, float* g, int r0, int r1, int c0, int c1);
  double reconLossRow(const float* pre, const float* bias, const float* x) const;

  void copyIn(Buffer& buf, size_t i, const float* src);
  void copyOut(const Buffer& buf, size_t i, float* dst) const;
  void ensureCapacity(int n);
  void buildOps();
  double runJob(Mode mode, const float* x, int n, const float* eps, Evaluation* eval, const Rows* rows = nullptr);
  bool usesData(int n) const {
    return pool_.threads() > 1 && (opt_.parallel == Parallel::Data || (opt_.parallel == Parallel::Auto && n >= kAutoDataRows));
  }
  /** Data schedule's last phase: sum the threads' gradients over thread t's share of each tensor (and update it, in a step). */
  void reduceGradients(const Job& job, int t, int T);

  Options opt_;
  std::vector<Tensor> tensors_;
  std::vector<Layer> encoder_, decoder_;
  Layer mu_{}, logvar_{};
  /** The model as a chain of ops (dense layers, Gaussian heads, reconstruction term), built once from the layer lists. */
  std::vector<std::unique_ptr<Op>> ops_;
  size_t latentOp_ = 0;  // the Gaussian heads' index in ops_
  size_t paramCount_ = 0;  // padded length of the flat buffers
  Buffer params_, m_, v_;
  std::vector<Buffer> grads_;  // one per thread in Data mode, else one
  // Activations, [capacity, width] each.
  int capacity_ = 0;
  std::vector<Buffer> enc_, dec_;
  Buffer mu_a_, logvar_a_, std_a_, z_a_, dmu_, dlogvar_, dz_, logits_, gradA_, gradB_;
  Buffer input_;  // [inputCapacity_, inputDim]: stepRows' gathered batch
  int inputCapacity_ = 0;
  // The input batch's nonzero entries, row by row (row r's at r·inputDim, nzCount_[r] of them), and
  // for the first layer's weight gradient pixel by pixel (pixel p's rows from p·n + r0, where r0 is
  // the first row of the thread's share; colCount_ holds one count per thread and pixel).
  std::vector<int32_t> nzIndex_, nzCount_, colRow_, colCount_;
  std::vector<float> nzValue_, colValue_;
  int colCapacity_ = 0;
  // logImportanceWeights: per image mu, σ and Σ logvar ([capacity, latentDim], [capacity]); per
  // thread two [kImportanceRows, maxWidth_] activation buffers and z [kImportanceRows, latentDim].
  Buffer iwMu_, iwStd_;
  std::vector<double> iwLogvarSum_;
  int iwCapacity_ = 0;
  std::vector<Buffer> iwScratch_;
  std::vector<Buffer> strip_;  // per thread: a [max(capacity, inputDim), 64] copy of a strip of W or dy
  Pool pool_;
  struct PartialSlots;
  std::unique_ptr<PartialSlots> partials_;
  int maxWidth_ = 0;
  // Adam constants as tfjs' float32 scalars; oma = 1 − accBeta of the step under way.
  float b1_, b2_, omb1_, omb2_, eps_, negLr_, oma1_ = 0, oma2_ = 0;
};

}  // namespace vae
