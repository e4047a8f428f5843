import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { elbo } from './elbo.js';
import { importanceWeightedBound, type EncoderDecoder } from './importance-weighted.js';

/**
 * A model small enough for exact log p(x): one latent, one Bernoulli pixel with logit a·z + b, and a
 * deliberately imperfect but wide q(z|x) = N(0.2, e^0.4) (wide, so the weights are bounded). Then p(x) = ∫ N(z; 0, 1) σ(±(a·z + b)) dz by quadrature.
 */
const a = 2.5;
const b = -0.7;
const model: EncoderDecoder = {
  encode: (x) => ({ mu: tf.fill([x.shape[0], 1], 0.2) as tf.Tensor2D, logvar: tf.fill([x.shape[0], 1], 0.4) as tf.Tensor2D }),
  decodeLogits: (z) => tf.add(tf.mul(z, a), b) as tf.Tensor2D,
};

function exactNegLogLikelihood(pixel: 0 | 1): number {
  let p = 0;
  const dz = 1e-3;
  for (let z = -10; z <= 10; z += dz) {
    const prior = Math.exp(-0.5 * z * z) / Math.sqrt(2 * Math.PI);
    const on = 1 / (1 + Math.exp(-(a * z + b)));
    p += prior * (pixel === 1 ? on : 1 - on) * dz;
  }
  return -Math.log(p);
}

describe('importanceWeightedBound', () => {
  it('approaches the exact −log p(x) as k grows, from above, and is tighter than the ELBO', () => {
    for (const pixel of [0, 1] as const) {
      const x = tf.fill([200, 1], pixel) as tf.Tensor2D;
      const exact = exactNegLogLikelihood(pixel);
      const k1 = tf.mean(importanceWeightedBound(model, x, { samples: 1, seed: 1 })).dataSync()[0]!;
      const k500 = tf.mean(importanceWeightedBound(model, x, { samples: 500, seed: 2 })).dataSync()[0]!;
      const { mu, logvar } = model.encode(x);
      const z = tf.add(mu, tf.mul(tf.exp(tf.mul(logvar, 0.5)), tf.randomNormal(mu.shape, 0, 1, 'float32', 3))) as tf.Tensor2D;
      const elboLoss = tf.mean(elbo({ x, mu, logvar, logits: model.decodeLogits(z) }).total).dataSync()[0]!;
      expect(k500).toBeCloseTo(exact, 2);
      expect(k1).toBeGreaterThan(k500);
      expect(elboLoss).toBeGreaterThan(exact + 0.01);
    }
  });

  it('does not leak tensors', () => {
    const x = tf.fill([5, 1], 1) as tf.Tensor2D;
    const before = tf.memory().numTensors;
    importanceWeightedBound(model, x, { samples: 8 }).dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
