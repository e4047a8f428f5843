import * as tf from '@tensorflow/tfjs-core';
import { reconstructionLoss, type ReconstructionOptions } from '@vae/loss';
import { DEFAULT_VAE_CONFIG, Vae, mlpDescription, type VaeConfig } from '@vae/model';
import { describe, expect, it } from 'vitest';
import { NativeVaeTrainer, isNativeAvailable, loadNative, nativeLoadError, type NativeParallel, type NativeVaeTrainerOptions } from './index.js';

const available = isNativeAvailable();
const title = available
  ? 'NativeVaeTrainer.logImportanceWeights against the same formula on tfjs'
  : `NativeVaeTrainer.logImportanceWeights — SKIPPED, native addon unavailable: ${nativeLoadError()}`;

const REFERENCE: VaeConfig = { ...DEFAULT_VAE_CONFIG, encoderHidden: [...DEFAULT_VAE_CONFIG.encoderHidden], decoderHidden: [...DEFAULT_VAE_CONFIG.decoderHidden] };
const ODD: VaeConfig = { inputDim: 37, encoderHidden: [33], latentDim: 5, decoderHidden: [17, 19, 41] };
const BARE: VaeConfig = { inputDim: 10, encoderHidden: [], latentDim: 2, decoderHidden: [] };
const LOG_2PI = Math.log(2 * Math.PI);

type Loss = Pick<NativeVaeTrainerOptions, 'reconstruction' | 'gaussian'>;
const LOSSES: Array<{ name: string; loss: Loss; range: [number, number] }> = [
  { name: 'bernoulli', loss: {}, range: [0, 1] },
  { name: 'gaussian on [−1, 1], σ = 0.7', loss: { reconstruction: 'gaussian', gaussian: { range: [-1, 1], sigma: 0.7 } }, range: [-1, 1] },
  { name: 'gaussian, σ = 0.3, with constant', loss: { reconstruction: 'gaussian', gaussian: { range: [0, 1], sigma: 0.3, includeConstant: true } }, range: [0, 1] },
];
const MODES: Array<{ threads: number; parallel?: NativeParallel }> = [{ threads: 1 }, { threads: 2 }, { threads: 2, parallel: 'blas' }];

function reconstructionOptions(loss: Loss): ReconstructionOptions {
  return {
    reconstruction: loss.reconstruction ?? 'bernoulli',
    ...(loss.gaussian ? { gaussian: { ...loss.gaussian, range: loss.gaussian.range as [number, number] } } : {}),
  };
}

/**
 * A seeded model whose posteriors and logits look trained rather than fresh: logvar around −3
 * (σ ≈ 0.2) and logits spread over ±10, so exp and log1p see their whole range.
 */
function model(config: VaeConfig, seed: number): Vae {
  const vae = new Vae(config, { seed });
  const last = `decoder.${config.decoderHidden.length}.kernel`;
  tf.tidy(() => {
    for (const { name, variable } of vae.namedVariables()) {
      if (name === 'logvar.bias') variable.assign(tf.add(variable, -3));
      if (name === last) variable.assign(tf.mul(variable, 6));
    }
  });
  return vae;
}

function weightsOf(vae: Vae): Float32Array[] {
  return vae.namedVariables().map(({ variable }) => Float32Array.from(variable.dataSync() as Float32Array));
}

/** x [n, inputDim] uniform in `range` with 4 pixels in 5 at its low end (as MNIST's background); eps [n·k, latentDim] ~ N(0, 1). */
function draws(config: VaeConfig, n: number, k: number, seed: number, range: [number, number]): { x: Float32Array; eps: Float32Array } {
  return tf.tidy(() => {
    const u = tf.randomUniform([n, config.inputDim], range[0], range[1], 'float32', seed);
    const x = tf.where(tf.less(tf.randomUniform([n, config.inputDim], 0, 1, 'float32', seed + 1), 0.8), tf.fill([n, config.inputDim], range[0]), u);
    return {
      x: Float32Array.from(x.dataSync() as Float32Array),
      eps: Float32Array.from(tf.randomNormal([n * k, config.latentDim], 0, 1, 'float32', seed + 2).dataSync() as Float32Array),
    };
  });
}

