import * as tf from '@tensorflow/tfjs-core';
import { klDivergence, klDivergenceGrad } from './kl.js';
import {
  checkReconstructionRange,
  reconstructionLoss,
  reconstructionLossGrad,
  type ReconstructionOptions,
} from './reconstruction.js';

/** What the VAE produced for a batch x: decoder logits and the posterior's mu, logvar. */
export interface VaeOutputs {
  logits: tf.Tensor2D;
  x: tf.Tensor2D;
  mu: tf.Tensor2D;
  logvar: tf.Tensor2D;
}

export interface ElboOptions extends ReconstructionOptions {
  /** Weight of the KL term (β-VAE). 1 is the plain ELBO. */
  beta?: number;
  /**
   * Check (with one read-back) that BCE targets lie in [0, 1]. Default true; the training loop
   * checks the data's normalization once instead and turns this off.
   */
  checkTargets?: boolean;
}

/** The parts of the negative ELBO per sample, all [batch] nats: total = recon + β·kl. */
export interface ElboParts {
  recon: tf.Tensor1D;
  kl: tf.Tensor1D;
  total: tf.Tensor1D;
}

function checkBeta(beta: number): number {
  if (!Number.isFinite(beta) || beta < 0) throw new RangeError(`beta: expected a finite number ≥ 0, got ${beta}`);
  return beta;
}

/**
 * Negative evidence lower bound per sample (the VAE loss): −E_q[log p(x|z)] + β·KL(q(z|x) ‖ p(z)),
 * with the expectation estimated by the one z that produced `logits`.
 */
export function elbo(outputs: VaeOutputs, options: ElboOptions = {}): ElboParts {
  const beta = checkBeta(options.beta ?? 1);
  if ((options.reconstruction ?? 'bernoulli') === 'bernoulli' && options.checkTargets !== false) {
    const [lo, hi] = tf.tidy(() => [tf.min(outputs.x), tf.max(outputs.x)]).map((t) => {
      const v = t.dataSync()[0]!;
      t.dispose();
      return v;
    });
    checkReconstructionRange('bernoulli', [lo!, hi!], 'x');
  }
  return tf.tidy(() => {
    const recon = reconstructionLoss(outputs.logits, outputs.x, options);
    const kl = klDivergence(outputs.mu, outputs.logvar);
    return { recon, kl, total: tf.add(recon, tf.mul(kl, beta)) as tf.Tensor1D };
  });
}

/**
 * Gradients of `scale · Σ_batch elbo(...).total` with respect to logits, mu and logvar (the direct
 * KL path; the path through z is the model's). `scale` = 1 sums over the batch as the PyTorch
 * reference does; 1/batch gives the batch mean.
 */
export function elboGrad(
  outputs: VaeOutputs,
  options: ElboOptions & { scale?: number } = {},
): { dLogits: tf.Tensor2D; dMu: tf.Tensor2D; dLogvar: tf.Tensor2D } {
  const beta = checkBeta(options.beta ?? 1);
  const scale = options.scale ?? 1;
  return tf.tidy(() => {
    const { dMu, dLogvar } = klDivergenceGrad(outputs.mu, outputs.logvar);
    return {
      dLogits: tf.mul(reconstructionLossGrad(outputs.logits, outputs.x, options), scale) as tf.Tensor2D,
      dMu: tf.mul(dMu, beta * scale) as tf.Tensor2D,
      dLogvar: tf.mul(dLogvar, beta * scale) as tf.Tensor2D,
    };
  });
}
