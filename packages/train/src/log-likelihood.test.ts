import * as tf from '@tensorflow/tfjs-core';
import { resolveVaeConfig, Vae } from '@vae/model';
import { afterAll, describe, expect, it } from 'vitest';
import { evaluate } from './evaluate.js';
import { estimateLogLikelihood, tfjsLogWeights, type LogWeightsFunction } from './log-likelihood.js';
import { head, realDigits } from '@vae/test-helpers/splits';

// An untrained model on real digits: q(z|x) is far from the posterior, so K matters a lot.
const model = new Vae(resolveVaeConfig({ inputDim: 784, encoderHidden: [32], latentDim: 4, decoderHidden: [32] }), { seed: 3 });
const test = head((await realDigits()).test, 40);
afterAll(() => model.dispose());

describe('estimateLogLikelihood', () => {
  it('is at least the ELBO of the same images and rises with K', async () => {
    const elbo = await evaluate(model, test, { batchSize: 40, seed: 1 });
    const at = async (samples: number) => (await estimateLogLikelihood(model, test, { samples, seed: 1 })).logLikelihood;
    const [k1, k10, k100] = [await at(1), await at(10), await at(100)];
    // K = 1 is an unbiased estimate of −ELBO (different draws): within a few nats over 40 images.
    expect(Math.abs(k1 + elbo.loss)).toBeLessThan(5);
    expect(k10).toBeGreaterThan(k1);
    expect(k100).toBeGreaterThan(k10);
    expect(k100).toBeGreaterThan(-elbo.loss);
  });

  it('gives the same per-image figures however the draws are split into calls', async () => {
    const calls: number[] = [];
    const counting = (inner: LogWeightsFunction): LogWeightsFunction => (x, n, k, eps) => {
      calls.push(n * k);
      return inner(x, n, k, eps);
    };
    const whole = await estimateLogLikelihood(model, test, { samples: 30, seed: 2, count: 10 });
    const split = await estimateLogLikelihood(model, test, { samples: 30, seed: 2, count: 10, rowsPerCall: 7 }, counting(tfjsLogWeights(model)));
    const grouped = await estimateLogLikelihood(model, test, { samples: 30, seed: 2, count: 10, rowsPerCall: 95 });
    expect(Math.max(...calls)).toBeLessThanOrEqual(7);
    for (let i = 0; i < 10; i++) {
      expect(split.perImage[i]).toBeCloseTo(whole.perImage[i]!, 3);
      expect(grouped.perImage[i]).toBeCloseTo(whole.perImage[i]!, 3);
    }
  });

  it('repeats at a seed and draws unrelated noise at the next seed', async () => {
    const a = await estimateLogLikelihood(model, test, { samples: 20, seed: 7 });
    const again = await estimateLogLikelihood(model, test, { samples: 20, seed: 7 });
    const next = await estimateLogLikelihood(model, test, { samples: 20, seed: 8 });
    expect(Array.from(again.perImage)).toEqual(Array.from(a.perImage));
    expect(a.perImage.some((v, i) => v !== next.perImage[i])).toBe(true);
    // The seed-to-seed difference is on the scale of the standard error, not zero nor huge.
    expect(Math.abs(a.logLikelihood - next.logLikelihood)).toBeLessThan(6 * Math.hypot(a.standardError, next.standardError));
    expect(a.standardError).toBeGreaterThan(0);
  });

  it('reports progress, stops when aborted, and keeps no tensors', async () => {
    const before = tf.memory().numTensors;
    const progress: number[] = [];
    await estimateLogLikelihood(model, test, { samples: 500, count: 5, rowsPerCall: 500, onProgress: (done) => progress.push(done) });
    expect(progress).toEqual([1, 2, 3, 4, 5]);
    expect(tf.memory().numTensors).toBe(before);
    const controller = new AbortController();
    controller.abort();
    await expect(estimateLogLikelihood(model, test, { samples: 5, signal: controller.signal })).rejects.toThrow(/abort/i);
  });

  it('lets a timer (a Ctrl-C handler) abort it between calls, even when every call resolves at once (wasm, the native addon)', async () => {
    // Busy weights that return at once: the loop's awaits alone never let a timer run.
    const busy: LogWeightsFunction = (_x, n, k) => {
      const until = performance.now() + 5;
      while (performance.now() < until);
      return new Float32Array(n * k);
    };
    const controller = new AbortController();
    let calls = 0;
    const counting: LogWeightsFunction = (...args) => (calls++, busy(...args));
    setTimeout(() => controller.abort(), 20);
    await expect(estimateLogLikelihood(model, test, { samples: 10, count: 40, rowsPerCall: 10, signal: controller.signal }, counting)).rejects.toThrow(/abort/i);
    expect(calls).toBeLessThan(40);
  });

  it('refuses bad arguments', async () => {
    await expect(estimateLogLikelihood(model, test, { samples: 0 })).rejects.toThrow(/samples/);
    await expect(estimateLogLikelihood(model, test, { count: 41 })).rejects.toThrow(/count/);
    await expect(estimateLogLikelihood(model, test, { normalization: 'symmetric' })).rejects.toThrow(/\[0, 1\]/);
  });

  it('averages the weights themselves, not their logs: log (1/K) Σ w_k, exactly, per image', async () => {
    // Weights 1, 2, …, K (log weights log k) for image i scaled by e^−i: log p̂ = log((K + 1) / 2) − i.
    const allOnes: LogWeightsFunction = (_x, n, k) => new Float32Array(n * k); // every weight e⁰ = 1
    let image = 0;
    const ramp: LogWeightsFunction = (_x, n, k) => {
      const w = new Float32Array(n * k);
      for (let i = 0; i < n; i++, image++) for (let j = 0; j < k; j++) w[i * k + j] = Math.log(j + 1) - image;
      return w;
    };
    const est = await estimateLogLikelihood(model, test, { samples: 9, count: 6 }, ramp);
    for (let i = 0; i < 6; i++) expect(est.perImage[i]).toBeCloseTo(Math.log(5) - i, 5);
    expect(est.logLikelihood).toBeCloseTo(Math.log(5) - 2.5, 5);
    // Standard error of 0, 1, …, 5 shifted: sd = √3.5, over √6.
    expect(est.standardError).toBeCloseTo(Math.sqrt(3.5) / Math.sqrt(6), 5);
    const zero = await estimateLogLikelihood(model, test, { samples: 4, count: 3 }, allOnes);
    expect(zero).toMatchObject({ logLikelihood: 0, standardError: 0 });
  });
});
