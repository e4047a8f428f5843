import * as tf from '@tensorflow/tfjs-core';
import { createRng, gatherBatchInto, normalizationTable, shuffledIndices, type MnistSplit } from '@vae/data';
import { elbo, elboGrad, type ElboOptions } from '@vae/loss';
import { DEFAULT_VAE_CONFIG, Vae, disposeForwardPass, mlpDescription, weightShapes, type VaeConfig } from '@vae/model';
import { describe, expect, it } from 'vitest';
import {
  NativeVaeTrainer,
  isNativeAvailable,
  loadNative,
  nativeLoadError,
  type NativeParallel,
  type NativeVaeTrainerOptions,
} from './index.js';

const available = isNativeAvailable();
const title = available
  ? 'NativeVaeTrainer (OpenBLAS addon) against @vae/model + @vae/loss + tf.train.adam'
  : `NativeVaeTrainer — SKIPPED, native addon unavailable: ${nativeLoadError()}`;

const SMALL: VaeConfig = { inputDim: 12, encoderHidden: [9, 7], latentDim: 3, decoderHidden: [5, 8] };
const BARE: VaeConfig = { inputDim: 10, encoderHidden: [], latentDim: 2, decoderHidden: [] };
const ODD: VaeConfig = { inputDim: 37, encoderHidden: [33], latentDim: 5, decoderHidden: [17, 19, 41] };
const REFERENCE: VaeConfig = { ...DEFAULT_VAE_CONFIG, encoderHidden: [...DEFAULT_VAE_CONFIG.encoderHidden], decoderHidden: [...DEFAULT_VAE_CONFIG.decoderHidden] };

const MODES: Array<{ threads: number; parallel?: NativeParallel }> = [
  { threads: 1 },
  { threads: 2, parallel: 'auto' },
  { threads: 2, parallel: 'data' },
  { threads: 2, parallel: 'split' },
  { threads: 2, parallel: 'blas' },
  { threads: 3, parallel: 'split' },
  { threads: 3, parallel: 'data' },
];

type Loss = Pick<NativeVaeTrainerOptions, 'beta' | 'reconstruction' | 'gaussian'>;
const LOSSES: Array<{ name: string; loss: Loss; range: [number, number] }> = [
  { name: 'bernoulli', loss: {}, range: [0, 1] },
  { name: 'bernoulli, β = 0.25', loss: { beta: 0.25 }, range: [0, 1] },
  { name: 'gaussian on [−1, 1], σ = 0.7, with constant, β = 2', loss: { reconstruction: 'gaussian', gaussian: { range: [-1, 1], sigma: 0.7, includeConstant: true }, beta: 2 }, range: [-1, 1] },
];

function elboOptions(loss: Loss): ElboOptions {
  return {
    beta: loss.beta ?? 1,
    reconstruction: loss.reconstruction ?? 'bernoulli',
    ...(loss.gaussian ? { gaussian: { ...loss.gaussian, range: loss.gaussian.range as [number, number] } } : {}),
  };
}

/** The weights' names in the model's order, as `@vae/model` gives them (the trainer takes and returns them in this order). */
const nativeWeightNames = (config: VaeConfig) => weightShapes(mlpDescription(config)).map((w) => w.name);

function weightsOf(vae: Vae): Float32Array[] {
  return vae.namedVariables().map(({ variable }) => Float32Array.from(variable.dataSync() as Float32Array));
}

/**
 * A batch: x uniform in `range`, eps standard normal; seeded. With `density` < 1 each entry of x is
 * kept with that probability and zero otherwise (MNIST in [0, 1]: ~0.19), and row 0 is all zeros.
 */
function batch(config: VaeConfig, n: number, seed: number, range: [number, number] = [0, 1], density = 1): { x: Float32Array; eps: Float32Array } {
  return tf.tidy(() => {
    let x = tf.randomUniform([n, config.inputDim], range[0], range[1], 'float32', seed);
    if (density < 1) {
      const keep = tf.less(tf.randomUniform([n, config.inputDim], 0, 1, 'float32', seed + 2), density);
      const rowIsZero = tf.equal(tf.reshape(tf.range(0, n), [n, 1]), 0);
      x = tf.where(tf.logicalAnd(keep, tf.logicalNot(rowIsZero)), x, tf.zerosLike(x));
    }
    return {
      x: Float32Array.from(x.dataSync() as Float32Array),
      eps: Float32Array.from(tf.randomNormal([n, config.latentDim], 0, 1, 'float32', seed + 1).dataSync() as Float32Array),
    };
  });
}

