// The addon takes the model as layer lists (`encoder`, `decoder`: the model description's layers)
// and builds its ops from them: dense layers of either activation as tfjs computes them, weights
// named as the description names them, and a clear refusal of any layer it has no kernel for.
import * as tf from '@tensorflow/tfjs-core';
import { elbo, elboGrad } from '@vae/loss';
import { Vae, disposeForwardPass, mlpDescription, type ModelDescription } from '@vae/model';
import { describe, expect, it } from 'vitest';
import { isNativeAvailable, loadNative, nativeLoadError, NativeVaeTrainer, type NativeTrainerInit } from './index.js';

const available = isNativeAvailable();
const title = available ? 'the addon’s layer list' : `the addon’s layer list — SKIPPED, native addon unavailable: ${nativeLoadError()}`;

const MODES: Array<Pick<NativeTrainerInit, 'threads' | 'parallel'>> = [
  { threads: 1, parallel: 'auto' },
  { threads: 2, parallel: 'split' },
  { threads: 2, parallel: 'data' },
  { threads: 2, parallel: 'blas' },
  { threads: 3, parallel: 'split' },
];

function weightsOf(vae: Vae): Float32Array[] {
  return vae.namedVariables().map(({ variable }) => Float32Array.from(variable.dataSync() as Float32Array));
}

function init(inputDim: number, latentDim: number, weights: Float32Array[], model: Pick<NativeTrainerInit, 'encoder' | 'decoder'> & Partial<NativeTrainerInit>): NativeTrainerInit {
  return {
    inputDim, latentDim, learningRate: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, beta: 1,
    reconstruction: 'bernoulli', gaussianLo: 0, gaussianHi: 1, gaussianSigma: 1, gaussianIncludeConstant: false,
    threads: 1, parallel: 'auto', weights: weights.map((w) => w.slice()), ...model,
  };
}

/** x in [0, 1] with about a fifth of the entries nonzero (the sparse first layer), eps ~ N(0, 1); seeded. */
function batch(inputDim: number, latentDim: number, n: number, seed: number) {
  return tf.tidy(() => {
    const keep = tf.less(tf.randomUniform([n, inputDim], 0, 1, 'float32', seed + 2), 0.2);
    const x = tf.where(keep, tf.randomUniform([n, inputDim], 0, 1, 'float32', seed), tf.zeros([n, inputDim]));
    return {
      x: Float32Array.from(x.dataSync() as Float32Array),
      eps: Float32Array.from(tf.randomNormal([n, latentDim], 0, 1, 'float32', seed + 1).dataSync() as Float32Array),
    };
  });
}

function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < b.length; i++) {
    diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  return scale === 0 ? diff : diff / scale;
}

