import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { takeFirst, type MnistSplit } from '@vae/data';
import { embeddedMnist } from '@vae/data/node';
import { Vae } from '@vae/model';
import { evaluate, memoryCheckpointStore, train, type EpochMetrics, type StepEngineFactory } from '@vae/train';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isNativeAvailable, nativeLoadError } from './index.js';
import { nativeStepEngine } from './step-engine.js';

const available = isNativeAvailable();
const title = available ? 'nativeStepEngine in train()' : `nativeStepEngine in train(): skipped, the addon is unavailable (${nativeLoadError()})`;


const weightsOf = (vae: Vae) => vae.namedVariables().map(({ variable }) => Array.from(variable.dataSync()));

describe.skipIf(!available)(title, () => {
  let data: { train: MnistSplit; test: MnistSplit };
  beforeAll(async () => {
    await tf.setBackend('wasm'); // the backend the CLI evaluates on beside the native engine
    const digits = await embeddedMnist();
    data = { train: takeFirst(digits.train, 1024), test: takeFirst(digits.test, 200) };
  });
  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  it('trains the reference model on real digits like the tfjs engine does (same noise, float32 rounding apart)', async () => {
    const viaTfjs = new Vae({}, { seed: 5 });
    const viaNative = new Vae({}, { seed: 5 });
    const a = await train({ model: viaTfjs, data, epochs: 2, seed: 5 });
    const b = await train({ model: viaNative, data, epochs: 2, seed: 5, engine: nativeStepEngine() });
    expect(b.metrics[1]!.testLoss).toBeLessThan(b.metrics[0]!.testLoss);
    for (const [ma, mb] of a.metrics.map((m, i) => [m, b.metrics[i]!] as const)) {
      expect(mb.trainLoss).not.toBe(ma.trainLoss); // really two engines: their float32 sums differ
      expect(Math.abs(mb.trainLoss - ma.trainLoss) / ma.trainLoss).toBeLessThan(2e-3);
      expect(Math.abs(mb.testLoss - ma.testLoss) / ma.testLoss).toBeLessThan(5e-3);
    }
    viaTfjs.dispose();
    viaNative.dispose();
  });

  it('gathers the rows itself (stepRows) with bit-identical results to train() gathering them, and leaves dynamic-binary to train()', async () => {
    // The same engine without stepRows: train() gathers every batch and calls step.
    const hidden = (factory: StepEngineFactory): StepEngineFactory => (context) => {
      const engine = factory(context);
      return { ...engine, stepRows: undefined };
    };
    const calls = { stepRows: 0, taken: 0, step: 0 };
    const counted = (factory: StepEngineFactory): StepEngineFactory => (context) => {
      const engine = factory(context);
      return {
        ...engine,
        step: (x, n, seed) => {
          calls.step++;
          engine.step(x, n, seed);
        },
        stepRows: (...args) => {
          calls.stepRows++;
          const taken = engine.stepRows!(...args);
          if (taken) calls.taken++;
          return taken;
        },
      };
    };
    const small = { train: takeFirst(data.train, 300), test: data.test }; // 300 = 2·128 + a partial batch of 44
    for (const [normalization, threads, reconstruction] of [
      ['unit', 2, 'bernoulli'],
      ['binary', 1, 'bernoulli'],
      ['symmetric', 2, 'gaussian'],
      ['dynamic-binary', 2, 'bernoulli'],
    ] as const) {
      const settings = { data: small, epochs: 2, seed: 3, batchSize: 128, normalization, reconstruction };
      const viaStep = new Vae({}, { seed: 3 });
      const viaRows = new Vae({}, { seed: 3 });
      const a = await train({ ...settings, model: viaStep, engine: hidden(nativeStepEngine({ threads })) });
      calls.stepRows = calls.taken = calls.step = 0;
      const b = await train({ ...settings, model: viaRows, engine: counted(nativeStepEngine({ threads })) });
      expect(calls.stepRows).toBe(6);
      expect([calls.taken, calls.step]).toEqual(normalization === 'dynamic-binary' ? [0, 6] : [6, 0]);
      const strip = (m: (typeof a.metrics)[number]) => ({ ...m, seconds: 0, samplesPerSecond: 0, evalSeconds: 0 });
      expect(b.metrics.map(strip), normalization).toEqual(a.metrics.map(strip));
      expect(weightsOf(viaRows), normalization).toEqual(weightsOf(viaStep));
      viaStep.dispose();
      viaRows.dispose();
    }
  });

  it('gathers rows of rows·cols·channels bytes for images with channels (stepRows as train() would)', async () => {
    const [count, rows, cols, channels] = [70, 6, 5, 3];
    const split = (n: number, salt: number): MnistSplit => ({
      images: Uint8Array.from({ length: n * rows * cols * channels }, (_, i) => (Math.imul(i + salt, 2654435761) >>> 24) & (i % 3 === 0 ? 0 : 0xff)),
      labels: new Uint8Array(n),
      count: n,
      rows,
      cols,
      channels,
    });
    const colour = { train: split(count, 1), test: split(20, 2) };
    const model = { inputDim: rows * cols * channels, encoderHidden: [16], latentDim: 2, decoderHidden: [16] };
    const viaStep = new Vae(model, { seed: 4 });
    const viaRows = new Vae(model, { seed: 4 });
    const settings = { data: colour, epochs: 1, seed: 4, batchSize: 32 };
    const a = await train({ ...settings, model: viaStep, engine: (context) => ({ ...nativeStepEngine()(context), stepRows: undefined }) });
    const b = await train({ ...settings, model: viaRows, engine: nativeStepEngine() });
    expect(Number.isFinite(b.metrics[0]!.testLoss)).toBe(true);
    expect(b.metrics[0]!.trainLoss).toBe(a.metrics[0]!.trainLoss);
    expect(weightsOf(viaRows)).toEqual(weightsOf(viaStep));
    viaStep.dispose();
    viaRows.dispose();
  });

  it('keeps the tensor count flat and resumes exactly from its own checkpoint, every metric to the last bit', async () => {
    const straight = new Vae({}, { seed: 2 });
    const counts: number[] = [];
    const a = await train({ model: straight, data, epochs: 3, seed: 2, engine: nativeStepEngine(), onEpoch: () => void counts.push(tf.memory().numTensors) });
    expect(counts[2]).toBe(counts[0]);

    const store = memoryCheckpointStore();
    const controller = new AbortController();
    const first = new Vae({}, { seed: 2 });
    await train({
      model: first,
      data,
      epochs: 3,
      seed: 2,
      engine: nativeStepEngine(),
      checkpoint: store,
      signal: controller.signal,
      yieldIntervalMs: 0,
      onBatch: (e) => {
        if (e.epoch === 2 && e.batch === 7) controller.abort(); // mid-epoch, like Ctrl-C
      },
    });
    first.dispose();
    const second = new Vae({}, { seed: 99 });
    const b = await train({ model: second, data, epochs: 3, seed: 2, engine: nativeStepEngine(), resume: await store.load() });
    expect(weightsOf(second)).toEqual(weightsOf(straight));
    // Every figure but the timings, to the last bit: the resumed epoch's train loss too (#23).
    const timeless = ({ seconds: _s, samplesPerSecond: _r, evalSeconds: _e, ...rest }: EpochMetrics) => rest;
    expect(b.metrics.map(timeless)).toEqual(a.metrics.map(timeless));
    straight.dispose();
    second.dispose();
  });

  it('writes checkpoints the tfjs engine resumes, and resumes the tfjs engine’s', async () => {
    for (const [firstEngine, secondEngine] of [
      [nativeStepEngine(), undefined],
      [undefined, nativeStepEngine()],
    ] as const) {
      const store = memoryCheckpointStore();
      const first = new Vae({}, { seed: 4 });
      const one = await train({ model: first, data, epochs: 1, seed: 4, engine: firstEngine, checkpoint: store });
      first.dispose();
      const second = new Vae({}, { seed: 8 });
      const two = await train({ model: second, data, epochs: 2, seed: 4, engine: secondEngine, resume: await store.load() });
      expect(two.metrics[0]).toEqual(one.metrics[0]);
      // Adam's moments came across: a fresh optimizer would jump; the loss keeps falling smoothly.
      expect(two.metrics[1]!.testLoss).toBeLessThan(one.metrics[0]!.testLoss);
      expect(two.metrics[1]!.trainLoss).toBeLessThan(one.metrics[0]!.trainLoss);
      second.dispose();
    }
  });
});

describe.skipIf(!available)(`${title}: test evaluation`, () => {
  it('evaluates on the addon as tfjs evaluates the same weights (float32 rounding apart)', async () => {
    await tf.setBackend('wasm');
    const digits = await embeddedMnist();
    const test = takeFirst(digits.test, 1000);
    const model = new Vae({}, { seed: 6 });
    await train({ model, data: { train: takeFirst(digits.train, 512), test }, epochs: 1, engine: nativeStepEngine() });
    const factory = nativeStepEngine();
    const engine = factory({ model, adam: { learningRate: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 }, loss: {} });
    const options = { normalization: 'unit' as const, batchSize: 300, seed: 11 };
    const viaTfjs = await evaluate(model, test, options);
    const viaNative = await evaluate(model, test, options, engine.evaluateBatch);
    engine.dispose();
    model.dispose();
    expect(viaNative.count).toBe(1000);
    for (const key of ['loss', 'lossMu', 'recon', 'kl'] as const) {
      expect(Math.abs(viaNative[key] - viaTfjs[key]) / Math.abs(viaTfjs[key])).toBeLessThan(1e-5);
    }
    await tf.setBackend('cpu');
  });
});
