import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { bernoulliNegLogLikelihood, bernoulliNegLogLikelihoodGrad } from './bernoulli.js';

const sigmoid = (l: number) => 1 / (1 + Math.exp(-l));

describe('bernoulliNegLogLikelihood', () => {
  it('equals −Σ[x log p + (1−x) log(1−p)] computed by hand', () => {
    const logits = [
      [0.5, -1.2, 2],
      [0, 3, -0.3],
    ];
    const x = [
      [1, 0, 0.25],
      [0.5, 1, 0],
    ];
    const expected = logits.map((row, i) =>
      row.reduce((s, l, j) => {
        const p = sigmoid(l);
        const t = x[i]![j]!;
        return s - (t * Math.log(p) + (1 - t) * Math.log(1 - p));
      }, 0),
    );
    const got = bernoulliNegLogLikelihood(tf.tensor2d(logits), tf.tensor2d(x)).arraySync();
    expect(got[0]).toBeCloseTo(expected[0]!, 5);
    expect(got[1]).toBeCloseTo(expected[1]!, 5);
  });

  it('stays finite and exact for logits of ±100', () => {
    const logits = tf.tensor2d([[100, -100, 100, -100]]);
    const x = tf.tensor2d([[1, 0, 0, 1]]);
    // Right answers cost ~0; wrong ones cost |l| = 100 each.
    const [v] = bernoulliNegLogLikelihood(logits, x).arraySync();
    expect(Number.isFinite(v)).toBe(true);
    expect(v).toBeCloseTo(200, 3);
    const g = bernoulliNegLogLikelihoodGrad(logits, x).arraySync()[0]!;
    expect(g.every(Number.isFinite)).toBe(true);
    expect(g).toEqual([0, 0, 1, -1].map((e) => expect.closeTo(e, 6)) as unknown as number[]);
  });

  it('has the gradient autodiff finds', () => {
    const logits = tf.randomNormal([3, 5], 0, 3, 'float32', 1) as tf.Tensor2D;
    const x = tf.randomUniform([3, 5], 0, 1, 'float32', 2) as tf.Tensor2D;
    const auto = tf.grad((l: tf.Tensor) => tf.sum(bernoulliNegLogLikelihood(l as tf.Tensor2D, x)))(logits);
    const mine = bernoulliNegLogLikelihoodGrad(logits, x);
    expect(tf.max(tf.abs(tf.sub(auto, mine))).dataSync()[0]).toBeLessThan(1e-5);
  });
});
