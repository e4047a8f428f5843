import { readFile } from 'node:fs/promises';
import * as tf from '@tensorflow/tfjs-core';
import { crc32, Vae } from '@vae/model';
import { describe, expect, it } from 'vitest';
import { decodeCheckpoint, memoryCheckpointStore, readCheckpointState, type EpochMetrics } from './checkpoint.js';
import { TrainConfigError } from './errors.js';
import { klWarmupBeta } from './kl-warmup.js';
import type { StepEngineFactory } from './step-engine.js';
import { tinySplit } from '@vae/test-helpers/splits';
import { tfjsStepEngine } from './tfjs-engine.js';
import { train, type TrainOptions } from './train.js';

const tinyModel = { inputDim: 16, encoderHidden: [12], latentDim: 2, decoderHidden: [12] };
// 100 images at batch 16: 7 batches per epoch, so a warm-up of 2 epochs takes 14 steps.
const tinyData = { train: tinySplit(100, 1), test: tinySplit(30, 2) };
const BATCHES = 7;
const run = { data: tinyData, epochs: 3, batchSize: 16, seed: 4, beta: 0.8 } as const;

const weightsOf = (vae: Vae) => vae.namedVariables().map(({ variable }) => variable.dataSync() as Float32Array);
/** The figures of an epoch that do not depend on timing. */
const figures = ({ seconds: _s, samplesPerSecond: _r, evalSeconds: _e, ...rest }: EpochMetrics) => rest;

/** tfjs' engine, recording every `setKlBeta` call. */
const recording = (calls: number[]): StepEngineFactory => (context) => {
  const engine = tfjsStepEngine(context);
  return {
    ...engine,
    setKlBeta(beta) {
      calls.push(beta);
      engine.setKlBeta(beta);
    },
  };
};

async function trainFresh(options: Partial<TrainOptions>) {
  const vae = new Vae(tinyModel, { seed: 5 });
  try {
    const result = await train({ model: vae, ...run, ...options });
    return { ...result, weights: weightsOf(vae) };
  } finally {
    vae.dispose();
  }
}

/** `bytes` (a version-2 checkpoint) with its header JSON edited, lengths and CRC recomputed. */
function withHeader(bytes: Uint8Array, edit: (json: { state: Record<string, any> }) => void): Uint8Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getUint32(8, true);
  const json = JSON.parse(new TextDecoder().decode(bytes.subarray(24, 24 + headerLength)));
  edit(json);
  const header = new TextEncoder().encode(JSON.stringify(json));
  const weights = bytes.subarray(24 + headerLength);
  const out = new Uint8Array(24 + header.length + weights.length);
  out.set(bytes.subarray(0, 24));
  const outView = new DataView(out.buffer);
  outView.setUint32(8, header.length, true);
  outView.setUint32(12, crc32(header), true);
  out.set(header, 24);
  out.set(weights, 24 + header.length);
  return out;
}