/** The formula of `importanceWeightedBound` (@vae/loss) on tfjs: log p(x|z) + log p(z) − log q(z|x), [n·k]. */
function tfjsLogWeights(vae: Vae, x: Float32Array, n: number, k: number, eps: Float32Array, options: ReconstructionOptions): Float32Array {
  return tf.tidy(() => {
    const { inputDim, latentDim } = vae;
    const xt = tf.tensor2d(x, [n, inputDim]);
    const e = tf.tensor3d(eps, [n, k, latentDim]);
    const { mu, logvar } = vae.encode(xt);
    const std = tf.exp(tf.mul(logvar, 0.5));
    const z = tf.reshape(tf.add(tf.expandDims(mu, 1), tf.mul(tf.expandDims(std, 1), e)), [n * k, latentDim]) as tf.Tensor2D;
    const targets = tf.reshape(tf.tile(tf.expandDims(xt, 1), [1, k, 1]), [n * k, inputDim]) as tf.Tensor2D;
    const logPxGivenZ = tf.neg(reconstructionLoss(vae.decodeLogits(z), targets, options));
    const logPz = tf.mul(tf.sum(tf.add(tf.square(z), LOG_2PI), 1), -0.5);
    const logQz = tf.reshape(tf.mul(tf.sum(tf.add(tf.add(tf.square(e), LOG_2PI), tf.expandDims(logvar, 1)), 2), -0.5), [n * k]);
    return Float32Array.from(tf.sub(tf.add(logPxGivenZ, logPz), logQz).dataSync() as Float32Array);
  });
}

/** Largest |a − b| / max(1, |b|). */
function maxRelativeError(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!) / Math.max(1, Math.abs(b[i]!)));
  return worst;
}

function expectBitIdentical(actual: Float32Array[], expected: Float32Array[], what: string): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((a, i) => {
    const e = expected[i]!;
    const at = a.findIndex((v, j) => !Object.is(v, e[j]));
    expect(at, `${what}: tensor ${i} differs first at [${at}]: ${a[at]} vs ${e[at]}`).toBe(-1);
  });
}

