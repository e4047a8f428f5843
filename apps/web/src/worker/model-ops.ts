import * as tf from '@tensorflow/tfjs-core';
import { isNormalization, normalizeInto, type Normalization } from '@vae/data';
import type { Vae } from '@vae/model';
import type { ModelInfo } from '../model-client.js';

/** What the page needs to know of a model; the normalization comes from the settings it was trained with (`metadata.settings`). */
export function modelInfoOf(vae: Vae, modelJson: unknown, source: string): ModelInfo {
  const settings = (modelJson as { metadata?: { settings?: { normalization?: unknown } } } | null)?.metadata?.settings;
  const normalization: Normalization = isNormalization(settings?.normalization) ? settings.normalization : 'unit';
  const { inputDim, latentDim } = vae;
  return { inputDim, latentDim, side: Math.round(Math.sqrt(inputDim)), image: vae.imageShape, normalization, source };
}

/** Pixel means of `count` latent vectors: `[count, latentDim]` → `[count, inputDim]`, a fresh array (safe to transfer). */
export async function decodeLatents(vae: Vae, z: Float32Array, count: number): Promise<Float32Array> {
  const { latentDim } = vae;
  if (z.length !== count * latentDim) throw new Error(`decode: ${z.length} values for ${count} latent vectors of size ${latentDim}`);
  const probabilities = tf.tidy(() => vae.decode(tf.tensor2d(z, [count, latentDim])));
  try {
    return new Float32Array(await probabilities.data());
  } finally {
    probabilities.dispose();
  }
}

/**
 * Posterior means and log-variances of `count` images given as 0..255 bytes, scaled the way the model
 * was trained. Dynamic binarization is random; the views see its expectation (the unit scale) instead.
 */
export async function encodePixels(vae: Vae, normalization: Normalization, pixels: Uint8Array, count: number): Promise<{ mu: Float32Array; logVar: Float32Array }> {
  const { inputDim } = vae;
  if (pixels.length !== count * inputDim) throw new Error(`encode: ${pixels.length} pixels for ${count} images of ${inputDim}`);
  const scaled = new Float32Array(pixels.length);
  normalizeInto(pixels, scaled, normalization === 'dynamic-binary' ? 'unit' : normalization);
  const { mu, logvar } = tf.tidy(() => vae.encode(tf.tensor2d(scaled, [count, inputDim])));
  try {
    const [muValues, logVarValues] = await Promise.all([mu.data(), logvar.data()]);
    return { mu: new Float32Array(muValues), logVar: new Float32Array(logVarValues) };
  } finally {
    mu.dispose();
    logvar.dispose();
  }
}
