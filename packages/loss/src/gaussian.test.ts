import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { gaussianMean, gaussianNegLogLikelihood, gaussianNegLogLikelihoodGrad } from './gaussian.js';

describe('gaussianNegLogLikelihood', () => {
  it('is half the squared error for σ = 1 on [0, 1] data', () => {
    const logits = tf.tensor2d([[0, 2, -1]]);
    const x = tf.tensor2d([[0.2, 1, 0]]);
    const s = [0, 2, -1].map((l) => 1 / (1 + Math.exp(-l)));
    const expected = 0.5 * ((s[0]! - 0.2) ** 2 + (s[1]! - 1) ** 2 + s[2]! ** 2);
    expect(gaussianNegLogLikelihood(logits, x).arraySync()[0]).toBeCloseTo(expected, 6);
  });

  it('maps the mean into the data range and adds the density constant when asked', () => {
    const logits = tf.tensor2d([[0, 100, -100]]);
    expect(gaussianMean(logits, [-1, 1]).arraySync()[0]).toEqual([0, 1, -1]);
    const x = tf.tensor2d([[0, 1, -1]]);
    const sigma = 0.5;
    const v = gaussianNegLogLikelihood(logits, x, { range: [-1, 1], sigma, includeConstant: true }).arraySync()[0]!;
    expect(v).toBeCloseTo(3 * (Math.log(sigma) + 0.5 * Math.log(2 * Math.PI)), 5);
  });

  it('has the gradient autodiff finds', () => {
    const logits = tf.randomNormal([4, 6], 0, 2, 'float32', 3) as tf.Tensor2D;
    const x = tf.randomUniform([4, 6], -1, 1, 'float32', 4) as tf.Tensor2D;
    const options = { range: [-1, 1] as const, sigma: 0.7 };
    const auto = tf.grad((l: tf.Tensor) => tf.sum(gaussianNegLogLikelihood(l as tf.Tensor2D, x, options)))(logits);
    const mine = gaussianNegLogLikelihoodGrad(logits, x, options);
    expect(tf.max(tf.abs(tf.sub(auto, mine))).dataSync()[0]).toBeLessThan(1e-5);
  });
});
