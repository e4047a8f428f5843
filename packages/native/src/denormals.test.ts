// Subnormal floats on the addon's hot path (addon/src/denormals.h): every thread that runs a step
// or the importance-weighted bound flushes them to zero — the trainer's pool threads, the calling
// thread while it is in the addon (and only then), and OpenBLAS' worker threads. Checked on each
// build that loads here, under every threading schedule. Skipped, saying why, where neither build
// loads — except under CI, where both are built.
import { FLOAT32_MIN_NORMAL, subnormalCount } from '@vae/train';
import { describe, expect, it } from 'vitest';
import type { NativeBinding, NativeParallel, NativeTrainerHandle } from './index.js';
import { loadPrebuilt, loadSourceBuild } from './load-addon.js';
import { rawTrainer, stream, type MlpWidths } from './test-trainers.js';

const ci = Boolean(process.env.CI);

type Config = MlpWidths;

function shapes(c: Config): number[][] {
  const chain = (dims: number[]) => dims.slice(1).map((out, i) => [dims[i]!, out]);
  const h = c.encoderHidden.at(-1)!;
  return [...chain([c.inputDim, ...c.encoderHidden]), [h, c.latentDim], [h, c.latentDim], ...chain([c.latentDim, ...c.decoderHidden, c.inputDim])].flatMap(
    ([i, o]) => [[i!, o!], [o!]],
  );
}

const makeTrainer = (binding: NativeBinding, c: Config, weights: Float32Array[], threads: number, parallel: NativeParallel, sparseInput = true): NativeTrainerHandle =>
  rawTrainer(binding, c, weights, { threads, parallel, sparseInput });


const schedules: [number, NativeParallel][] = [
  [1, 'auto'],
  [2, 'split'],
  [2, 'data'],
  [2, 'blas'],
];

const builds = [
  { name: 'prebuilt', attempt: loadPrebuilt() },
  { name: 'source build', attempt: loadSourceBuild() },
];

describe.each(builds)('flush-to-zero in the $name', ({ name, attempt }) => {
  const unavailable = attempt.binding ? undefined : attempt.error;
  if (unavailable && !ci) console.warn(`[denormals.test] SKIPPED the ${name}: ${unavailable}`);
  const when = it.skipIf(unavailable !== undefined && !ci);
  const suffix = unavailable ? ` — SKIPPED: ${unavailable}` : '';
  const binding = () => {
    if (!attempt.binding) throw new Error(`the ${name} must be built in CI: ${unavailable}`);
    return attempt.binding;
  };

  when.each(schedules)(`Adam's moments that decay below 2⁻¹²⁶ become 0, not subnormal (%i threads, %s)${suffix}`, (threads, parallel) => {
    const c: Config = { inputDim: 64, encoderHidden: [48], latentDim: 4, decoderHidden: [40] };
    const next = stream(3);
    const weights = shapes(c).map((shape) => Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => (2 * next() - 1) * 0.2));
    const t = makeTrainer(binding(), c, weights, threads, parallel);
    // Moments at the edge of the normal range; the first 8 pixels are never lit, so their weights
    // get no gradient, and after 60 steps m·0.9⁶⁰ and v·0.999⁶⁰ of those are below 2⁻¹²⁶.
    const state = t.getAdamState();
    t.setAdamState({ ...state, iterations: 100, m: state.m.map((m) => m.fill(1e-36)), v: state.v.map((v) => v.fill(1.2e-38)) });
    expect(Math.fround(Math.fround(1e-36) * 0.9 ** 60)).toBeLessThan(FLOAT32_MIN_NORMAL);
    const n = 32;
    const x = Float32Array.from({ length: n * c.inputDim }, (_, i) => (i % c.inputDim < 8 || next() < 0.5 ? 0 : next()));
    const eps = Float32Array.from({ length: n * c.latentDim }, () => 2 * next() - 1);
    for (let s = 0; s < 60; s++) t.step(x, n, eps);
    const after = t.getAdamState();
    t.dispose();
    expect(subnormalCount(after.m), 'subnormal first moments').toBe(0);
    expect(subnormalCount(after.v), 'subnormal second moments').toBe(0);
    expect(after.m[0]!.subarray(0, 8 * 48).every((m) => m === 0), 'first moments of the never-lit pixels').toBe(true);
  });

  when(`OpenBLAS' worker threads flush too: subnormal weights act as 0 in every row of a threaded GEMM${suffix}`, () => {
    // The first layer as a dense GEMM that OpenBLAS shares among its threads (blas schedule, all
    // pixels lit), with subnormal weights: flushed, every hidden unit is relu(0) = 0 and the second
    // layer's weight gradient hᵀ·dy is exactly 0; a thread that does not flush computes 784·1e-39
    // for its rows and leaves nonzero gradients.
    const c: Config = { inputDim: 784, encoderHidden: [512, 256], latentDim: 20, decoderHidden: [256, 512] };
    const next = stream(5);
    const weights = shapes(c).map((shape, i) =>
      Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => (i === 0 ? 1e-39 : i === 1 ? 0 : (2 * next() - 1) * 0.05)),
    );
    const t = makeTrainer(binding(), c, weights, 2, 'blas', false);
    const n = 64;
    const x = new Float32Array(n * c.inputDim).fill(1);
    const eps = Float32Array.from({ length: n * c.latentDim }, () => 2 * next() - 1);
    const { gradients } = t.gradients(x, n, eps);
    t.dispose();
    expect(gradients[2]!.length).toBe(512 * 256);
    expect(gradients[2]!.filter((g) => g !== 0).length, 'nonzero entries of the second layer’s weight gradient').toBe(0);
  });

  when(`the calling thread's floating-point mode is restored when the addon returns (JavaScript keeps subnormals)${suffix}`, () => {
    const c: Config = { inputDim: 16, encoderHidden: [8], latentDim: 2, decoderHidden: [8] };
    const weights = shapes(c).map((shape) => new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(0.1));
    const t = makeTrainer(binding(), c, weights, 1, 'auto');
    t.step(new Float32Array(4 * 16).fill(0.5), 4, new Float32Array(4 * 2));
    t.logImportanceWeights(new Float32Array(16).fill(0.5), 1, 3, new Float32Array(3 * 2));
    t.dispose();
    // Read from an array, so that the product is computed at run time, on this thread.
    const tiny = [Number.MIN_VALUE];
    expect(tiny[0]! * 3).toBe(3 * Number.MIN_VALUE);
  });
});