describe.skipIf(!available)(title, () => {
  it('equals the tfjs formula: bernoulli and gaussian (with and without the constant), n = 1 and 3, k across block boundaries, 1 and 2 threads', () => {
    // The decoder runs in blocks of 256 rows: k = 300 ends mid-block, and with n = 3 blocks span two images.
    for (const [ci, { config, cases }] of [
      { config: REFERENCE, cases: [{ n: 1, k: 300 }, { n: 3, k: 300 }, { n: 3, k: 5 }] },
      { config: ODD, cases: [{ n: 1, k: 7 }, { n: 3, k: 300 }] },
      { config: BARE, cases: [{ n: 3, k: 90 }] },
    ].entries()) {
      const vae = model(config, 30 + ci);
      for (const { name, loss, range } of LOSSES) {
        for (const { n, k } of cases) {
          const { x, eps } = draws(config, n, k, 1000 * ci + 10 * n + k, range);
          const want = tfjsLogWeights(vae, x, n, k, eps, reconstructionOptions(loss));
          // Relative to the values (−100 to −1000 here); measured ≤ 5e-7: float32 rounding of the GEMMs and sums.
          expect(want.every(Number.isFinite)).toBe(true);
          for (const mode of MODES) {
            const trainer = new NativeVaeTrainer({ model: mlpDescription(config), weights: weightsOf(vae), ...loss, ...mode });
            const got = trainer.logImportanceWeights(x, n, k, eps);
            expect(got).toBeInstanceOf(Float32Array);
            expect(maxRelativeError(got, want), `${JSON.stringify(config)}, ${name}, n = ${n}, k = ${k}, ${JSON.stringify(mode)}`).toBeLessThan(1e-5);
            trainer.dispose();
          }
        }
      }
      vae.dispose();
    }
  });

  it('gives the same weights on any thread count, and changes no weight, moment or gradient', () => {
    const config = REFERENCE;
    const vae = model(config, 5);
    const w0 = weightsOf(vae);
    vae.dispose();
    const n = 2;
    const k = 700;
    const { x, eps } = draws(config, n, k, 77, [0, 1]);
    const batch = draws(config, 32, 1, 78, [0, 1]);

    const a = new NativeVaeTrainer({ model: mlpDescription(config), weights: w0, threads: 2 });
    const b = new NativeVaeTrainer({ model: mlpDescription(config), weights: w0, threads: 1 });
    const fresh = new NativeVaeTrainer({ model: mlpDescription(config), weights: w0, threads: 2 });
    const gradientsBefore = a.gradients(batch.x, 32, batch.eps);
    const first = a.logImportanceWeights(x, n, k, eps);
    expect(Array.from(b.logImportanceWeights(x, n, k, eps))).toEqual(Array.from(first));
    expect(Array.from(a.logImportanceWeights(x, n, k, eps))).toEqual(Array.from(first)); // deterministic
    expectBitIdentical(a.getWeights(), w0, 'weights after logImportanceWeights');
    const state = a.getAdamState();
    expect(state.iterations).toBe(0);
    expect(state.m.every((t) => t.every((v) => v === 0)) && state.v.every((t) => t.every((v) => v === 0))).toBe(true);
    const gradientsAfter = a.gradients(batch.x, 32, batch.eps);
    expect(gradientsAfter.loss).toBe(gradientsBefore.loss);
    expectBitIdentical(gradientsAfter.gradients, gradientsBefore.gradients, 'gradients');
    // Steps interleaved with it run exactly as without it (256 rows: the data-parallel step).
    for (const rows of [32, 256]) {
      const s = draws(config, rows, 1, 79 + rows, [0, 1]);
      expect(a.step(s.x, rows, s.eps)).toBe(fresh.step(s.x, rows, s.eps));
      a.logImportanceWeights(x, n, k, eps);
    }
    expectBitIdentical(a.getWeights(), fresh.getWeights(), 'weights after steps');
    expectBitIdentical(a.getAdamState().v, fresh.getAdamState().v, 'v after steps');
    for (const t of [a, b, fresh]) t.dispose();
  });

  it('rejects wrong counts and lengths with errors that name the field', () => {
    const config = ODD;
    const vae = model(config, 2);
    const weights = weightsOf(vae);
    vae.dispose();
    const trainer = new NativeVaeTrainer({ model: mlpDescription(config), weights, threads: 2 });
    const { x, eps } = draws(config, 2, 3, 5, [0, 1]);
    expect(() => trainer.logImportanceWeights(x, 3, 3, eps)).toThrow(/logImportanceWeights: x: has 74 values, expected n × inputDim = 3 × 37 = 111/);
    expect(() => trainer.logImportanceWeights(x, 2, 4, eps)).toThrow(/logImportanceWeights: eps: has 30 values, expected n × k × latentDim = 2 × 4 × 5 = 40/);
    expect(() => trainer.logImportanceWeights(x, 2, 3, eps.subarray(5))).toThrow(RangeError);
    expect(() => trainer.logImportanceWeights(x, 0, 3, eps)).toThrow(/logImportanceWeights: n: expected a positive integer, got 0/);
    expect(() => trainer.logImportanceWeights(x, 2, 1.5, eps)).toThrow(/logImportanceWeights: k: expected a positive integer, got 1.5/);
    expect(() => trainer.logImportanceWeights(x, 2, 0, eps)).toThrow(RangeError);
    expect(() => trainer.logImportanceWeights(x, 2, 3, new Float64Array(30) as unknown as Float32Array)).toThrow(/eps: expected a Float32Array/);
    expect(() => trainer.logImportanceWeights(x, 46341, 46341, eps)).toThrow(/n × k: .* at most 2147483647/);
    expect(trainer.logImportanceWeights(x, 2, 3, eps).length).toBe(6);

    // The raw addon checks what memory safety needs.
    const { encoder, decoder } = mlpDescription(config);
    const raw = new (loadNative()!.Trainer)({
      inputDim: config.inputDim, latentDim: config.latentDim, encoder, decoder,
      learningRate: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, beta: 1,
      reconstruction: 'bernoulli', gaussianLo: 0, gaussianHi: 1, gaussianSigma: 1, gaussianIncludeConstant: false,
      threads: 2, parallel: 'auto', weights,
    });
    expect(() => raw.logImportanceWeights(x.subarray(1), 2, 3, eps)).toThrow(/x: has 73 values, expected 74/);
    expect(() => raw.logImportanceWeights(x, 2, 4, eps)).toThrow(/eps: has 30 values, expected 40/);
    expect(() => raw.logImportanceWeights(x, 2, 0, eps)).toThrow(/k: expected an integer ≥ 1/);
    expect(() => raw.logImportanceWeights(x, 46341, 46341, eps)).toThrow(/n × k: is 2147488281, at most 2147483647/);
    expect(() => (raw.logImportanceWeights as (...a: unknown[]) => Float32Array)(x, 2, 3)).toThrow(/expected \(x, n, k, eps\)/);
    expect(Array.from(raw.logImportanceWeights(x, 2, 3, eps))).toEqual(Array.from(trainer.logImportanceWeights(x, 2, 3, eps)));
    raw.dispose();
    trainer.dispose();
    expect(() => trainer.logImportanceWeights(x, 2, 3, eps)).toThrow(/after dispose/);
  });
});
