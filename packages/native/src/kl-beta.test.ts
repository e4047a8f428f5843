import * as tf from '@tensorflow/tfjs-core';
import { Vae, mlpDescription, type VaeConfig } from '@vae/model';
import { standardNormalNoise } from '@vae/train';
import { describe, expect, it } from 'vitest';
import { NativeVaeTrainer, isNativeAvailable, nativeLoadError, type NativeParallel, type NativeVaeTrainerOptions } from './index.js';
import { nativeStepEngine } from './step-engine.js';

// setKlBeta (KL warm-up): the trainer then does exactly what a new one made with that β does.
const available = isNativeAvailable();
const title = available ? 'NativeVaeTrainer.setKlBeta' : `NativeVaeTrainer.setKlBeta — SKIPPED, native addon unavailable: ${nativeLoadError()}`;

const CONFIG: VaeConfig = { inputDim: 30, encoderHidden: [21, 9], latentDim: 3, decoderHidden: [11] };
const MODES: Array<{ threads: number; parallel?: NativeParallel }> = [{ threads: 1 }, { threads: 2, parallel: 'split' }, { threads: 2, parallel: 'data' }];
const LOSSES: Array<Pick<NativeVaeTrainerOptions, 'reconstruction' | 'gaussian'>> = [{}, { reconstruction: 'gaussian', gaussian: { range: [-1, 1], sigma: 0.7 } }];

/** Batch `seed` of `n` rows: x in [0, 1) with about half the entries zero (so the sparse first layer runs too), and its noise. */
function batch(n: number, seed: number): { x: Float32Array; eps: Float32Array } {
  const u = standardNormalNoise(seed, n * CONFIG.inputDim).map((v) => Math.max(0, Math.tanh(v)));
  return { x: Float32Array.from(u), eps: standardNormalNoise(seed + 1, n * CONFIG.latentDim) };
}

function initialWeights(): Float32Array[] {
  const vae = new Vae(CONFIG, { seed: 3 });
  const weights = vae.namedVariables().map(({ variable }) => Float32Array.from(variable.dataSync() as Float32Array));
  vae.dispose();
  return weights;
}

describe.skipIf(!available)(title, () => {
  it('a step, gradients and an evaluation after setKlBeta(b) are those of a new trainer made with β = b, bit for bit', () => {
    const weights = initialWeights();
    for (const loss of LOSSES) {
      for (const mode of MODES) {
        const what = `${JSON.stringify(loss)}, ${JSON.stringify(mode)}`;
        const switched = new NativeVaeTrainer({ model: mlpDescription(CONFIG), weights, ...loss, ...mode, beta: 1 });
        // One step at β = 1 first: the change comes between steps, as in a warm-up.
        const first = batch(16, 1);
        switched.step(first.x, 16, first.eps);
        const made = new NativeVaeTrainer({ model: mlpDescription(CONFIG), weights: switched.getWeights(), ...loss, ...mode, beta: 0.3 });
        made.setAdamState(switched.getAdamState());
        switched.setKlBeta(0.3);
        for (let s = 2; s <= 4; s++) {
          const { x, eps } = batch(16 + s, 10 * s);
          expect(switched.evaluate(x, 16 + s, eps), `${what}: evaluate before step ${s}`).toEqual(made.evaluate(x, 16 + s, eps));
          expect(switched.gradients(x, 16 + s, eps), `${what}: gradients before step ${s}`).toEqual(made.gradients(x, 16 + s, eps));
          expect(switched.step(x, 16 + s, eps), `${what}: loss of step ${s}`).toBe(made.step(x, 16 + s, eps));
        }
        expect(switched.getWeights(), what).toEqual(made.getWeights());
        expect(switched.getAdamState(), what).toEqual(made.getAdamState());
        // β changes the loss here (so the equalities say something), and back to 1 is the β = 1 trainer again.
        const { x, eps } = batch(8, 99);
        const atOne = new NativeVaeTrainer({ model: mlpDescription(CONFIG), weights: switched.getWeights(), ...loss, ...mode, beta: 1 });
        expect(switched.evaluate(x, 8, eps).loss).not.toBe(atOne.evaluate(x, 8, eps).loss);
        switched.setKlBeta(1);
        expect(switched.evaluate(x, 8, eps)).toEqual(atOne.evaluate(x, 8, eps));
        for (const t of [switched, made, atOne]) t.dispose();
      }
    }
  });

  it('refuses a β that is not a finite number ≥ 0, and use after dispose', () => {
    const trainer = new NativeVaeTrainer({ model: mlpDescription(CONFIG), weights: initialWeights() });
    for (const bad of [-0.5, Number.NaN, Number.POSITIVE_INFINITY, '1' as unknown as number]) {
      expect(() => trainer.setKlBeta(bad)).toThrow(new RangeError(`NativeVaeTrainer: setKlBeta: beta: expected a finite number ≥ 0, got ${JSON.stringify(bad)}`));
    }
    trainer.dispose();
    expect(() => trainer.setKlBeta(1)).toThrow('NativeVaeTrainer: used after dispose()');
  });

  it("the step engine's evaluateBatch keeps the run's β while the steps use the warm-up's", () => {
    const tensors = tf.memory().numTensors;
    const model = new Vae(CONFIG, { seed: 3 });
    const context = { model, adam: { learningRate: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 }, loss: { beta: 1 } };
    const warming = nativeStepEngine({ threads: 1 })(context);
    const plain = nativeStepEngine({ threads: 1 })(context);
    const { x } = batch(12, 5);
    const before = plain.evaluateBatch!(x, 12, 7);
    warming.setKlBeta(0.25);
    expect(warming.evaluateBatch!(x, 12, 7)).toEqual(before);
    // …and the steps after it still use 0.25: the step's loss is recon + 0.25 · kl.
    const fresh = nativeStepEngine({ threads: 1 })({ ...context, loss: { beta: 0.25 } });
    warming.step(x, 12, 7);
    fresh.step(x, 12, 7);
    expect(warming.readLossSum()).toBe(fresh.readLossSum());
    for (const engine of [warming, plain, fresh]) engine.dispose();
    model.dispose();
    expect(tf.memory().numTensors).toBe(tensors);
  });
});
