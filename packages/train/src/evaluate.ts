import * as tf from '@tensorflow/tfjs-core';
import { createRng, gatherBatchInto, normalizationRange, valuesPerImage, type MnistSplit, type Normalization } from '@vae/data';
import { checkReconstructionRange, elbo, type ElboOptions } from '@vae/loss';
import type { TrainableModel } from './trainable-model.js';
import { deriveSeed, standardNormalNoise } from './seeds.js';
import { yieldToSignal } from './yield-to-signal.js';

export interface EvaluateOptions extends Pick<ElboOptions, 'beta' | 'reconstruction' | 'gaussian'> {
  normalization?: Normalization;
  batchSize?: number;
  /** Seed of the z noise and of a `dynamic-binary` test binarization (fixed, so epochs compare). */
  seed?: number;
  /** Aborting stops before the next batch, with an `AbortError`. */
  signal?: AbortSignal;
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

/** The figures of `Evaluation` summed over one batch (not yet divided by the count). */
export type EvaluationSums = Omit<Evaluation, 'count'>;

/**
 * Evaluates one batch `x` (`[n, inputDim]`) with noise `eps ~ N(0, I)` drawn as
 * `standardNormalNoise(noiseSeed, n · latentDim)`; returns the sums over the batch.
 * `StepEngine.evaluateBatch` has this shape, so an engine can evaluate on its own copy of the weights.
 */
export type BatchEvaluator = (x: Float32Array, n: number, noiseSeed: number) => EvaluationSums | Promise<EvaluationSums>;

/**
 * Evaluates the model on a whole split, in batches, keeping no tensors. `evaluateBatch` replaces
 * the tfjs forward passes (e.g. a native engine's); batching, normalization and noise seeds stay
 * the same, so both give the same figures up to float32 rounding.
 */
export async function evaluate(model: TrainableModel, split: MnistSplit, options: EvaluateOptions = {}, evaluateBatch?: BatchEvaluator): Promise<Evaluation> {
  const { normalization = 'unit', batchSize = 1000, seed = 0 } = options;
  // Checked once here instead of per batch (checkTargets: false below).
  checkReconstructionRange(options.reconstruction ?? 'bernoulli', normalizationRange(normalization), `pixels with normalization '${normalization}'`);
  const lossOptions: ElboOptions = { ...options, checkTargets: false };
  const pixels = valuesPerImage(split); // rows·cols·channels
  const order = Uint32Array.from({ length: split.count }, (_, i) => i);
  const buffer = new Float32Array(batchSize * pixels);
  const rng = createRng(seed);
  const tfjsBatch: BatchEvaluator = async (x, n, noiseSeed) => {
    const sums = tf.tidy(() => {
      const xt = tf.tensor2d(x, [n, pixels]);
      const { mu, logvar } = model.encode(xt);
      const eps = tf.tensor2d(standardNormalNoise(noiseSeed, n * model.latentDim), [n, model.latentDim]);
      const sampled = elbo({ x: xt, mu, logvar, logits: model.decodeLogits(tf.add(mu, tf.mul(tf.exp(tf.mul(logvar, 0.5)), eps))) }, lossOptions);
      const atMean = elbo({ x: xt, mu, logvar, logits: model.decodeLogits(mu) }, lossOptions);
      return tf.stack([sampled.total, atMean.total, sampled.recon, sampled.kl].map((t) => tf.sum(t)));
    });
    // One read-back per batch (of up to `batchSize` images): a few per evaluation.
    const [loss, lossMu, recon, kl] = Array.from(await sums.data());
    sums.dispose();
    return { loss: loss!, lossMu: lossMu!, recon: recon!, kl: kl! };
  };
  const run = evaluateBatch ?? tfjsBatch;
  const total = { loss: 0, lossMu: 0, recon: 0, kl: 0 };
  for (let start = 0; start < split.count; start += batchSize) {
    if (options.signal) await yieldToSignal(options.signal);
    const end = Math.min(start + batchSize, split.count);
    const n = end - start;
    const x = gatherBatchInto(split, order, start, end, normalization, buffer, rng);
    const sums = await run(x, n, deriveSeed(seed, start));
    total.loss += sums.loss;
    total.lossMu += sums.lossMu;
    total.recon += sums.recon;
    total.kl += sums.kl;
  }
  const count = split.count;
  return { loss: total.loss / count, lossMu: total.lossMu / count, recon: total.recon / count, kl: total.kl / count, count };
}