/** `@vae/train`'s trainStep, returning the summed loss. */
function tfjsStep(vae: Vae, optimizer: tf.Optimizer, x: Float32Array, eps: Float32Array, n: number, options: ElboOptions): number {
  return tf.tidy(() => {
    const xt = tf.tensor2d(x, [n, vae.inputDim]);
    const et = tf.tensor2d(eps, [n, vae.latentDim]);
    const pass = vae.forward(xt, et);
    const outputs = { x: xt, logits: pass.logits, mu: pass.mu, logvar: pass.logvar };
    const loss = tf.sum(elbo(outputs, { ...options, checkTargets: false }).total).dataSync()[0]!;
    const grads = vae.backward(pass, elboGrad(outputs, options));
    optimizer.applyGradients(vae.namedVariables().map(({ variable }) => ({ name: variable.name, tensor: grads[variable.name]! })));
    disposeForwardPass(pass);
    return loss;
  });
}

function tfjsGradients(vae: Vae, x: Float32Array, eps: Float32Array, n: number, options: ElboOptions): { loss: number; gradients: Float32Array[] } {
  return tf.tidy(() => {
    const xt = tf.tensor2d(x, [n, vae.inputDim]);
    const et = tf.tensor2d(eps, [n, vae.latentDim]);
    const pass = vae.forward(xt, et);
    const outputs = { x: xt, logits: pass.logits, mu: pass.mu, logvar: pass.logvar };
    const loss = tf.sum(elbo(outputs, { ...options, checkTargets: false }).total).dataSync()[0]!;
    const grads = vae.backward(pass, elboGrad(outputs, options));
    const gradients = vae.namedVariables().map(({ variable }) => Float32Array.from(grads[variable.name]!.dataSync() as Float32Array));
    disposeForwardPass(pass);
    return { loss, gradients };
  });
}

/** As `@vae/train`'s evaluate, for one batch, as sums. */
function tfjsEvaluate(vae: Vae, x: Float32Array, eps: Float32Array, n: number, options: ElboOptions) {
  return tf.tidy(() => {
    const xt = tf.tensor2d(x, [n, vae.inputDim]);
    const et = tf.tensor2d(eps, [n, vae.latentDim]);
    const o = { ...options, checkTargets: false };
    const { mu, logvar } = vae.encode(xt);
    const sampled = elbo({ x: xt, mu, logvar, logits: vae.decodeLogits(vae.reparameterize(mu, logvar, et)) }, o);
    const atMean = elbo({ x: xt, mu, logvar, logits: vae.decodeLogits(mu) }, o);
    const [loss, lossMu, recon, kl] = [sampled.total, atMean.total, sampled.recon, sampled.kl].map((t) => tf.sum(t).dataSync()[0]!);
    return { loss: loss!, lossMu: lossMu!, recon: recon!, kl: kl! };
  });
}

/** max |a − b| relative to max |b| (per tensor): float32 GEMMs sum in different orders. */
function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  return scale === 0 ? diff : diff / scale;
}

function expectTensorsClose(actual: Float32Array[], expected: Float32Array[], names: readonly string[], tol: number, what: string): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((a, i) => expect(relativeError(a, expected[i]!), `${what}: ${names[i]}`).toBeLessThan(tol));
}

function expectBitIdentical(actual: Float32Array[], expected: Float32Array[], names: readonly string[], what: string): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((a, i) => {
    const e = expected[i]!;
    const at = a.findIndex((v, j) => !Object.is(v, e[j]));
    expect(at, `${what}: ${names[i]} differs first at [${at}]: ${a[at]} vs ${e[at]}`).toBe(-1);
  });
}

/**
 * Weights after Adam steps, compared by what the steps changed (each step moves a weight by ≲ lr).
 * Adam divides each m by √v + ε per entry, which makes entries with small gradients sensitive: where
 * |g| ≈ 1e-4·max|g|, float32 summation noise (tfjs-cpu accumulates matMuls in double, OpenBLAS in
 * float32, as PyTorch does) is ~1e-3 of g and so of the update, and over steps m can cancel. So the
 * criteria are statistical: per tensor the updates agree to `l2` in relative L2 norm; at most a
 * fraction `loose` of all weights moved differently by more than 1e-3·lr, and at most `wild` by more
 * than 0.1·lr (measured on the reference model, 5 steps: 0.5 %, 5e-6 and L2 ≤ 2.5e-3).
 */
function expectUpdatesClose(
  have: Float32Array[],
  want: Float32Array[],
  start: Float32Array[],
  names: readonly string[],
  lr: number,
  what: string,
  { l2 = 1e-2, loose = 1e-4, wild = 1e-5 }: { l2?: number; loose?: number; wild?: number } = {},
): void {
  let total = 0;
  let off = 0;
  let far = 0;
  have.forEach((h, i) => {
    const w = want[i]!;
    const s = start[i]!;
    let diff2 = 0;
    let move2 = 0;
    for (let j = 0; j < h.length; j++) {
      const d = Math.abs(h[j]! - w[j]!);
      diff2 += d * d;
      move2 += (w[j]! - s[j]!) ** 2;
      if (d > 1e-3 * lr) off++;
      if (d > 0.1 * lr) far++;
    }
    total += h.length;
    if (move2 > 0) expect(Math.sqrt(diff2 / move2), `${what}: ${names[i]}: relative L2 difference of the updates`).toBeLessThan(l2);
  });
  expect(off, `${what}: ${off} of ${total} weights moved differently by more than 1e-3·lr`).toBeLessThanOrEqual(Math.max(2, loose * total));
  expect(far, `${what}: ${far} of ${total} weights moved differently by more than 0.1·lr`).toBeLessThanOrEqual(Math.max(1, wild * total));
}

