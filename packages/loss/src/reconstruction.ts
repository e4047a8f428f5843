import * as tf from '@tensorflow/tfjs-core';
import { bernoulliNegLogLikelihood, bernoulliNegLogLikelihoodGrad } from './bernoulli.js';
import { gaussianNegLogLikelihood, gaussianNegLogLikelihoodGrad, type GaussianOptions } from './gaussian.js';

/** Which p(x|z): `bernoulli` (BCE, targets in [0, 1]) or `gaussian` (squared error, any range). */
export type Reconstruction = 'bernoulli' | 'gaussian';

export const RECONSTRUCTIONS: readonly Reconstruction[] = ['bernoulli', 'gaussian'];

export interface ReconstructionOptions {
  reconstruction?: Reconstruction;
  /** Options of the Gaussian term (ignored for Bernoulli). */
  gaussian?: GaussianOptions;
}

export class LossConfigError extends Error {
  override name = 'LossConfigError';
}

/**
 * Refuses a reconstruction term that cannot fit the data range: BCE needs targets in [0, 1].
 * (Pixels scaled to [−1, 1] under BCE give a "loss" that runs to −55,000 per image and means nothing.)
 */
export function checkReconstructionRange(reconstruction: Reconstruction, range: readonly [number, number], what = 'the data'): void {
  const [lo, hi] = range;
  if (reconstruction === 'bernoulli' && (lo < 0 || hi > 1)) {
    throw new LossConfigError(
      `Bernoulli (BCE) reconstruction needs targets in [0, 1], but ${what} is in [${lo}, ${hi}]. ` +
        `Normalize pixels to [0, 1] ('unit', or 'binary'/'dynamic-binary'), or use the Gaussian (squared error) reconstruction term.`,
    );
  }
}

/** −log p(x|z) per sample, [batch]. */
export function reconstructionLoss(logits: tf.Tensor2D, x: tf.Tensor2D, options: ReconstructionOptions = {}): tf.Tensor1D {
  return (options.reconstruction ?? 'bernoulli') === 'bernoulli'
    ? bernoulliNegLogLikelihood(logits, x)
    : gaussianNegLogLikelihood(logits, x, options.gaussian);
}

/** d/dlogits of `reconstructionLoss`, [batch, pixels]. */
export function reconstructionLossGrad(logits: tf.Tensor2D, x: tf.Tensor2D, options: ReconstructionOptions = {}): tf.Tensor2D {
  return (options.reconstruction ?? 'bernoulli') === 'bernoulli'
    ? bernoulliNegLogLikelihoodGrad(logits, x)
    : gaussianNegLogLikelihoodGrad(logits, x, options.gaussian);
}
