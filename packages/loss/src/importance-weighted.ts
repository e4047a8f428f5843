import * as tf from '@tensorflow/tfjs-core';
import { reconstructionLoss, type ReconstructionOptions } from './reconstruction.js';

/** The two halves of a VAE the bound needs (an `@vae/model` `Vae` fits). */
export interface EncoderDecoder {
  encode(x: tf.Tensor2D): { mu: tf.Tensor2D; logvar: tf.Tensor2D };
  decodeLogits(z: tf.Tensor2D): tf.Tensor2D;
}

export interface ImportanceWeightedOptions extends ReconstructionOptions {
  /** Number of importance samples k (k = 1 gives the ELBO). Default 64. */
  samples?: number;
  /** Seed of the noise, for repeatable estimates. */
  seed?: number;
}

const LOG_2PI = Math.log(2 * Math.PI);

/**
 * Importance-weighted bound (Burda et al., 2016) on −log p(x), per sample:
 * −log (1/k) Σ_k p(x|z_k) p(z_k) / q(z_k|x), z_k ~ q(z|x). Tighter than the ELBO as k grows, and
 * the usual way to report a VAE's test log-likelihood. x: [batch, pixels] → [batch] nats.
 * The Gaussian reconstruction term is a density only with `gaussian.includeConstant`.
 */
export function importanceWeightedBound(model: EncoderDecoder, x: tf.Tensor2D, options: ImportanceWeightedOptions = {}): tf.Tensor1D {
  const k = options.samples ?? 64;
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`samples: expected a positive integer, got ${k}`);
  return tf.tidy(() => {
    const { mu, logvar } = model.encode(x);
    const [batch, latent] = mu.shape;
    const std = tf.exp(tf.mul(logvar, 0.5));
    const logWeights: tf.Tensor1D[] = [];
    for (let i = 0; i < k; i++) {
      // Each draw in its own tidy so k decoder passes do not pile up.
      logWeights.push(
        tf.tidy(() => {
          const eps = tf.randomNormal([batch, latent], 0, 1, 'float32', options.seed === undefined ? undefined : options.seed + i + 1); // tfjs ignores a seed of 0
          const z = tf.add(mu, tf.mul(std, eps)) as tf.Tensor2D;
          const logPxGivenZ = tf.neg(reconstructionLoss(model.decodeLogits(z), x, options));
          const logPz = tf.mul(tf.sum(tf.add(tf.square(z), LOG_2PI), 1), -0.5);
          const logQz = tf.mul(tf.sum(tf.add(tf.add(tf.square(eps), LOG_2PI), logvar), 1), -0.5);
          return tf.sub(tf.add(logPxGivenZ, logPz), logQz) as tf.Tensor1D;
        }),
      );
    }
    const logMeanWeight = tf.sub(tf.logSumExp(tf.stack(logWeights, 1), 1), Math.log(k));
    return tf.neg(logMeanWeight) as tf.Tensor1D;
  });
}
