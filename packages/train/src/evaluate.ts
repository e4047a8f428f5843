import * as tf from '@tensorflow/tfjs-core';
import { createRng, gatherBatchInto, normalizationRange, type MnistSplit, type Normalization } from '@vae/data';
import { checkReconstructionRange, elbo, type ElboOptions } from '@vae/loss';
import type { Vae } from '@vae/model';
import { deriveSeed } from './seeds.js';

export interface EvaluateOptions extends Pick<ElboOptions, 'beta' | 'reconstruction' | 'gaussian'> {
  normalization?: Normalization;
  batchSize?: number;
  /** Seed of the z noise and of a `dynamic-binary` test binarization (fixed, so epochs compare). */
  seed?: number;
}

/** Test-set figures, each the mean per image in nats. */
export interface Evaluation {
  /** Negative ELBO with z sampled from q(z|x), as in training. */
  loss: number;
  /** Negative ELBO with z = mu (no sampling noise in the reconstruction). */
  lossMu: number;
  /** Reconstruction part of `loss`. */
  recon: number;
  /** KL part (unweighted by β). */
  kl: number;
  count: number;
}

/** Evaluates the model on a whole split, in batches, keeping no tensors. */
export function evaluate(model: Vae, split: MnistSplit, options: EvaluateOptions = {}): Evaluation {
  const { normalization = 'unit', batchSize = 1000, seed = 0 } = options;
  // Checked once here instead of per batch (checkTargets: false below).
  checkReconstructionRange(options.reconstruction ?? 'bernoulli', normalizationRange(normalization), `pixels with normalization '${normalization}'`);
  const lossOptions: ElboOptions = { ...options, checkTargets: false };
  const pixels = split.rows * split.cols;
  const order = Uint32Array.from({ length: split.count }, (_, i) => i);
  const buffer = new Float32Array(batchSize * pixels);
  const rng = createRng(seed);
  let sums: tf.Tensor1D = tf.zeros([4]);
  try {
    for (let start = 0; start < split.count; start += batchSize) {
      const end = Math.min(start + batchSize, split.count);
      const n = end - start;
      const x = gatherBatchInto(split, order, start, end, normalization, buffer, rng);
      const next = tf.tidy(() => {
        const xt = tf.tensor2d(x, [n, pixels]);
        const { mu, logvar } = model.encode(xt);
        const eps = tf.randomNormal(mu.shape, 0, 1, 'float32', deriveSeed(seed, start)) as tf.Tensor2D;
        const sampled = elbo({ x: xt, mu, logvar, logits: model.decodeLogits(model.reparameterize(mu, logvar, eps)) }, lossOptions);
        const atMean = elbo({ x: xt, mu, logvar, logits: model.decodeLogits(mu) }, lossOptions);
        const batchSums = tf.stack([sampled.total, atMean.total, sampled.recon, sampled.kl].map((t) => tf.sum(t)));
        return tf.add(sums, batchSums) as tf.Tensor1D;
      });
      sums.dispose();
      sums = next;
    }
    const [loss, lossMu, recon, kl] = Array.from(sums.dataSync(), (v) => v / split.count);
    return { loss: loss!, lossMu: lossMu!, recon: recon!, kl: kl!, count: split.count };
  } finally {
    tf.dispose(sums);
  }
}