describe.skipIf(!available)(title, () => {
  it('takes the description’s layers as they are: NativeVaeTrainer passes them through, bit for bit, with their names', () => {
    const binding = loadNative()!;
    const description = mlpDescription({ inputDim: 37, encoderHidden: [70, 33], latentDim: 5, decoderHidden: [17, 41] });
    const vae = new Vae(description, { seed: 3 });
    for (const mode of MODES) {
      const a = new binding.Trainer(init(37, 5, weightsOf(vae), { encoder: description.encoder, decoder: description.decoder, ...mode }));
      const b = new NativeVaeTrainer({ model: description, weights: weightsOf(vae), ...mode });
      expect(a.tensorNames()).toEqual(vae.namedVariables().map(({ name }) => name));
      for (const [i, n] of [5, 300, 2].entries()) {
        const { x, eps } = batch(37, 5, n, 10 + i);
        expect(Object.is(b.step(x, n, eps), a.step(x, n, eps)), `${JSON.stringify(mode)}: step ${i}`).toBe(true);
      }
      const [wa, wb] = [a.getWeights(), b.getWeights()];
      wa.forEach((w, k) => expect(wb[k]!.every((v, j) => Object.is(v, w[j])), `${JSON.stringify(mode)}: weights[${k}]`).toBe(true));
      a.dispose();
      b.dispose();
    }
    vae.dispose();
  });

  it('gives the loss and gradients of @vae/model for dense layers of either activation (linear hidden layers too), in every mode', () => {
    const binding = loadNative()!;
    const base = mlpDescription({ inputDim: 36, encoderHidden: [40, 24], latentDim: 4, decoderHidden: [20, 30] });
    // A linear first layer (the sparse input path), a linear decoder layer; the others ReLU.
    const description: ModelDescription = {
      ...base,
      encoder: base.encoder.map((l, i) => ({ ...l, activation: i === 0 ? 'linear' : 'relu' }) as typeof l),
      decoder: base.decoder.map((l, i) => ({ ...l, activation: i === 1 || i === base.decoder.length - 1 ? 'linear' : 'relu' }) as typeof l),
    };
    const vae = new Vae(description, { seed: 5 });
    for (const n of [1, 7, 300]) {
      const { x, eps } = batch(36, 4, n, 40 + n);
      const ref = tf.tidy(() => {
        const xt = tf.tensor2d(x, [n, 36]);
        const pass = vae.forward(xt, tf.tensor2d(eps, [n, 4]));
        const outputs = { x: xt, logits: pass.logits, mu: pass.mu, logvar: pass.logvar };
        const loss = tf.sum(elbo(outputs, { checkTargets: false }).total).dataSync()[0]!;
        const grads = vae.backward(pass, elboGrad(outputs, {}));
        const gradients = vae.namedVariables().map(({ variable }) => Float32Array.from(grads[variable.name]!.dataSync() as Float32Array));
        disposeForwardPass(pass);
        return { loss, gradients };
      });
      for (const mode of MODES) {
        const t = new binding.Trainer(init(36, 4, weightsOf(vae), { encoder: description.encoder, decoder: description.decoder, ...mode }));
        expect(t.tensorNames()).toEqual(vae.namedVariables().map(({ name }) => name));
        const got = t.gradients(x, n, eps);
        const what = `n = ${n}, ${JSON.stringify(mode)}`;
        expect(Math.abs(got.loss - ref.loss), `${what}: loss`).toBeLessThanOrEqual(1e-5 * Math.abs(ref.loss));
        got.gradients.forEach((g, k) => expect(relativeError(g, ref.gradients[k]!), `${what}: gradient ${k}`).toBeLessThan(1e-4));
        t.dispose();
      }
    }
    vae.dispose();
  });

  it('refuses any layer it has no kernel for, naming it, rather than training something else', () => {
    const binding = loadNative()!;
    const weights: Float32Array[] = [];
    type RawLayer = Record<string, unknown>; // what a caller of the raw addon may pass, checked or not
    let named = 0;
    const dense = (units: number, activation = 'relu'): RawLayer => ({ type: 'dense', name: `layer.${named++}`, units, activation });
    const make = (encoder: RawLayer[], decoder: RawLayer[]) => () => new binding.Trainer(init(16, 2, weights, { encoder: encoder as never, decoder: decoder as never }));
    const out = dense(16, 'linear');
    expect(make([{ type: 'conv2d' }], [out])).toThrow(/encoder\[0\]: the native trainer has no kernel for a 'conv2d' layer/);
    expect(make([dense(8)], [{ type: 'reshape' }, out])).toThrow(/decoder\[0\]: the native trainer has no kernel for a 'reshape' layer/);
    expect(make([dense(8, 'sigmoid')], [out])).toThrow(/encoder\[0\]\.activation: the native trainer has no kernel for 'sigmoid'/);
    expect(make([dense(8)], [dense(16)])).toThrow(/decoder\[0\]: the decoder's last layer gives the logits: expected a linear dense layer of inputDim = 16 units, got relu/);
    expect(make([dense(8)], [dense(15, 'linear')])).toThrow(/expected a linear dense layer of inputDim = 16 units, got linear with 15/);
    expect(make([dense(8)], [])).toThrow(/decoder: needs at least one layer/);
    expect(make([{ type: 'dense', name: 'e', activation: 'relu' }], [out])).toThrow(/encoder\[0\]\.units/);
    // Weight names come from the description only: a layer without one is refused, not named here.
    expect(make([{ type: 'dense', units: 8, activation: 'relu' }], [out])).toThrow(/encoder\[0\]\.name: expected a string/);
  });
});
