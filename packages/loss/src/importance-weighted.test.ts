import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { elbo } from './elbo.js';
import { importanceLogWeights, importanceWeightedBound, type EncoderDecoder } from './importance-weighted.js';

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

  it('is exact for any k when q(z|x) is the true posterior (here the prior: the decoder ignores z)', () => {
    // p(x|z) = σ(0.3)^x σ(−0.3)^(1−x) per pixel whatever z is, so p(z|x) = p(z) = q(z|x) and every weight is p(x).
    const ignoresZ: EncoderDecoder = {
      encode: (x) => ({ mu: tf.zeros([x.shape[0], 3]) as tf.Tensor2D, logvar: tf.zeros([x.shape[0], 3]) as tf.Tensor2D }),
      decodeLogits: (z) => tf.fill([z.shape[0], 4], 0.3) as tf.Tensor2D,
    };
    const x = tf.tensor2d([[1, 0, 1, 1], [0, 0, 0, 1]]);
    const softplus = (v: number) => Math.log1p(Math.exp(v));
    const exact = [3 * softplus(-0.3) + softplus(0.3), softplus(-0.3) + 3 * softplus(0.3)];
    for (const samples of [1, 7, 300]) {
      const bound = importanceWeightedBound(ignoresZ, x, { samples, seed: 5 }).arraySync();
      expect(bound[0]).toBeCloseTo(exact[0]!, 4);
      expect(bound[1]).toBeCloseTo(exact[1]!, 4);
    }
  });

  it('draws unrelated noise at nearby seeds (not shifted copies of one stream)', () => {
    const at = (seed: number) => importanceWeightedBound(model, tf.fill([2000, 1], 1) as tf.Tensor2D, { samples: 6, seed }).arraySync();
    const [s1, s2] = [at(11), at(12)];
    // With seeds s + i per draw, seeds 11 and 12 shared 5 of 6 draws: the estimates were strongly correlated.
    const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
    const [m1, m2] = [mean(s1), mean(s2)];
    let cov = 0;
    let v1 = 0;
    let v2 = 0;
    for (let i = 0; i < s1.length; i++) {
      cov += (s1[i]! - m1) * (s2[i]! - m2);
      v1 += (s1[i]! - m1) ** 2;
      v2 += (s2[i]! - m2) ** 2;
    }
    expect(Math.abs(cov / Math.sqrt(v1 * v2))).toBeLessThan(0.1);
  });

  it('importanceLogWeights: one row per draw, matching the formula on a hand-checked case', () => {
    const x = tf.tensor2d([[1]]);
    const eps = tf.tensor3d([[[0], [1]]]);
    const w = importanceLogWeights(model, x, eps).arraySync()[0]!;
    const std = Math.exp(0.2);
    for (const [j, e] of [0, 1].entries()) {
      const z = 0.2 + std * e;
      const logSigmoid = -Math.log1p(Math.exp(-(a * z + b)));
      const expected = logSigmoid - 0.5 * (z * z + Math.log(2 * Math.PI)) + 0.5 * (e * e + Math.log(2 * Math.PI) + 0.4);
      expect(w[j]).toBeCloseTo(expected, 4);
    }
  });
});
