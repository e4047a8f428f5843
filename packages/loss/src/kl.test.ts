import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { klDivergence, klDivergenceGrad } from './kl.js';

describe('klDivergence', () => {
  it('is 0 for q = N(0, I) and matches the formula by hand', () => {
    const mu = tf.tensor2d([
      [0, 0],
      [1, -2],
    ]);
    const logvar = tf.tensor2d([
      [0, 0],
      [0.5, -1],
    ]);
    const byHand = -0.5 * (1 + 0.5 - 1 - Math.exp(0.5) + (1 - 1 - 4 - Math.exp(-1)));
    const [a, b] = klDivergence(mu, logvar).arraySync();
    expect(a).toBeCloseTo(0, 7);
    expect(b).toBeCloseTo(byHand, 5);
  });

  it('is never negative', () => {
    const kl = klDivergence(tf.randomNormal([50, 8], 0, 2, 'float32', 5) as tf.Tensor2D, tf.randomNormal([50, 8], 0, 2, 'float32', 6) as tf.Tensor2D);
    expect(tf.min(kl).dataSync()[0]).toBeGreaterThanOrEqual(0);
  });

  it('has the gradients autodiff finds', () => {
    const mu = tf.randomNormal([3, 4], 0, 1, 'float32', 7) as tf.Tensor2D;
    const logvar = tf.randomNormal([3, 4], 0, 1, 'float32', 8) as tf.Tensor2D;
    const [gMu, gLv] = tf.grads((m: tf.Tensor, l: tf.Tensor) => tf.sum(klDivergence(m as tf.Tensor2D, l as tf.Tensor2D)))([mu, logvar]);
    const mine = klDivergenceGrad(mu, logvar);
    expect(tf.max(tf.abs(tf.sub(gMu!, mine.dMu))).dataSync()[0]).toBeLessThan(1e-6);
    expect(tf.max(tf.abs(tf.sub(gLv!, mine.dLogvar))).dataSync()[0]).toBeLessThan(1e-6);
  });
});
