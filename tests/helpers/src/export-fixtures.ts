// What @vae/export's runtime tests export and compare: model shapes, widened weights, inputs, and the reference outputs.
import * as tf from '@tensorflow/tfjs-core';
import { embeddedMnist } from '@vae/data/node';
import { Vae, type VaeConfig } from '@vae/model';

/** The shapes every runtime test exports: the reference model, and one with other sizes everywhere. */
export const CONFIGS: Array<{ label: string; config: Partial<VaeConfig> }> = [
  { label: 'the reference model (784-512-256, z 20)', config: {} },
  { label: 'a 2-D latent space with three encoder and one decoder layer', config: { encoderHidden: [300, 100, 50], latentDim: 2, decoderHidden: [64] } },
];

/** Rows of each comparison: 64 test images, 64 latent vectors. */
export const ROWS = 64;

/**
 * A model with weights 2.5 times PyTorch's init: activations and logits then span several units, as
 * in a trained model, so the sigmoid is not near-linear and a wrong layer would show.
 */
export function widenedVae(config: Partial<VaeConfig>, seed: number): Vae {
  const vae = new Vae(config, { seed });
  const weights = vae.getWeights();
  const scaled = tf.tidy(() => Object.fromEntries(Object.entries(weights).map(([name, w]) => [name, tf.mul(w, 2.5)])));
  vae.setWeights(scaled);
  tf.dispose([...Object.values(weights), ...Object.values(scaled)]);
  return vae;
}

/** The first `ROWS` embedded test digits as `unit` inputs (v/255), [ROWS, 784] row-major. */
export async function testImages(): Promise<Float32Array> {
  const { test } = await embeddedMnist();
  return Float32Array.from(test.images.subarray(0, ROWS * 784), (v) => v / 255);
}

/** `ROWS` draws of z ~ N(0, I), [ROWS, latentDim] row-major. */
export function latents(latentDim: number, seed: number): Float32Array {
  const z = tf.randomNormal([ROWS, latentDim], 0, 1, 'float32', seed);
  const values = z.dataSync() as Float32Array;
  z.dispose();
  return values;
}

/** What @vae/model computes on the same inputs: the reference every export is compared with. */
export async function referenceOutputs(vae: Vae, x: Float32Array, z: Float32Array) {
  const { inputDim, latentDim } = vae;
  const read = async (t: tf.Tensor) => {
    const values = (await t.data()) as Float32Array;
    t.dispose();
    return values;
  };
  const xt = tf.tensor2d(x, [x.length / inputDim, inputDim]);
  const zt = tf.tensor2d(z, [z.length / latentDim, latentDim]);
  const { mu, logvar } = vae.encode(xt);
  const out = { mu: await read(mu), logvar: await read(logvar), probabilities: await read(vae.decode(zt)), logits: await read(vae.decodeLogits(zt)) };
  tf.dispose([xt, zt]);
  return out;
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`lengths differ: ${a.length} and ${b.length}`);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
}
