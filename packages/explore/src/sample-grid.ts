import * as tf from '@tensorflow/tfjs-core';
import { tfSeed } from '@vae/model';
import { SeedStream, deriveSeed } from '@vae/train';

/** Samples in the grid a run draws each epoch: 16 × 16. */
export const SAMPLE_GRID_COUNT = 256;

/**
 * The fixed z of a run's sample grids, `[count, latentDim]` draws of N(0, I) keyed by the run's seed:
 * the same in the CLI and the web page, so the same model shows the same digits in both.
 */
export function sampleGridLatents(seed: number, latentDim: number, count = SAMPLE_GRID_COUNT): tf.Tensor2D {
  return tf.randomNormal([count, latentDim], 0, 1, 'float32', tfSeed(deriveSeed(seed, SeedStream.sampleGrid))) as tf.Tensor2D;
}