function relClose(actual: number, expected: number, tol: number): void {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(expected)));
}

/** Random small configs (seeded). */
function randomConfigs(count: number, seed: number): VaeConfig[] {
  let s = seed;
  const rand = (lo: number, hi: number) => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return lo + (s % (hi - lo + 1));
  };
  return Array.from({ length: count }, () => ({
    inputDim: rand(1, 70),
    encoderHidden: Array.from({ length: rand(0, 3) }, () => rand(1, 48)),
    latentDim: rand(1, 12),
    decoderHidden: Array.from({ length: rand(0, 3) }, () => rand(1, 48)),
  }));
}

describe('loading', () => {
  it('never throws; says why when the addon is unavailable', () => {
    expect(typeof isNativeAvailable()).toBe('boolean');
    if (isNativeAvailable()) {
      expect(loadNative()).toBeDefined();
      expect(nativeLoadError()).toBeUndefined();
    } else {
      expect(loadNative()).toBeUndefined();
      expect(nativeLoadError()).toMatch(/\w/);
      expect(() => new NativeVaeTrainer({ model: mlpDescription(SMALL), weights: [] })).toThrow(/unavailable/);
    }
  });

  it.skipIf(!available)('names the weights as Vae.namedVariables() does (the description’s names, in its order)', () => {
    for (const config of [REFERENCE, SMALL, BARE, ODD]) {
      const vae = new Vae(config);
      const trainer = new NativeVaeTrainer({ model: vae.description, weights: weightsOf(vae) });
      expect(trainer.weightNames).toEqual(vae.namedVariables().map((v) => v.name));
      expect(trainer.getWeights().map((w) => w.length)).toEqual(vae.namedVariables().map((v) => v.variable.size));
      trainer.dispose();
      vae.dispose();
    }
  });
});

