import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import type { MnistData, MnistSplit } from '@vae/data';
import { deserializeVae, Vae } from '@vae/model';
import { stepEngineForBackend } from '@vae/train';
import { beforeAll, describe, expect, it } from 'vitest';
import type { SavedRun } from './saved-run.js';
import type { TrainingStatus, WebTrainSettings, WorkerEvent } from './protocol.js';
import { TrainingRun } from './training-run.js';

/** 7×7 "digits": one bar pattern per label with a few flipped pixels, enough to learn in a few epochs on cpu. */
function split(count: number, seed: number): MnistSplit {
  let s = seed;
  const next = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const labels = Uint8Array.from({ length: count }, (_, i) => i % 10);
  const images = new Uint8Array(count * 49);
  images.forEach((_, i) => {
    const label = labels[Math.floor(i / 49)]!;
    const on = (i % 49) % 10 === label || Math.floor((i % 49) / 7) === label % 7;
    images[i] = on !== next() < 0.05 ? 255 : 0;
  });
  return { images, labels, count, rows: 7, cols: 7, channels: 1 };
}
const data: MnistData = { train: split(96, 1), test: split(32, 2), source: { kind: 'files', description: 'test' } };
const settings: WebTrainSettings = { epochs: 3, batchSize: 16, learningRate: 1e-2, latentDim: 2, beta: 1, normalization: 'unit', trainSize: 96, testSize: 32, seed: 7 };
const engine = { name: 'cpu', backend: 'cpu', device: { kind: 'cpu' as const, label: 'plain JavaScript' }, stepEngine: stepEngineForBackend('cpu') };

function runWith(onEvent: (e: WorkerEvent, run: TrainingRun) => void = () => {}) {
  const events: WorkerEvent[] = [];
  const saved: Omit<SavedRun, 'version'>[] = [];
  const waiters: Array<{ statuses: TrainingStatus[]; resolve: () => void }> = [];
  let run!: TrainingRun;
  run = new TrainingRun({
    settings,
    data,
    engine,
    emit: (event) => {
      events.push(event);
      onEvent(event, run);
      if (event.type === 'status') waiters.filter((w) => w.statuses.includes(event.status)).forEach((w) => w.resolve());
    },
    onSaved: async (s) => void saved.push(s),
  });
  const until = (...statuses: TrainingStatus[]) => new Promise<void>((resolve) => waiters.push({ statuses, resolve }));
  return { run, events, saved, until };
}

const epochs = (events: WorkerEvent[]) => events.flatMap((e) => (e.type === 'epoch' ? [e.metrics] : []));

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('TrainingRun: training in the worker', () => {
  it('trains, reporting batches, epochs with a sample grid, and a model + checkpoint to keep after every epoch', async () => {
    const { run, events, saved, until } = runWith();
    const before = tf.memory().numTensors;
    run.start();
    await until('done');
    const metrics = epochs(events);
    expect(metrics.map((m) => m.epoch)).toEqual([1, 2, 3]);
    expect(metrics[2]!.testLoss).toBeLessThan(metrics[0]!.testLoss);
    const grids = events.flatMap((e) => (e.type === 'epoch' ? [e.grid] : []));
    expect(grids[0]!.length).toBe(256 * 49);
    expect(grids[0]).not.toEqual(grids[2]);
    expect(events.some((e) => e.type === 'batch' && e.loss !== undefined)).toBe(true);
    expect(saved.map((s) => s.metrics.length)).toEqual([1, 2, 3]);
    expect(saved[2]!.checkpoint).toBeInstanceOf(Uint8Array);
    // The kept files are a model the CLI's loader reads.
    const restored = deserializeVae(saved[2]!.modelJson, saved[2]!.weights);
    expect(restored.description).toEqual(run.model.description);
    restored.dispose();
    expect(tf.memory().numTensors).toBe(before);
    run.dispose();
  });

  it('pause keeps a checkpoint; resume ends where an uninterrupted run ends, to the bit', async () => {
    const straight = runWith();
    straight.run.start();
    await straight.until('done');

    let paused = false;
    const interrupted = runWith((event, run) => {
      if (!paused && event.type === 'batch' && event.epoch === 2) {
        paused = true;
        run.abort('paused');
      }
    });
    interrupted.run.start();
    await interrupted.until('paused', 'done');
    expect(epochs(interrupted.events).length).toBeLessThan(3);
    expect(interrupted.saved.at(-1)!.checkpoint).toBeInstanceOf(Uint8Array);
    const resumed = interrupted.until('done');
    await interrupted.run.resume();
    await resumed;
    const test = (ms: ReturnType<typeof epochs>) => ms.map(({ epoch, testLoss, testLossMu }) => ({ epoch, testLoss, testLossMu }));
    expect(test(epochs(interrupted.events))).toEqual(test(epochs(straight.events)));
    await expect(interrupted.run.resume()).rejects.toThrow(/finished/);
    straight.run.dispose();
    interrupted.run.dispose();
  });

  it('a model that does not fit the data is refused with both shapes named', () => {
    const model = new Vae({ inputDim: 784, latentDim: 2 });
    expect(() => new TrainingRun({ settings, data, engine, emit: () => {}, onSaved: async () => {}, model })).toThrow(/does not fit this data \(7×7 images\)/);
    model.dispose();
  });
});
