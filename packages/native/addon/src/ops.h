// The model as ops: built once from the layer lists (Trainer::buildOps), each with a forward and a
// backward kernel that computes the share of the work a partition (Part) gives it. The step driver
// (Trainer::runStep) walks the ops forward, then backward; how the threads share each phase, where
// they meet and where Adam runs is the schedule's business (Trainer::Schedule), not the ops'. A new
// op type needs its kernels and one class here, nothing per schedule.
#pragma once
#include <algorithm>
#include <cstdint>

#include "trainer.h"

namespace vae {

constexpr size_t kAlign = 16;  // floats: tensors and column blocks start on 64-byte boundaries

inline size_t roundUp(size_t n, size_t to) { return (n + to - 1) / to * to; }

/** Block t of T of [0, total), blocks a multiple of kAlign wide where possible. */
inline void block(int total, int t, int T, int& b0, int& b1) {
  if (T <= 1) {
    b0 = 0;
    b1 = total;
    return;
  }
  int chunk = (total + T - 1) / T;
  if (chunk > static_cast<int>(kAlign)) chunk = static_cast<int>(roundUp(chunk, kAlign));
  b0 = std::min(total, t * chunk);
  b1 = std::min(total, b0 + chunk);
}

/** Rows t of T of [0, n), as even as possible. */
inline void rowBlock(int n, int t, int T, int& r0, int& r1) {
  r0 = static_cast<int>(static_cast<int64_t>(n) * t / T);
  r1 = static_cast<int>(static_cast<int64_t>(n) * (t + 1) / T);
}

/** How a schedule that cuts phases may cut one: by output (or input-width) columns, or by batch rows. */
enum class Cut { Columns, Rows };

/**
 * One thread's share of one phase of an op: batch rows r0..r1 and, of any width the kernel works
 * along, column block t of T (T = 1: all of it). `cols(width)` gives that block; a kernel cutting
 * the input width (dW's rows, dx's columns) and the output width (the bias) asks for both.
 */
struct Trainer::Part {
  int r0, r1;
  int t, T;
  /** The calling thread (its scratch: sparse strips, column counts). */
  int thread;
  /** Where this thread's rows start in the shared gradient scratch (see Trainer::Pass::scratch). */
  int scratchRow;
  /** Update the parameters whose gradients this share completes right away (only this thread touches them). */
  bool adam;
  /** The gradient buffer this thread writes. */
  float* grad;
  void cols(int width, int& c0, int& c1) const { block(width, t, T, c0, c1); }
};

/** Per thread, per job: what the ops read besides the partition. */
struct Trainer::Pass {
  const Job& job;
  /** Loss terms this thread summed. */
  double recon = 0, reconMu = 0, kl = 0;
  /** The second forward pass of `evaluate`, with z = mu. */
  bool mean = false;
  /** Gradients are wanted (step, gradients). */
  bool train = false;
  /** The first layer reads the batch as sparse rows (decided on its forward rows, kept for its backward). */
  bool sparse = false;
};

/**
 * Where an op's consumer writes dL/d(output before its activation): an op's own buffer, or one of
 * two scratch buffers [capacity, maxWidth] shared in turn by the layers, which each thread
 * addresses from its own rows on (Part::scratchRow) so that threads not in step (Data) may use it
 * at different widths.
 */
struct Trainer::GradSlot {
  Buffer* buffer = nullptr;
  bool shared = false;
};

class Trainer::Op {
 public:
  virtual ~Op() = default;
  /** The op whose output this one reads (its index in ops_), or −1: the batch. */
  int producer = -1;
  /** That input went through a ReLU (its gradient is masked by input > 0). */
  bool inputRelu = false;
  /** Output width. */
  int width = 0;
  /** Where the consumer writes dL/d(this op's output, before its activation); unset for the last op. */
  GradSlot dOut;

  /** How a cutting schedule divides the forward phase. */
  virtual Cut forwardCut() const { return Cut::Columns; }
  /**
   * The forward phase reads only the columns of its input that the same column block of the
   * previous op wrote (a fused epilogue): a cutting schedule need not meet before it.
   */
  virtual bool columnLocal() const { return false; }
  virtual void forward(Trainer& tr, Pass& pass, const Part& part) const = 0;
  /** The backward kernels run as phases (each may be cut differently; threads meet between them). */
  virtual int backwardPhases() const { return 1; }
  virtual Cut backwardCut(int /*phase*/) const { return Cut::Columns; }
  virtual void backward(Trainer& tr, Pass& pass, const Part& part, int phase) const = 0;
  /** The output read by the next op ([n, width]); `mean`: in the z = mu pass. */
  virtual const float* output(bool mean) const = 0;
};

/** y = act(x·W + b) (ReLU or linear); the first layer may read the batch as sparse rows. */
class Trainer::DenseOp final : public Trainer::Op {
 public:
  DenseOp(const Layer& layer, Buffer* out, bool sparseCapable) : layer_(layer), out_(out), sparseCapable_(sparseCapable) {
    width = layer.out;
  }
  void forward(Trainer& tr, Pass& pass, const Part& part) const override;
  void backward(Trainer& tr, Pass& pass, const Part& part, int phase) const override;
  const float* output(bool) const override { return out_->data; }

 private:
  Layer layer_;
  Buffer* out_;
  bool sparseCapable_;  // reads the batch, and sparse input is allowed
};

/**
 * The Gaussian heads: mu = h·W_mu + b_mu, logvar = h·W_lv + b_lv, σ = exp(logvar/2),
 * z = mu + σ·eps (the reparameterization), and the KL term. Forward by rows; backward in two
 * phases: dL/dmu, dL/dlogvar by rows, then the heads' weight gradients and dL/dh by columns.
 */
class Trainer::GaussianHeadsOp final : public Trainer::Op {
 public:
  GaussianHeadsOp(int latentDim, const Buffer* mu, const Buffer* z) : mu_(mu), z_(z) { width = latentDim; }
  Cut forwardCut() const override { return Cut::Rows; }
  void forward(Trainer& tr, Pass& pass, const Part& part) const override;
  int backwardPhases() const override { return 2; }
  Cut backwardCut(int phase) const override { return phase == 0 ? Cut::Rows : Cut::Columns; }
  void backward(Trainer& tr, Pass& pass, const Part& part, int phase) const override;
  const float* output(bool mean) const override { return mean ? mu_->data : z_->data; }

 private:
  const Buffer* mu_;
  const Buffer* z_;
};

/**
 * The reconstruction term on the logits (Bernoulli or Gaussian, Trainer::reconRows), fused as an
 * epilogue of the layer that computed them; when training it writes dL/dlogits over the logits.
 * Its backward is done in its forward.
 */
class Trainer::ReconstructionOp final : public Trainer::Op {
 public:
  explicit ReconstructionOp(int inputDim) { width = inputDim; }
  bool columnLocal() const override { return true; }
  void forward(Trainer& tr, Pass& pass, const Part& part) const override;
  int backwardPhases() const override { return 0; }
  void backward(Trainer&, Pass&, const Part&, int) const override {}
  const float* output(bool) const override { return nullptr; }  // the end of the chain
};

}  // namespace vae
