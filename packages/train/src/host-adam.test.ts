import * as tf from '@tensorflow/tfjs-core';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Vae } from '@vae/model';
import { afterEach, describe, expect, it } from 'vitest';
import { adamStateTensors, readAdamState } from './adam-state.js';
import { FLOAT32_MIN_NORMAL, HostAdam, hostAdamHasWasm, subnormalCount } from './host-adam.js';
import { hostAdamStepEngine } from './host-adam-engine.js';
import { stepEngineForBackend } from './tfjs-backend-engine.js';
import { memoryCheckpointStore } from './checkpoint.js';
import { tinySplit } from '@vae/test-helpers/splits';
import { tfjsStepEngine } from './tfjs-engine.js';
import { train } from './train.js';

afterEach(async () => {
  await tf.setBackend('cpu');
});

/** Deterministic pseudo-random floats, some of them tiny, zero or large (Adam's edge cases). */
function values(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const u = s / 2 ** 32 - 0.5;
    out[i] = i % 17 === 0 ? 0 : i % 13 === 0 ? u * 1e-9 : i % 11 === 0 ? u * 1e4 : u;
  }
  return out;
}

/** β^k as tfjs' AdamOptimizer.setWeights computes it: pow of the float32 β, rounded to float32. */
const f32pow = (beta: number, k: number) => Math.fround(Math.fround(beta) ** k);

function bits(a: Float32Array): Uint32Array {
  return new Uint32Array(a.buffer.slice(a.byteOffset, a.byteOffset + a.byteLength));
}

