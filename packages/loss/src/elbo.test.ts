import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { elbo, elboGrad } from './elbo.js';
import { LossConfigError, checkReconstructionRange } from './reconstruction.js';

function outputs(seed: number, lo = 0, hi = 1) {
  return {
    logits: tf.randomNormal([4, 10], 0, 2, 'float32', seed) as tf.Tensor2D,
    x: tf.randomUniform([4, 10], lo, hi, 'float32', seed + 1) as tf.Tensor2D,
    mu: tf.randomNormal([4, 3], 0, 1, 'float32', seed + 2) as tf.Tensor2D,
    logvar: tf.randomNormal([4, 3], 0, 0.5, 'float32', seed + 3) as tf.Tensor2D,
  };
}

describe('elbo', () => {
  it('returns per-sample parts with total = recon + β·kl', () => {
    const o = outputs(10);
    const { recon, kl, total } = elbo(o, { beta: 4 });
    expect(recon.shape).toEqual([4]);
    const r = recon.arraySync();
    const k = kl.arraySync();
    total.arraySync().forEach((t, i) => expect(t).toBeCloseTo(r[i]! + 4 * k[i]!, 4));
  });

  it('refuses BCE on targets in [−1, 1] with a message naming the fix', () => {
    const o = outputs(20, -1, 1);
    expect(() => elbo(o)).toThrow(LossConfigError);
    expect(() => elbo(o)).toThrow(/\[0, 1\].*Gaussian/);
    expect(() => checkReconstructionRange('bernoulli', [-1, 1], "normalization 'symmetric'")).toThrow(/symmetric/);
    // The Gaussian term takes the same data.
    expect(() => elbo(o, { reconstruction: 'gaussian', gaussian: { range: [-1, 1] } })).not.toThrow();
  });

  it('rejects a negative or non-finite beta', () => {
    expect(() => elbo(outputs(30), { beta: -1 })).toThrow(/beta/);
    expect(() => elboGrad(outputs(30), { beta: Number.NaN })).toThrow(/beta/);
  });

  it('gives the gradients autodiff finds, for both terms, β and scale', () => {
    for (const reconstruction of ['bernoulli', 'gaussian'] as const) {
      const o = outputs(40);
      const options = { reconstruction, beta: 0.5, scale: 1 / 4 };
      const f = (logits: tf.Tensor, mu: tf.Tensor, logvar: tf.Tensor) =>
        tf.mul(tf.sum(elbo({ x: o.x, logits: logits as tf.Tensor2D, mu: mu as tf.Tensor2D, logvar: logvar as tf.Tensor2D }, options).total), 1 / 4);
      const [dl, dm, dv] = tf.grads(f)([o.logits, o.mu, o.logvar]);
      const mine = elboGrad(o, options);
      for (const [a, b] of [
        [dl!, mine.dLogits],
        [dm!, mine.dMu],
        [dv!, mine.dLogvar],
      ] as const) {
        expect(tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]).toBeLessThan(1e-5);
      }
    }
  });
});