describe('KL warm-up', () => {
  it('β rises linearly per step: beta · min(1, s / (klWarmupEpochs · batches per epoch))', () => {
    expect([0, 1, 7, 13, 14, 15, 100].map((s) => klWarmupBeta(0.8, 2, BATCHES, s))).toEqual([0, 0.8 * (1 / 14), 0.8 * 0.5, 0.8 * (13 / 14), 0.8, 0.8, 0.8]);
    expect([0, 1, 100].map((s) => klWarmupBeta(0.8, 0, BATCHES, s))).toEqual([0.8, 0.8, 0.8]);
  });

  it('gives every step its β (setKlBeta only on a change) and each epoch the β of its last step', async () => {
    const calls: number[] = [];
    const { metrics } = await trainFresh({ klWarmupEpochs: 2, engine: recording(calls) });
    // The formula, written out: step s (0-based) has β = 0.8 · min(1, s / 14); epoch e ends with step 7e − 1.
    expect(metrics.map((m) => m.beta)).toEqual([6, 13, 20].map((s) => 0.8 * Math.min(1, s / 14)));
    expect(metrics.map((m) => m.step)).toEqual([7, 14, 21]);
    expect(calls).toEqual(Array.from({ length: 15 }, (_, s) => 0.8 * Math.min(1, s / 14)));
    // The train loss is what the steps computed with their β: not the full-β run's.
    const full = await trainFresh({});
    expect(metrics[0]!.trainLoss).not.toBe(full.metrics[0]!.trainLoss);
  });

  it('klWarmupEpochs 0 is the run without it: same metrics and weights, setKlBeta never called', async () => {
    const calls: number[] = [];
    const without = await trainFresh({ engine: tfjsStepEngine });
    const zero = await trainFresh({ klWarmupEpochs: 0, engine: recording(calls) });
    expect(calls).toEqual([]);
    expect(zero.metrics.map(figures)).toEqual(without.metrics.map(figures));
    expect(zero.metrics.map((m) => m.beta)).toEqual([0.8, 0.8, 0.8]);
    expect(zero.weights).toEqual(without.weights);
    expect(zero.state.settings.klWarmupEpochs).toBe(0);
  });

  it('a run stopped mid-warm-up (abort after some batches) resumes to exactly the uninterrupted run', async () => {
    const straight = await trainFresh({ klWarmupEpochs: 2 });
    const store = memoryCheckpointStore();
    const controller = new AbortController();
    const stopped = await trainFresh({
      klWarmupEpochs: 2,
      checkpoint: store,
      signal: controller.signal,
      onBatch: (e) => {
        if (e.epoch === 2 && e.batch === 3) controller.abort(); // step 10 of the warm-up's 14
      },
    });
    expect(stopped.completed).toBe(false);
    expect(readCheckpointState((await store.load())!)).toMatchObject({ epoch: 1, batchInEpoch: 3, step: 10, settings: { klWarmupEpochs: 2 } });
    // Other initial weights: everything must come from the checkpoint.
    const second = new Vae(tinyModel, { seed: 777 });
    const resumed = await train({ model: second, ...run, klWarmupEpochs: 2, resume: await store.load() });
    expect(resumed.completed).toBe(true);
    expect(weightsOf(second)).toEqual(straight.weights);
    second.dispose();
    resumed.metrics.forEach((m, e) => {
      const want = straight.metrics[e]!;
      // The epoch's train loss is summed in two parts across the stop: equal up to the order of the sum.
      expect(m.trainLoss).toBeCloseTo(want.trainLoss, 10);
      expect({ ...figures(m), trainLoss: 0 }).toEqual({ ...figures(want), trainLoss: 0 });
    });
    // A resume must keep the warm-up it was started with.
    const other = new Vae(tinyModel, { seed: 5 });
    await expect(train({ model: other, ...run, resume: await store.load() })).rejects.toThrow(
      new TrainConfigError('resume: the checkpoint was trained with klWarmupEpochs = 2, this run asks for 0'),
    );
    other.dispose();
  });

  it('a checkpoint written before warm-up existed (no klWarmupEpochs, no β per epoch) reads and resumes as 0', async () => {
    const straight = await trainFresh({});
    const store = memoryCheckpointStore();
    const first = new Vae(tinyModel, { seed: 5 });
    await train({ model: first, ...run, epochs: 1, checkpoint: store });
    first.dispose();
    const old = withHeader((await store.load())!, ({ state }) => {
      delete state.settings.klWarmupEpochs;
      for (const line of state.metrics) delete line.beta;
    });
    const state = readCheckpointState(old);
    expect(state.settings.klWarmupEpochs).toBe(0);
    expect(state.metrics.map((m) => m.beta)).toEqual([0.8]);
    const second = new Vae(tinyModel, { seed: 777 });
    const resumed = await train({ model: second, ...run, resume: old });
    expect(resumed.metrics.map(figures)).toEqual(straight.metrics.map(figures));
    expect(weightsOf(second)).toEqual(straight.weights);
    await expect(train({ model: second, ...run, klWarmupEpochs: 1, resume: old })).rejects.toThrow(
      /checkpoint was trained with klWarmupEpochs = 0, this run asks for 1/,
    );
    second.dispose();

    // And a file @vae/train 0.1.0 wrote.
    const fixture = new Uint8Array(await readFile(new URL('./fixtures/checkpoint-before-descriptions.bin', import.meta.url)));
    const legacy = decodeCheckpoint(fixture);
    expect(legacy.state.settings.klWarmupEpochs).toBe(0);
    expect(legacy.state.metrics.map((m) => m.beta)).toEqual(legacy.state.metrics.map(() => legacy.state.settings.beta));
    tf.dispose(legacy.tensors);
  });

  it('refuses a klWarmupEpochs that is not an integer ≥ 0, in train() and in a checkpoint', async () => {
    const vae = new Vae(tinyModel);
    for (const bad of [-1, 1.5, Number.NaN]) {
      await expect(train({ model: vae, ...run, klWarmupEpochs: bad })).rejects.toThrow(new TrainConfigError(`klWarmupEpochs: expected an integer ≥ 0, got ${bad}`));
    }
    const store = memoryCheckpointStore();
    await train({ model: vae, ...run, epochs: 1, checkpoint: store });
    const saved = (await store.load())!;
    for (const value of [-2, 1.5, null, '1']) {
      const bad = withHeader(saved, ({ state }) => void (state.settings.klWarmupEpochs = value));
      expect(() => readCheckpointState(bad, 'c.bin')).toThrow(`c.bin: "state.settings.klWarmupEpochs" must be an integer ≥ 0, found ${JSON.stringify(value)}`);
    }
    const badBeta = withHeader(saved, ({ state }) => void (state.metrics[0].beta = null));
    expect(() => readCheckpointState(badBeta, 'c.bin')).toThrow('c.bin: "state.metrics[0].beta" must be a number ≥ 0, found null');
    vae.dispose();
  });
});
