import * as tf from '@tensorflow/tfjs-core';
import { reconstructionLoss, type ReconstructionOptions } from './reconstruction.js';
import { isPositiveInteger } from '@vae/internal';

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
/** Decoder rows per chunk of draws in `importanceWeightedBound`. */
const DRAW_ROWS = 4096;

/**
 * The log importance weights log p(x|z) + log p(z) − log q(z|x) of `k` draws per image,
 * z = μ + σ·ε with the given noise. x: `[n, pixels]`, eps: `[n, k, latent]` → `[n, k]` nats.
 * The noise is an argument so that callers own its random streams (and engines can be compared
 * on the same draws). The Gaussian reconstruction term is a density only with `gaussian.includeConstant`.
 */
export function importanceLogWeights(model: EncoderDecoder, x: tf.Tensor2D, eps: tf.Tensor3D, options: ReconstructionOptions = {}): tf.Tensor2D {
  const [n, k, latent] = eps.shape;
  if (n !== x.shape[0]) throw new RangeError(`importanceLogWeights: eps has ${n} images, x has ${x.shape[0]}`);
  return tf.tidy(() => {
    const { mu, logvar } = model.encode(x);
    if (mu.shape[1] !== latent) throw new RangeError(`importanceLogWeights: eps has ${latent} latent dimensions, the model ${mu.shape[1]}`);
    const std = tf.exp(tf.mul(logvar, 0.5));
    const z = tf.reshape(tf.add(tf.expandDims(mu, 1), tf.mul(tf.expandDims(std, 1), eps)), [n * k, latent]) as tf.Tensor2D;
    const targets = tf.reshape(tf.tile(tf.expandDims(x, 1), [1, k, 1]), [n * k, x.shape[1]]) as tf.Tensor2D;
    const logPxGivenZ = tf.neg(reconstructionLoss(model.decodeLogits(z), targets, options));
    const logPz = tf.mul(tf.sum(tf.add(tf.square(z), LOG_2PI), 1), -0.5);
    const logQz = tf.reshape(tf.mul(tf.sum(tf.add(tf.add(tf.square(eps), LOG_2PI), tf.expandDims(logvar, 1)), 2), -0.5), [n * k]);
    return tf.reshape(tf.sub(tf.add(logPxGivenZ, logPz), logQz), [n, k]) as tf.Tensor2D;
  });
}

/**
 * A seed for chunk `i` of the draws of an estimate seeded `seed`, by a splitmix-style hash: estimates at nearby
 * seeds then use unrelated draws (with `seed + i` they would share all but a few, and would not
 * be independent repeats). Never 0, which tfjs takes as "no seed".
 */
function drawSeed(seed: number, i: number): number {
  let h = Math.imul((seed >>> 0) ^ 0x9e3779b9, 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (i >>> 0) ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x27d4eb2f) >>> 0;
  return (h ^ (h >>> 15)) >>> 0 || 1;
}

/**
 * Importance-weighted bound (Burda et al., 2016) on −log p(x), per sample:
 * −log (1/k) Σ_k p(x|z_k) p(z_k) / q(z_k|x), z_k ~ q(z|x). Tighter than the ELBO as k grows, and
 * the usual way to report a VAE's test log-likelihood. x: [batch, pixels] → [batch] nats.
 * The Gaussian reconstruction term is a density only with `gaussian.includeConstant`.
 * For large k over a whole test set, `@vae/train`'s `estimateLogLikelihood` batches the draws
 * and reports a standard error.
 */
export function importanceWeightedBound(model: EncoderDecoder, x: tf.Tensor2D, options: ImportanceWeightedOptions = {}): tf.Tensor1D {
  const k = options.samples ?? 64;
  if (!isPositiveInteger(k)) throw new RangeError(`samples: expected a positive integer, got ${k}`);
  return tf.tidy(() => {
    const [batch] = x.shape;
    const latent = tf.tidy(() => model.encode(tf.slice(x, [0, 0], [1, -1])).mu.shape[1]);
    // Draws in chunks of about DRAW_ROWS decoder rows, each in its own tidy so k passes do not pile up.
    const chunk = Math.max(1, Math.min(k, Math.floor(DRAW_ROWS / batch)));
    const logWeights: tf.Tensor2D[] = [];
    for (let first = 0, c = 0; first < k; first += chunk, c++) {
      const draws = Math.min(chunk, k - first);
      logWeights.push(
        tf.tidy(() => {
          const eps = tf.randomNormal([batch, draws, latent], 0, 1, 'float32', options.seed === undefined ? undefined : drawSeed(options.seed, c)) as tf.Tensor3D;
          return importanceLogWeights(model, x, eps, options);
        }),
      );
    }
    const logMeanWeight = tf.sub(tf.logSumExp(tf.concat(logWeights, 1), 1), Math.log(k));
    return tf.neg(logMeanWeight) as tf.Tensor1D;
  });
}
