import * as tf from '@tensorflow/tfjs-core';

export interface GaussianOptions {
  /** Fixed standard deviation of p(x|z) (default 1: the term is then half the summed squared error). */
  sigma?: number;
  /** Range of the data; the decoder's mean is mapped into it: lo + (hi − lo)·sigmoid(logits). Default [0, 1]. */
  range?: readonly [number, number];
  /** Add the normalizing constant log σ + ½ log 2π per pixel, making it a true −log-density. Default false. */
  includeConstant?: boolean;
}

/** The decoder mean for Gaussian reconstruction: logits mapped into the data range. */
export function gaussianMean(logits: tf.Tensor2D, range: readonly [number, number] = [0, 1]): tf.Tensor2D {
  const [lo, hi] = range;
  return tf.tidy(() => tf.add(tf.mul(tf.sigmoid(logits), hi - lo), lo));
}

/**
 * −log N(x | mean, σ²) summed over pixels (MSE-style), with mean = `gaussianMean(logits, range)`.
 * Unlike BCE it accepts any data range, e.g. pixels in [−1, 1]. logits, x: [batch, pixels] → [batch].
 */
export function gaussianNegLogLikelihood(logits: tf.Tensor2D, x: tf.Tensor2D, options: GaussianOptions = {}): tf.Tensor1D {
  const sigma = options.sigma ?? 1;
  return tf.tidy(() => {
    const err = tf.sub(gaussianMean(logits, options.range), x);
    const nll = tf.mul(tf.sum(tf.square(err), 1), 0.5 / (sigma * sigma)) as tf.Tensor1D;
    if (!options.includeConstant) return nll;
    return tf.add(nll, x.shape[1] * (Math.log(sigma) + 0.5 * Math.log(2 * Math.PI))) as tf.Tensor1D;
  });
}

/** d/dlogits of `gaussianNegLogLikelihood`: (mean − x)/σ² · (hi − lo)·s(1 − s), s = sigmoid(logits). */
export function gaussianNegLogLikelihoodGrad(logits: tf.Tensor2D, x: tf.Tensor2D, options: GaussianOptions = {}): tf.Tensor2D {
  const sigma = options.sigma ?? 1;
  const [lo, hi] = options.range ?? [0, 1];
  return tf.tidy(() => {
    const s = tf.sigmoid(logits);
    const mean = tf.add(tf.mul(s, hi - lo), lo);
    const dMean = tf.mul(tf.sub(mean, x), 1 / (sigma * sigma));
    return tf.mul(dMean, tf.mul(tf.mul(s, tf.sub(1, s)), hi - lo));
  });
}