describe('HostAdam', () => {
  it('uses its WebAssembly SIMD loop where the runtime has it (Node does)', () => {
    expect(hostAdamHasWasm()).toBe(true);
    expect(new HostAdam({ learningRate: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 }, [3]).kernel).toBe('wasm');
  });

  it('src/adam-wasm.ts is what scripts/build-adam-wasm.mjs assembles from src/adam.wat', () => {
    const script = fileURLToPath(new URL('../scripts/build-adam-wasm.mjs', import.meta.url));
    expect(() => execFileSync(process.execPath, [script, '--check'], { stdio: 'pipe' })).not.toThrow();
  });

  for (const [backend, kernel] of [['cpu', 'wasm'], ['wasm', 'wasm'], ['cpu', 'js'], ['wasm', 'js']] as const) {
    it(`updates weights and moments bit for bit as tf.train.adam on ${backend} (${kernel} loop)`, async () => {
      await tf.setBackend(backend);
      const settings = { learningRate: 3e-3, beta1: 0.85, beta2: 0.995, epsilon: 1e-7 };
      const sizes = [1, 7, 1000, 33, 6];
      const initial = sizes.map((n, i) => values(n, 100 + i));
      const variables = initial.map((w, i) => tf.variable(tf.tensor1d(w), true, `host-adam-test-${backend}-${kernel}-${i}`));
      const optimizer = tf.train.adam(settings.learningRate, settings.beta1, settings.beta2, settings.epsilon);
      const host = new HostAdam(settings, sizes, kernel);
      const weights = initial.map((w) => w.slice());
      for (let step = 0; step < 12; step++) {
        const grads = sizes.map((n, i) => values(n, 1000 * step + i));
        tf.tidy(() => optimizer.applyGradients(variables.map((v, i) => ({ name: v.name, tensor: tf.tensor1d(grads[i]!) }))));
        host.apply(weights, grads);
      }
      const moments = (await optimizer.getWeights()).slice(1).map((w) => w.tensor.dataSync() as Float32Array);
      const state = host.getState();
      variables.forEach((v, i) => {
        expect(bits(weights[i]!), `weights ${i}`).toEqual(bits(v.dataSync() as Float32Array));
        expect(bits(state.m[i]!), `m ${i}`).toEqual(bits(moments[i]!));
        expect(bits(state.v[i]!), `v ${i}`).toEqual(bits(moments[sizes.length + i]!));
      });
      const powers = optimizer as unknown as { accBeta1: tf.Variable; accBeta2: tf.Variable };
      expect([state.accBeta1, state.accBeta2]).toEqual([powers.accBeta1.dataSync()[0], powers.accBeta2.dataSync()[0]]);
      expect(state.iterations).toBe(12);
      optimizer.dispose();
      tf.dispose(variables);
    });
  }

  const subnormals = (a: Float32Array) => subnormalCount([a]);

  for (const kernel of ['wasm', 'js'] as const) {
    it(`stores moments that decay below 2⁻¹²⁶ as 0 where tf.train.adam keeps subnormals, with the same weights (${kernel} loop)`, async () => {
      await tf.setBackend('cpu');
      const settings = { learningRate: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 };
      const n = 1003; // not a multiple of 4: the scalar tail too
      const initial = values(n, 7);
      // Moments at the edge of the normal range, and gradients zero for half of the entries (never
      // lit pixels): after 60 steps m·0.9⁶⁰ and v·0.999⁶⁰ of those are below 2⁻¹²⁶.
      const m0 = new Float32Array(n).fill(1e-36);
      const v0 = new Float32Array(n).fill(1.2e-38);
      const gradient = (step: number) => values(n, 500 + step).map((g, i) => (i % 2 === 0 ? 0 : g));
      const host = new HostAdam(settings, [n], kernel);
      host.setState({ iterations: 100, accBeta1: f32pow(0.9, 101), accBeta2: f32pow(0.999, 101), m: [m0], v: [v0] });
      const weights = [initial.slice()];
      const variable = tf.variable(tf.tensor1d(initial), true, `host-adam-flush-${kernel}`);
      const optimizer = tf.train.adam(settings.learningRate, settings.beta1, settings.beta2, settings.epsilon);
      await optimizer.setWeights([
        { name: 'iter', tensor: tf.scalar(100, 'int32') },
        { name: `${variable.name}/m`, tensor: tf.tensor1d(m0) },
        { name: `${variable.name}/v`, tensor: tf.tensor1d(v0) },
      ]);
      for (let step = 0; step < 60; step++) {
        const g = gradient(step);
        host.apply(weights, [g]);
        tf.tidy(() => optimizer.applyGradients([{ name: variable.name, tensor: tf.tensor1d(g) }]));
      }
      const [, tfM, tfV] = (await optimizer.getWeights()).map((w) => w.tensor.dataSync() as Float32Array);
      // The test has teeth: without the flush, these are subnormal.
      expect(subnormals(tfM!)).toBeGreaterThan(400);
      expect(subnormals(tfV!)).toBeGreaterThan(400);
      const state = host.getState();
      expect(subnormals(state.m[0]!)).toBe(0);
      expect(subnormals(state.v[0]!)).toBe(0);
      expect(state.m[0]!.filter((x, i) => i % 2 === 0 && x === 0).length).toBe(Math.ceil(n / 2));
      // Every moment that was normal is tfjs' bit for bit, and so is every weight but those near
      // 0 whose moments were flushed: tfjs' subnormal m still moves them, by ~1e-34 a step.
      const normal = (a: Float32Array) => a.map((x) => (Math.abs(x) < FLOAT32_MIN_NORMAL ? 0 : x));
      expect(bits(state.m[0]!)).toEqual(bits(normal(tfM!)));
      expect(bits(state.v[0]!)).toEqual(bits(normal(tfV!)));
      const tfWeights = variable.dataSync() as Float32Array;
      const differing = [...weights[0]!.keys()].filter((i) => weights[0]![i] !== tfWeights[i]);
      expect(differing.length).toBeGreaterThan(0);
      for (const i of differing) {
        expect([i % 2 === 0 || i % 17 === 0, initial[i]], `weight ${i}: gradient always zero, started at 0`).toEqual([true, 0]);
        expect(Math.abs(tfWeights[i]! - weights[0]![i]!), `weight ${i}`).toBeLessThan(1e-31);
      }
      optimizer.dispose();
      variable.dispose();
    });
  }

  it('keeps NaN moments NaN (a diverged run stays visible)', () => {
    for (const kernel of ['wasm', 'js'] as const) {
      const host = new HostAdam({ learningRate: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 }, [5], kernel);
      host.apply([new Float32Array(5)], [Float32Array.of(NaN, 1, 0, NaN, 1e-30)]);
      const { m, v } = host.getState();
      expect([...m[0]!].map(Number.isNaN), kernel).toEqual([true, false, false, true, false]);
      expect([...v[0]!].map(Number.isNaN), kernel).toEqual([true, false, false, true, false]);
    }
  });

  it('round-trips its state through checkpoint tensors, and refuses state of another shape', () => {
    const settings = { learningRate: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 };
    const vae = new Vae({ inputDim: 6, encoderHidden: [5], latentDim: 2, decoderHidden: [4] }, { seed: 1 });
    const variables = vae.namedVariables();
    const host = new HostAdam(settings, variables.map(({ variable }) => variable.size));
    const weights = variables.map(({ variable }) => Float32Array.from(variable.dataSync() as Float32Array));
    host.apply(weights, weights.map((w) => w.map((x) => x * 0.5)));
    const tensors = adamStateTensors(host.getState(), variables);
    expect(readAdamState(tensors, variables, settings, 'test')).toEqual(host.getState());
    expect(() => readAdamState({}, variables, settings, 'ckpt.bin')).toThrow(/ckpt.bin: missing optimizer state "adam\/iterations"/);
    expect(() => host.setState({ ...host.getState(), m: [] })).toThrow(/do not match/);
    const other = new HostAdam(settings, variables.map(({ variable }) => variable.size), 'js');
    other.setState(host.getState());
    expect(other.getState()).toEqual(host.getState());
    expect(() => host.apply(weights.slice(1), weights.slice(1))).toThrow(/expected \d+ weights/);
    tf.dispose(Object.values(tensors));
    vae.dispose();
  });
});

