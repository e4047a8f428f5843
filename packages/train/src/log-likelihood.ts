import * as tf from '@tensorflow/tfjs-core';
import { createRng, gatherBatchInto, normalizationRange, valuesPerImage, type MnistSplit, type Normalization } from '@vae/data';
import { checkReconstructionRange, importanceLogWeights, type ReconstructionOptions } from '@vae/loss';
import type { TrainableModel } from './trainable-model.js';
import { SeedStream, deriveSeed, standardNormalNoise } from './seeds.js';
import { yieldToSignal } from './yield-to-signal.js';
import { isPositiveInteger } from '@vae/internal';

/**
 * The log importance weights of `k` draws for each of `n` images: x `[n, pixels]`, eps
 * `[n·k, latent]` image-major (rows i·k … i·k + k − 1 are image i's) → `[n·k]` nats, each
 * log p(x|z) + log p(z) − log q(z|x) with z = μ + σ·ε. `tfjsLogWeights` computes it with tfjs on
 * the active backend; an engine may supply a faster one (e.g. `@vae/native`'s).
 */
export type LogWeightsFunction = (x: Float32Array, n: number, k: number, eps: Float32Array) => Float32Array | Promise<Float32Array>;

export interface LogLikelihoodOptions extends ReconstructionOptions {
  /** Importance samples per image (K). Default 5000, as is usual for MNIST VAEs. */
  samples?: number;
  /** Estimate on the first `count` images of the split. Default: all. */
  count?: number;
  /** Seed of the draws (and of a `dynamic-binary` binarization). Default 0. */
  seed?: number;
  normalization?: Normalization;
  /** Decoder passes per call of the weights function: bounds memory. Default 8192. */
  rowsPerCall?: number;
  /** Called after each call with the images finished so far. */
  onProgress?: (imagesDone: number, images: number) => void;
  /** Aborting stops before the next call, with an `AbortError` (the loop lets other work run between calls, so a Ctrl-C handler can abort it). */
  signal?: AbortSignal;
}

export interface LogLikelihoodEstimate {
  /** Mean over the images of log p̂(x) = log (1/K) Σ_k w_k, in nats (negative; higher is better). */
  logLikelihood: number;
  /** Standard error of that mean over images (sample standard deviation / √count). */
  standardError: number;
  /** log p̂(x) per image. */
  perImage: Float64Array;
  count: number;
  samples: number;
}

/** `LogWeightsFunction` with tfjs ops on the active backend. */
export function tfjsLogWeights(model: TrainableModel, options: ReconstructionOptions = {}): LogWeightsFunction {
  const { inputDim, latentDim } = model;
  return async (x, n, k, eps) => {
    const weights = tf.tidy(() =>
      importanceLogWeights(model, tf.tensor2d(x.subarray(0, n * inputDim), [n, inputDim]), tf.tensor3d(eps.subarray(0, n * k * latentDim), [n, k, latentDim]), options),
    );
    try {
      return (await weights.data()) as Float32Array;
    } finally {
      weights.dispose();
    }
  };
}

/** log (1/K) Σ exp(w), in float64 (the weights of one image span hundreds of nats). */
function logMeanExp(w: ArrayLike<number>): number {
  let max = -Infinity;
  for (let i = 0; i < w.length; i++) max = Math.max(max, w[i]!);
  if (!Number.isFinite(max)) return max;
  let sum = 0;
  for (let i = 0; i < w.length; i++) sum += Math.exp(w[i]! - max);
  return max + Math.log(sum / w.length);
}

/**
 * The importance-weighted estimate of the test log-likelihood (Burda et al., 2016): for each image,
 * log p̂(x) = log (1/K) Σ_k p(x|z_k) p(z_k) / q(z_k|x), z_k ~ q(z|x), a lower bound on log p(x)
 * in expectation that tightens as K grows (K = 1 is the ELBO). Reported as the mean over images
 * with its standard error.
 *
 * Image i's draws come from their own stream, keyed by (seed, i), drawn by `standardNormalNoise` as
 * the training noise is: estimates at different seeds are independent repeats, and an image's draws
 * do not depend on how the work is split into calls.
 */
export async function estimateLogLikelihood(
  model: TrainableModel,
  split: MnistSplit,
  options: LogLikelihoodOptions = {},
  logWeights: LogWeightsFunction = tfjsLogWeights(model, options),
): Promise<LogLikelihoodEstimate> {
  const { samples = 5000, seed = 0, normalization = 'unit', rowsPerCall = 8192 } = options;
  const count = options.count ?? split.count;
  if (!isPositiveInteger(samples)) throw new RangeError(`samples: expected a positive integer, got ${samples}`);
  if (!Number.isInteger(count) || count < 1 || count > split.count) throw new RangeError(`count: expected an integer in [1, ${split.count}], got ${count}`);
  if (!isPositiveInteger(rowsPerCall)) throw new RangeError(`rowsPerCall: expected a positive integer, got ${rowsPerCall}`);
  checkReconstructionRange(options.reconstruction ?? 'bernoulli', normalizationRange(normalization), `pixels with normalization '${normalization}'`);
  const { inputDim, latentDim } = model;
  if (valuesPerImage(split) !== inputDim) throw new RangeError(`the images have ${valuesPerImage(split)} values (rows·cols·channels), the model takes ${inputDim}`);

  // Several images per call when K is small; else one image, its draws cut into calls.
  const imagesPerCall = Math.max(1, Math.floor(rowsPerCall / samples));
  const drawsPerCall = Math.min(samples, rowsPerCall);
  const order = Uint32Array.from({ length: count }, (_, i) => i);
  const x = new Float32Array(imagesPerCall * inputDim);
  const eps = new Float32Array(imagesPerCall * samples * latentDim);
  const imageWeights = new Float64Array(samples);
  const perImage = new Float64Array(count);
  const binarizeRng = createRng(seed);

  for (let start = 0; start < count; start += imagesPerCall) {
    if (options.signal) await yieldToSignal(options.signal);
    const n = Math.min(imagesPerCall, count - start);
    gatherBatchInto(split, order, start, start + n, normalization, x, binarizeRng);
    for (let i = 0; i < n; i++) {
      const offset = i * samples * latentDim;
      standardNormalNoise(deriveSeed(seed, SeedStream.importanceSamples, start + i), samples * latentDim, eps.subarray(offset, offset + samples * latentDim));
    }
    if (n > 1 || drawsPerCall === samples) {
      const w = await logWeights(x.subarray(0, n * inputDim), n, samples, eps.subarray(0, n * samples * latentDim));
      for (let i = 0; i < n; i++) perImage[start + i] = logMeanExp(w.subarray(i * samples, (i + 1) * samples));
    } else {
      for (let first = 0; first < samples; first += drawsPerCall) {
        if (options.signal) await yieldToSignal(options.signal);
        const draws = Math.min(drawsPerCall, samples - first);
        const w = await logWeights(x.subarray(0, inputDim), 1, draws, eps.subarray(first * latentDim, (first + draws) * latentDim));
        for (let j = 0; j < draws; j++) imageWeights[first + j] = w[j]!;
      }
      perImage[start] = logMeanExp(imageWeights);
    }
    options.onProgress?.(start + n, count);
  }

  let mean = 0;
  for (const v of perImage) mean += v / count;
  let squares = 0;
  for (const v of perImage) squares += (v - mean) ** 2;
  const standardError = count > 1 ? Math.sqrt(squares / (count - 1) / count) : NaN;
  return { logLikelihood: mean, standardError, perImage, count, samples };
}