describe.skipIf(!available)(title, () => {
  it('gives the loss and gradients of @vae/model + @vae/loss, in every threading mode, on small configs', () => {
    const configs = [SMALL, BARE, ODD, ...randomConfigs(6, 7)];
    configs.forEach((config, ci) => {
      const vae = new Vae(config, { seed: 10 + ci });
      const names = nativeWeightNames(config);
      for (const { name, loss, range } of LOSSES) {
        for (const n of [1, 5, 33]) {
          const { x, eps } = batch(config, n, 100 * ci + n, range);
          const ref = tfjsGradients(vae, x, eps, n, elboOptions(loss));
          for (const mode of MODES) {
            const trainer = new NativeVaeTrainer({ model: mlpDescription(config), weights: weightsOf(vae), ...loss, ...mode });
            const got = trainer.gradients(x, n, eps);
            const what = `${JSON.stringify(config)}, ${name}, n = ${n}, ${JSON.stringify(mode)}`;
            relClose(got.loss, ref.loss, 1e-5);
            expectTensorsClose(got.gradients, ref.gradients, names, 1e-4, what);
            trainer.dispose();
          }
        }
      }
      vae.dispose();
    });
  });

  it('gives the same loss and gradients on sparse inputs, where the first layer skips zero pixels', () => {
    // WIDE's first layer has 150 outputs: two 64-column strips and a narrow tail of 22.
    const WIDE: VaeConfig = { inputDim: 100, encoderHidden: [150, 20], latentDim: 4, decoderHidden: [30] };
    for (const [ci, config] of [SMALL, ODD, WIDE, REFERENCE].entries()) {
      const vae = new Vae(config, { seed: 40 + ci });
      const names = nativeWeightNames(config);
      const cases = config === REFERENCE ? [{ n: 64, density: 0.19 }] : [1, 5, 33].flatMap((n) => [0.19, 0.45].map((density) => ({ n, density })));
      for (const { n, density } of cases) {
        // density 0.45 lies near the 0.5 switch: with the all-zero row 0, small batches fall either side of it.
        const { x, eps } = batch(config, n, 300 * ci + n, [0, 1], density);
        const ref = tfjsGradients(vae, x, eps, n, elboOptions({}));
        for (const mode of config === REFERENCE ? MODES.slice(0, 4) : MODES) {
          const what = `${JSON.stringify(config)}, n = ${n}, density ${density}, ${JSON.stringify(mode)}`;
          const sparse = new NativeVaeTrainer({ model: mlpDescription(config), weights: weightsOf(vae), ...mode });
          const dense = new NativeVaeTrainer({ model: mlpDescription(config), weights: weightsOf(vae), ...mode, sparseInput: false });
          const got = sparse.gradients(x, n, eps);
          const base = dense.gradients(x, n, eps);
          relClose(got.loss, ref.loss, 1e-5);
          expectTensorsClose(got.gradients, ref.gradients, names, 1e-4, `sparse vs tfjs, ${what}`);
          relClose(got.loss, base.loss, 1e-6);
          expectTensorsClose(got.gradients, base.gradients, names, 1e-5, `sparse vs dense, ${what}`);
          const evalSparse = sparse.evaluate(x, n, eps);
          const evalDense = dense.evaluate(x, n, eps);
          relClose(evalSparse.loss, evalDense.loss, 1e-6);
          relClose(evalSparse.lossMu, evalDense.lossMu, 1e-6);
          sparse.dispose();
          dense.dispose();
        }
      }
      vae.dispose();
    }
  });

  it('trains the reference model like @vae/train: same loss and weights after 1 and 5 Adam steps', () => {
    const config = REFERENCE;
    const names = nativeWeightNames(config);
    const n = 64;
    // The tfjs trajectory, once: gradients at the start, then 5 steps (loss, weights after 1 and 5, Adam's powers).
    const vae = new Vae(config, { seed: 3 });
    const optimizer = tf.train.adam(1e-3, 0.9, 0.999, 1e-8);
    const w0 = weightsOf(vae);
    const first = batch(config, n, 5);
    const refGrads = tfjsGradients(vae, first.x, first.eps, n, elboOptions({}));
    const batches = [1, 2, 3, 4, 5].map((s) => batch(config, n, 20 + s));
    const refLosses: number[] = [];
    const refWeights: Record<number, Float32Array[]> = {};
    const refPowers: Record<number, { accBeta1: number; accBeta2: number }> = {};
    batches.forEach((b, i) => {
      refLosses.push(tfjsStep(vae, optimizer, b.x, b.eps, n, elboOptions({})));
      if (i === 0 || i === 4) {
        refWeights[i + 1] = weightsOf(vae);
        refPowers[i + 1] = adamPowers(optimizer);
      }
    });
    optimizer.dispose();
    vae.dispose();

    for (const mode of [{}, { threads: 1 }, { threads: 2, parallel: 'data' as const }]) {
      const what = JSON.stringify(mode);
      const trainer = new NativeVaeTrainer({ model: mlpDescription(config), weights: w0, learningRate: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, ...mode });
      const got = trainer.gradients(first.x, n, first.eps);
      relClose(got.loss, refGrads.loss, 1e-5);
      expectTensorsClose(got.gradients, refGrads.gradients, names, 1e-4, `gradients ${what}`);
      batches.forEach((b, i) => {
        relClose(trainer.step(b.x, n, b.eps), refLosses[i]!, 1e-5);
        const s = i + 1;
        if (s === 1 || s === 5) {
          const after = `after ${s} step(s) ${what}`;
          const limits = s === 1 ? { l2: 1e-2, loose: 1e-4, wild: 2e-6 } : { l2: 1e-2, loose: 1e-2, wild: 2e-5 };
          expectUpdatesClose(trainer.getWeights(), refWeights[s]!, w0, names, 1e-3, after, limits);
          const state = trainer.getAdamState();
          expect(state.iterations).toBe(s);
          expect([state.accBeta1, state.accBeta2]).toEqual([refPowers[s]!.accBeta1, refPowers[s]!.accBeta2]);
        }
      });
      trainer.dispose();
    }
  });

  it("applies Adam bit-for-bit as tf.train.adam does, given the same gradients", () => {
    for (const [config, mode] of [
      [SMALL, { threads: 1 }],
      [ODD, { threads: 2, parallel: 'split' as const }],
      [ODD, { threads: 2, parallel: 'data' as const }],
      [REFERENCE, {}],
    ] as const) {
      const vae = new Vae(config, { seed: 8 });
      const names = nativeWeightNames(config);
      const optimizer = tf.train.adam(3e-3, 0.8, 0.99, 1e-7);
      const trainer = new NativeVaeTrainer({ model: mlpDescription(config), weights: weightsOf(vae), learningRate: 3e-3, beta1: 0.8, beta2: 0.99, epsilon: 1e-7, ...mode });
      for (let s = 0; s < 5; s++) {
        const n = 16 + s;
        const { x, eps } = batch(config, n, 40 + s);
        // The step recomputes exactly these gradients (same code path, same thread split).
        const { gradients } = trainer.gradients(x, n, eps);
        trainer.step(x, n, eps);
        tf.tidy(() =>
          optimizer.applyGradients(vae.namedVariables().map(({ variable }, i) => ({ name: variable.name, tensor: tf.tensor(gradients[i]!, variable.shape) }))),
        );
        expectBitIdentical(trainer.getWeights(), weightsOf(vae), names, `${JSON.stringify(config)} step ${s + 1}`);
      }
      const state = trainer.getAdamState();
      const tfState = adamPowers(optimizer);
      expect([state.accBeta1, state.accBeta2]).toEqual([tfState.accBeta1, tfState.accBeta2]);
      const moments = tfMoments(optimizer, names.length);
      expectBitIdentical(state.m, moments.m, names, 'm');
      expectBitIdentical(state.v, moments.v, names, 'v');
      expect(state.iterations).toBe(5);
      trainer.dispose();
      optimizer.dispose();
      vae.dispose();
    }
  });

  it('evaluates like @vae/train: loss, lossMu, recon and kl summed over the batch', () => {
    for (const [config, { loss, range }] of [
      [REFERENCE, LOSSES[0]!],
      [SMALL, LOSSES[1]!],
      [ODD, LOSSES[2]!],
      [BARE, LOSSES[2]!],
    ] as const) {
      const vae = new Vae(config, { seed: 4 });
      for (const mode of MODES.slice(0, 4)) {
        const trainer = new NativeVaeTrainer({ model: mlpDescription(config), weights: weightsOf(vae), ...loss, ...mode });
        for (const n of config === REFERENCE ? [1, 7, 100] : [1, 7, 100, 333]) {
          const { x, eps } = batch(config, n, 60 + n, range);
          const want = tfjsEvaluate(vae, x, eps, n, elboOptions(loss));
          const got = trainer.evaluate(x, n, eps);
          for (const key of ['loss', 'lossMu', 'recon', 'kl'] as const) relClose(got[key], want[key], 2e-5);
        }
        // Evaluation changes nothing.
        expect(trainer.getAdamState().iterations).toBe(0);
        expectBitIdentical(trainer.getWeights(), weightsOf(vae), nativeWeightNames(config), 'weights after evaluate');
        trainer.dispose();
      }
      vae.dispose();
    }
  });

  it('takes batches of any size, in any order (partial last batch, growing buffers)', () => {
    const config = ODD;
    const names = nativeWeightNames(config);
    for (const mode of MODES) {
      const vae = new Vae(config, { seed: 12 });
      const optimizer = tf.train.adam(1e-3, 0.9, 0.999, 1e-8);
      const w0 = weightsOf(vae);
      const trainer = new NativeVaeTrainer({ model: mlpDescription(config), weights: w0, ...mode });
      // 330 ≥ 256 rows: 'auto' switches from split to data for that batch.
      [8, 3, 50, 1, 330, 2, 8].forEach((n, s) => {
        const { x, eps } = batch(config, n, 80 + s);
        const expected = tfjsStep(vae, optimizer, x, eps, n, elboOptions({}));
        relClose(trainer.step(x, n, eps), expected, 1e-5);
      });
      expectUpdatesClose(trainer.getWeights(), weightsOf(vae), w0, names, 1e-3, JSON.stringify(mode));
      trainer.dispose();
      optimizer.dispose();
      vae.dispose();
    }
  });

  it('stepRows gathers and normalizes rows itself, bit-identically to step on the gathered rows', () => {
    for (const [config, ns, modes] of [
      // 330 ≥ 256 rows: 'auto' switches from split to data for that batch; 1 and 3 rows: fewer than some thread counts.
      [ODD, [8, 3, 50, 1, 330, 2, 8], MODES],
      [REFERENCE, [256, 256, 100], [{ threads: 1 }, { threads: 2 }]],
    ] as const) {
      const count = 400;
      const split: MnistSplit = {
        // Four bytes in five are 0, like MNIST's background: 'unit' and 'binary' take the sparse
        // first layer, 'symmetric' (0 → −1) the dense one.
        images: Uint8Array.from({ length: count * config.inputDim }, (_, i) => {
          const h = Math.imul(i, 2654435761) >>> 0;
          return (h & 0xff) < 205 ? 0 : h >>> 24;
        }),
        labels: new Uint8Array(count),
        count,
        rows: 1,
        cols: config.inputDim,
        channels: 1,
      };
      const order = shuffledIndices(count, createRng(7));
      const names = nativeWeightNames(config);
      for (const mode of modes) {
        for (const normalization of ['unit', 'symmetric', 'binary'] as const) {
          const vae = new Vae(config, { seed: 13 });
          const a = new NativeVaeTrainer({ model: mlpDescription(config), weights: weightsOf(vae), ...mode });
          const b = new NativeVaeTrainer({ model: mlpDescription(config), weights: weightsOf(vae), ...mode });
          const table = normalizationTable(normalization)!;
          const buffer = new Float32Array(count * config.inputDim);
          let start = 0;
          ns.forEach((n, s) => {
            start = Math.min(start, count - n);
            const eps = batch(config, n, 500 + s).eps;
            const x = gatherBatchInto(split, order, start, start + n, normalization, buffer);
            const expected = a.step(x, n, eps);
            expect(b.stepRows(split.images, config.inputDim, order, start, n, table, eps), `${JSON.stringify(mode)} ${normalization} n=${n}`).toBe(expected);
            start += n;
          });
          expectBitIdentical(b.getWeights(), a.getWeights(), names, `weights ${JSON.stringify(mode)} ${normalization}`);
          expectBitIdentical(b.getAdamState().v, a.getAdamState().v, names, `v ${JSON.stringify(mode)} ${normalization}`);
          a.dispose();
          b.dispose();
          vae.dispose();
        }
      }
    }
  });

  it('stepRows rejects bad rows, indices, tables and noise with errors that name the field, changing nothing', () => {
    const vae = new Vae(SMALL, { seed: 1 });
    const weights = weightsOf(vae);
    const trainer = new NativeVaeTrainer({ model: mlpDescription(SMALL), weights, threads: 2 });
    const images = new Uint8Array(10 * 12 + 5); // 10 whole rows (and a few stray bytes)
    const indices = Uint32Array.from([0, 9, 3, 10]);
    const table = normalizationTable('unit')!;
    const eps = new Float32Array(3 * 3);
    const call = (o: { images?: unknown; rowLength?: unknown; indices?: unknown; start?: unknown; n?: unknown; table?: unknown; eps?: unknown }) => () =>
      trainer.stepRows(
        (o.images ?? images) as Uint8Array,
        (o.rowLength ?? 12) as number,
        (o.indices ?? indices) as Uint32Array,
        (o.start ?? 0) as number,
        (o.n ?? 3) as number,
        (o.table ?? table) as Float32Array,
        (o.eps ?? eps) as Float32Array,
      );
    expect(call({ images: new Float32Array(120) })).toThrow(/stepRows: images: expected a Uint8Array/);
    expect(call({ rowLength: 784 })).toThrow(/stepRows: rowLength: is 784, expected inputDim = 12/);
    expect(call({ indices: Array.from(indices) })).toThrow(/stepRows: indices: expected a Uint32Array/);
    expect(call({ n: 0 })).toThrow(/stepRows: n: expected a positive integer/);
    expect(call({ start: 2 })).toThrow(/stepRows: start: .*start \+ n <= indices\.length = 4 \(n = 3\), got 2/);
    expect(call({ start: -1 })).toThrow(/stepRows: start/);
    expect(call({ start: 1 })).toThrow(/stepRows: indices\[3\]: is 10, out of range for images of 10 rows/);
    expect(call({ table: table.subarray(1) })).toThrow(/stepRows: table: has 255 values, expected 256/);
    expect(call({ table: new Float64Array(256) })).toThrow(/stepRows: table: expected a Float32Array/);
    expect(call({ eps: eps.subarray(1) })).toThrow(/stepRows: eps: has 8 values, expected n × latentDim = 3 × 3 = 9/);
    expectBitIdentical(trainer.getWeights(), weights, nativeWeightNames(SMALL), 'weights after rejected calls');
    expect(trainer.getAdamState().iterations).toBe(0);
    expect(Number.isFinite(call({})())).toBe(true);
    trainer.dispose();
    expect(call({})).toThrow(/after dispose/);

    // The raw addon checks what memory safety needs.
    const raw = new (loadNative()!.Trainer)({
      inputDim: 12, latentDim: 3, encoder: mlpDescription(SMALL).encoder, decoder: mlpDescription(SMALL).decoder,
      learningRate: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, beta: 1,
      reconstruction: 'bernoulli', gaussianLo: 0, gaussianHi: 1, gaussianSigma: 1, gaussianIncludeConstant: false,
      threads: 2, parallel: 'data', weights,
    });
    expect(() => raw.stepRows(images, 12, indices, 1, 3, table, eps)).toThrow(/indices\[3\]: is 10, out of range/);
    expect(() => raw.stepRows(images, 12, indices, 2, 3, table, eps)).toThrow(/beyond indices\.length = 4/);
    expect(() => raw.stepRows(images, 11, indices, 0, 3, table, eps)).toThrow(/rowLength: is 11, expected inputDim = 12/);
    expect(() => raw.stepRows(images, 12, indices, 0, 3, table.subarray(8), eps)).toThrow(/table: has 248 values, expected 256/);
    expect(() => raw.stepRows(new Int8Array(120) as unknown as Uint8Array, 12, indices, 0, 3, table, eps)).toThrow(/images: expected a Uint8Array/);
    expect(() => raw.stepRows(images, 12, new Int32Array(4) as unknown as Uint32Array, 0, 3, table, eps)).toThrow(/indices: expected a Uint32Array/);
    expect(() => (raw.stepRows as (...a: unknown[]) => number)(images, 12, indices)).toThrow(/expected \(images, rowLength/);
    raw.dispose();
    vae.dispose();
  });

  it('resumes bit-identically from getWeights() + getAdamState(), and is deterministic', () => {
    for (const [config, mode] of [
      [REFERENCE, {}],
      [REFERENCE, { threads: 2, parallel: 'split' as const }],
      [REFERENCE, { threads: 2, parallel: 'blas' as const }],
      [ODD, { threads: 1 }],
    ] as const) {
      const names = nativeWeightNames(config);
      const vae = new Vae(config, { seed: 21 });
      const a = new NativeVaeTrainer({ model: mlpDescription(config), weights: weightsOf(vae), ...mode });
      const batches = [32, 32, 17, 32, 32, 5].map((n, s) => ({ n, ...batch(config, n, 300 + s) }));
      for (const b of batches.slice(0, 3)) a.step(b.x, b.n, b.eps);
      const weights = a.getWeights();
      const state = a.getAdamState();
      const lossesA = batches.slice(3).map((b) => a.step(b.x, b.n, b.eps));
      // A fresh trainer from the snapshot (e.g. after a checkpoint) continues exactly.
      const b2 = new NativeVaeTrainer({ model: mlpDescription(config), weights, ...mode });
      b2.setAdamState(state);
      const lossesB = batches.slice(3).map((b) => b2.step(b.x, b.n, b.eps));
      expect(lossesB).toEqual(lossesA);
      expectBitIdentical(b2.getWeights(), a.getWeights(), names, 'weights');
      expectBitIdentical(b2.getAdamState().m, a.getAdamState().m, names, 'm');
      expectBitIdentical(b2.getAdamState().v, a.getAdamState().v, names, 'v');
      expect({ ...b2.getAdamState(), m: 0, v: 0 }).toEqual({ ...a.getAdamState(), m: 0, v: 0 });
      // Restoring into the same trainer works too.
      a.setWeights(weights);
      a.setAdamState(state);
      expect(batches.slice(3).map((b) => a.step(b.x, b.n, b.eps))).toEqual(lossesA);
      expectBitIdentical(a.getWeights(), b2.getWeights(), names, 'weights after restoring in place');
      a.dispose();
      b2.dispose();
      vae.dispose();
    }
  });

  it('starts with tfjs’ Adam state and hands out copies', () => {
    const vae = new Vae(SMALL, { seed: 2 });
    const w = weightsOf(vae);
    const trainer = new NativeVaeTrainer({ model: mlpDescription(SMALL), weights: w, beta1: 0.85, beta2: 0.995 });
    const s = trainer.getAdamState();
    expect(s.iterations).toBe(0);
    expect(s.accBeta1).toBe(Math.fround(0.85));
    expect(s.accBeta2).toBe(Math.fround(0.995));
    expect(s.m.every((t) => t.every((v) => v === 0))).toBe(true);
    expect(s.v.map((t) => t.length)).toEqual(w.map((t) => t.length));
    w[0]![0] = 123; // the trainer copied its weights
    expect(trainer.getWeights()[0]![0]).not.toBe(123);
    const got = trainer.getWeights();
    got[0]![0] = 456;
    expect(trainer.getWeights()[0]![0]).not.toBe(456);
    trainer.dispose();
    vae.dispose();
  });

  it('rejects wrong sizes and settings with errors that name the field', () => {
    const vae = new Vae(SMALL, { seed: 1 });
    const weights = weightsOf(vae);
    const make = (o: Partial<NativeVaeTrainerOptions>) => () => new NativeVaeTrainer({ model: mlpDescription(SMALL), weights, ...o });
    expect(make({ weights: weights.slice(1) })).toThrow(/weights: expected 14 tensors \(encoder\.0\.kernel, .*\), got 13/);
    const badBias = weights.map((w, i) => (i === 3 ? new Float32Array(6) : w));
    expect(make({ weights: badBias })).toThrow(/weights\[3\] \(encoder\.1\.bias\): has 6 values, expected 7 = 7/);
    const badKernel = weights.map((w, i) => (i === 0 ? new Float32Array(10) : w));
    expect(make({ weights: badKernel })).toThrow(/weights\[0\] \(encoder\.0\.kernel\): has 10 values, expected 12 × 9 = 108/);
    expect(make({ weights: weights.map((w, i) => (i === 1 ? (Array.from(w) as unknown as Float32Array) : w)) })).toThrow(/weights\[1\] \(encoder\.0\.bias\): expected a Float32Array/);
    const small = mlpDescription(SMALL);
    expect(make({ model: { ...small, latentDim: 0 } })).toThrow(/model description: latentDim: expected a positive integer, got 0/);
    expect(make({ model: { ...small, decoder: [small.decoder[0]!, { ...small.decoder[1]!, units: 2.5 } as never, small.decoder[2]!] } })).toThrow(/model description: decoder\[1\]\.units/);
    expect(make({ model: { ...small, encoder: [{ type: 'reshape', shape: [3, 4, 1] }, ...small.encoder] } })).toThrow(/NativeVaeTrainer: model: the C\+\+ core has kernels for dense layers only \(an MLP VAE\): the encoder has a reshape layer/);
    expect(make({ learningRate: -1 })).toThrow(/learningRate/);
    expect(make({ beta1: 1 })).toThrow(/beta1/);
    expect(make({ beta: Number.NaN })).toThrow(/beta:/);
    expect(make({ reconstruction: 'laplace' as never })).toThrow(/reconstruction/);
    expect(make({ reconstruction: 'gaussian', gaussian: { range: [1, -1] } })).toThrow(/gaussian\.range/);
    expect(make({ gaussian: { sigma: 0 } })).toThrow(/gaussian\.sigma/);
    expect(make({ threads: 0 })).toThrow(/threads/);
    expect(make({ parallel: 'gpu' as never })).toThrow(/parallel/);

    const trainer = new NativeVaeTrainer({ model: mlpDescription(SMALL), weights });
    const { x, eps } = batch(SMALL, 4, 1);
    expect(() => trainer.step(x, 5, eps)).toThrow(/step: x: has 48 values, expected n × inputDim = 5 × 12 = 60/);
    expect(() => trainer.step(x, 4, eps.subarray(1))).toThrow(/step: eps: has 11 values, expected n × latentDim = 4 × 3 = 12/);
    expect(() => trainer.evaluate(x, 0, eps)).toThrow(/evaluate: n: expected a positive integer/);
    expect(() => trainer.gradients(new Float64Array(48) as unknown as Float32Array, 4, eps)).toThrow(/gradients: x: expected a Float32Array/);
    expect(() => trainer.setWeights(badBias)).toThrow(/weights\[3\] \(encoder\.1\.bias\)/);
    const state = trainer.getAdamState();
    expect(() => trainer.setAdamState({ ...state, v: state.v.slice(0, 2) })).toThrow(/setAdamState: v: expected 14 tensors/);
    expect(() => trainer.setAdamState({ ...state, m: state.m.map((t, i) => (i === 5 ? t.subarray(1) : t)) })).toThrow(/setAdamState: m\[5\] \(mu\.bias\)/);
    expect(() => trainer.setAdamState({ ...state, iterations: -1 })).toThrow(/iterations/);
    // Nothing changed on the way.
    expectBitIdentical(trainer.getWeights(), weights, nativeWeightNames(SMALL), 'weights after rejected calls');
    expect(Number.isFinite(trainer.step(x, 4, eps))).toBe(true);
    trainer.dispose();
    trainer.dispose();
    expect(trainer.disposed).toBe(true);
    expect(() => trainer.step(x, 4, eps)).toThrow(/after dispose/);
    vae.dispose();
  });

  it('guards the raw addon too (no memory errors on bad input)', () => {
    const binding = loadNative()!;
    const vae = new Vae(SMALL, { seed: 1 });
    const init = {
      inputDim: 12, latentDim: 3, encoder: mlpDescription(SMALL).encoder, decoder: mlpDescription(SMALL).decoder,
      learningRate: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, beta: 1,
      reconstruction: 'bernoulli' as const, gaussianLo: 0, gaussianHi: 1, gaussianSigma: 1, gaussianIncludeConstant: false,
      threads: 2, parallel: 'data' as const, weights: weightsOf(vae),
    };
    expect(() => new binding.Trainer({ ...init, weights: init.weights.slice(2) })).toThrow(/weights: expected 14 tensors/);
    const raw = new binding.Trainer(init);
    expect(() => raw.step(new Float32Array(11), 1, new Float32Array(3))).toThrow(/x: has 11 values, expected 12/);
    expect(() => raw.step(new Float32Array(12), 1.5, new Float32Array(3))).toThrow(/n: expected an integer/);
    expect(raw.tensorNames()).toEqual(nativeWeightNames(SMALL));
    raw.dispose();
    expect(() => raw.getWeights()).toThrow(/after dispose/);
    vae.dispose();
  });
});

/** tfjs keeps β₁ᵗ and β₂ᵗ in private variables (as @vae/train's checkpoint code reads them). */
function adamPowers(optimizer: tf.Optimizer): { accBeta1: number; accBeta2: number } {
  const o = optimizer as unknown as { accBeta1: tf.Variable; accBeta2: tf.Variable };
  return { accBeta1: o.accBeta1.dataSync()[0]!, accBeta2: o.accBeta2.dataSync()[0]! };
}

function tfMoments(optimizer: tf.Optimizer, count: number): { m: Float32Array[]; v: Float32Array[] } {
  const o = optimizer as unknown as { accumulatedFirstMoment: Array<{ variable: tf.Variable }>; accumulatedSecondMoment: Array<{ variable: tf.Variable }> };
  const read = (list: Array<{ variable: tf.Variable }>) => list.slice(0, count).map((e) => Float32Array.from(e.variable.dataSync() as Float32Array));
  return { m: read(o.accumulatedFirstMoment), v: read(o.accumulatedSecondMoment) };
}