describe('hostAdamStepEngine', () => {
  const tinyModel = { inputDim: 16, encoderHidden: [12], latentDim: 2, decoderHidden: [12] };
  const data = { train: tinySplit(100, 1), test: tinySplit(30, 2) };
  const weightsOf = (vae: Vae) => vae.namedVariables().map(({ variable }) => Float32Array.from(variable.dataSync() as Float32Array));

  for (const backend of ['cpu', 'wasm']) {
    it(`trains bit-identically to tfjsStepEngine on ${backend}, and is what stepEngineForBackend picks there`, async () => {
      await tf.setBackend(backend);
      const run = async (engine: typeof tfjsStepEngine | undefined) => {
        const vae = new Vae(tinyModel, { seed: 5 });
        const result = await train({ model: vae, data, epochs: 2, batchSize: 16, seed: 3, engine });
        const weights = weightsOf(vae);
        vae.dispose();
        return { weights, metrics: result.metrics.map(({ trainLoss, testLoss }) => ({ trainLoss, testLoss })) };
      };
      const reference = await run(tfjsStepEngine);
      const host = await run(hostAdamStepEngine);
      expect(host.weights.map(bits)).toEqual(reference.weights.map(bits));
      // Same per-batch sums; added up in double here, in float32 by tfjs' engine.
      host.metrics.forEach((m, i) => {
        expect(m.testLoss).toBe(reference.metrics[i]!.testLoss);
        expect(m.trainLoss).toBeCloseTo(reference.metrics[i]!.trainLoss, 3);
      });
      const vae = new Vae(tinyModel);
      const engine = stepEngineForBackend(backend)({ model: vae, adam: { learningRate: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 }, loss: {} });
      expect(engine.name).toBe(`tfjs (${backend}), Adam on the host`);
      engine.dispose();
      vae.dispose();
    });
  }

  it('resumes across engines: a checkpoint of one continues bit-identically on the other', async () => {
    const straight = new Vae(tinyModel, { seed: 6 });
    await train({ model: straight, data, epochs: 2, batchSize: 16, seed: 4, engine: tfjsStepEngine });
    for (const [first, second] of [
      [hostAdamStepEngine, tfjsStepEngine],
      [tfjsStepEngine, hostAdamStepEngine],
    ]) {
      const store = memoryCheckpointStore();
      const a = new Vae(tinyModel, { seed: 6 });
      await train({ model: a, data, epochs: 1, batchSize: 16, seed: 4, engine: first, checkpoint: store });
      a.dispose();
      const b = new Vae(tinyModel, { seed: 99 });
      await train({ model: b, data, epochs: 2, batchSize: 16, seed: 4, engine: second, resume: await store.load() });
      expect(weightsOf(b).map(bits)).toEqual(weightsOf(straight).map(bits));
      b.dispose();
    }
    straight.dispose();
  });

  it('keeps the tensor count flat', async () => {
    await tf.setBackend('wasm');
    const vae = new Vae(tinyModel, { seed: 2 });
    const counts: number[] = [];
    await train({ model: vae, data, epochs: 3, batchSize: 16, engine: hostAdamStepEngine, onEpoch: () => void counts.push(tf.memory().numTensors) });
    expect(counts[2]).toBe(counts[0]);
    vae.dispose();
  });
});
