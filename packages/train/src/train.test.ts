import * as tf from '@tensorflow/tfjs-core';
import { gatherBatchInto, type MnistSplit } from '@vae/data';
import { Vae } from '@vae/model';
import { afterEach, describe, expect, it } from 'vitest';
import { decodeCheckpoint, memoryCheckpointStore } from './checkpoint.js';
import { TrainConfigError, TrainingDivergedError } from './errors.js';
import { evaluate } from './evaluate.js';
import { head, realDigits, tinySplit } from '@vae/test-helpers/splits';
import type { StepEngineFactory } from './step-engine.js';
import { tfjsStepEngine } from './tfjs-engine.js';
import type { EpochMetrics } from './checkpoint.js';
import { train } from './train.js';

const tinyModel = { inputDim: 16, encoderHidden: [12], latentDim: 2, decoderHidden: [12] };
const tinyData = { train: tinySplit(100, 1), test: tinySplit(30, 2) };

function weightsOf(vae: Vae): Float32Array[] {
  return vae.namedVariables().map(({ variable }) => variable.dataSync() as Float32Array);
}

afterEach(async () => {
  await tf.setBackend('cpu');
});

describe('train on real MNIST digits', () => {
  it('one epoch on a subset lowers the test loss of the reference model (wasm backend)', async () => {
    await tf.setBackend('wasm');
    const digits = await realDigits();
    const data = { train: head(digits.train, 3000), test: head(digits.test, 500) };
    const vae = new Vae({}, { seed: 1 });
    const before = await evaluate(vae, data.test);
    const epochs: number[] = [];
    const result = await train({ model: vae, data, epochs: 1, batchSize: 64, seed: 1, onEpoch: (m) => void epochs.push(m.testLoss) });
    const m = result.metrics[0]!;
    // An untrained decoder outputs ~0.5 everywhere: ~543 nats (784·ln 2). One short epoch must learn a lot.
    expect(before.loss).toBeGreaterThan(500);
    expect(m.testLoss).toBeLessThan(before.loss - 250);
    expect(m.testRecon + m.testKl).toBeCloseTo(m.testLoss, 3);
    expect(m.trainLoss).toBeGreaterThan(m.testLoss - 100);
    expect(epochs).toEqual([m.testLoss]);
    vae.dispose();
  });
});

describe('train', () => {
  it('keeps the tensor count flat from epoch to epoch', async () => {
    const vae = new Vae(tinyModel, { seed: 2 });
    const counts: number[] = [];
    await train({ model: vae, data: tinyData, epochs: 3, batchSize: 16, onEpoch: () => void counts.push(tf.memory().numTensors) });
    expect(counts).toHaveLength(3);
    expect(counts[2]).toBe(counts[0]);
    vae.dispose();
  });

  it('emits batch events with the running loss', async () => {
    const vae = new Vae(tinyModel);
    const events: { batch: number; loss: number | undefined }[] = [];
    await train({ model: vae, data: tinyData, epochs: 1, batchSize: 10, lossReadInterval: 3, onBatch: (e) => void events.push({ batch: e.batch, loss: e.loss }) });
    expect(events.map((e) => e.batch)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(events[0]!.loss).toBeUndefined(); // nothing read back yet
    expect(events[2]!.loss).toBeGreaterThan(0); // mean nats per image of batches 1–3
    expect(events[3]!.loss).toBe(events[2]!.loss); // not read again until batch 6: the same mean, not diluted
    expect(events[9]!.loss).not.toBe(events[2]!.loss);
    vae.dispose();
  });

  it('resumes exactly: 2 epochs straight = 1 epoch, stop, resume for the second', async () => {
    const straight = new Vae(tinyModel, { seed: 3 });
    const a = await train({ model: straight, data: tinyData, epochs: 2, batchSize: 16, seed: 9 });

    const store = memoryCheckpointStore();
    const first = new Vae(tinyModel, { seed: 3 });
    await train({ model: first, data: tinyData, epochs: 1, batchSize: 16, seed: 9, checkpoint: store });
    first.dispose();
    const second = new Vae(tinyModel, { seed: 777 }); // different init: everything must come from the checkpoint
    const b = await train({ model: second, data: tinyData, epochs: 2, batchSize: 16, seed: 9, resume: await store.load() });

    expect(weightsOf(second)).toEqual(weightsOf(straight));
    expect(b.metrics.map((m) => m.testLoss)).toEqual(a.metrics.map((m) => m.testLoss));
    expect(b.metrics.map((m) => m.trainLoss)).toEqual(a.metrics.map((m) => m.trainLoss));
    straight.dispose();
    second.dispose();
  });

  it("uses an engine's stepRows when it takes the batch, and gathers + steps when it declines", async () => {
    const log: string[] = [];
    // tfjs' engine plus a stepRows that gathers itself and declines 'binary'.
    const withRows: StepEngineFactory = (context) => {
      const engine = tfjsStepEngine(context);
      const own = new Float32Array(16 * 16);
      return {
        ...engine,
        step(x, n, seed) {
          log.push(`step ${n}`);
          engine.step(x, n, seed);
        },
        stepRows(split, order, start, end, normalization, seed) {
          log.push(`rows ${start}..${end} ${normalization}`);
          if (normalization === 'binary') return false;
          engine.step(gatherBatchInto(split, order, start, end, normalization, own), end - start, seed);
          return true;
        },
      };
    };
    for (const normalization of ['unit', 'binary'] as const) {
      const plain = new Vae(tinyModel, { seed: 4 });
      const viaRows = new Vae(tinyModel, { seed: 4 });
      const a = await train({ model: plain, data: tinyData, epochs: 1, batchSize: 16, seed: 4, normalization, engine: tfjsStepEngine });
      log.length = 0;
      const b = await train({ model: viaRows, data: tinyData, epochs: 1, batchSize: 16, seed: 4, normalization, engine: withRows });
      const expected = [0, 16, 32, 48, 64, 80, 96].flatMap((start) => {
        const end = Math.min(start + 16, 100);
        return normalization === 'binary' ? [`rows ${start}..${end} binary`, `step ${end - start}`] : [`rows ${start}..${end} unit`];
      });
      expect(log).toEqual(expected);
      expect(b.metrics.map((m) => [m.trainLoss, m.testLoss])).toEqual(a.metrics.map((m) => [m.trainLoss, m.testLoss]));
      expect(weightsOf(viaRows)).toEqual(weightsOf(plain));
      plain.dispose();
      viaRows.dispose();
    }
  });

  // Every figure but the timings, to the last bit: a resumed run's metrics.jsonl equals a straight one's.
  const timeless = ({ seconds: _s, samplesPerSecond: _r, evalSeconds: _e, ...rest }: EpochMetrics) => rest;

  it.each([
    ['Adam on the host (the default on cpu and wasm; the sum in float64)', undefined],
    ["tfjs' Adam (the sum a float32 tensor)", tfjsStepEngine],
  ] as [string, StepEngineFactory | undefined][])('an abort mid-epoch saves a checkpoint that resumes to the same result, every metric to the last bit (Ctrl-C): %s', async (_name, engine) => {
    const options = { data: tinyData, epochs: 2, batchSize: 8, seed: 4, reconstruction: 'bernoulli' as const, normalization: 'dynamic-binary' as const, engine };
    const straight = new Vae(tinyModel, { seed: 5 });
    const a = await train({ model: straight, ...options });

    const store = memoryCheckpointStore();
    const controller = new AbortController();
    const first = new Vae(tinyModel, { seed: 5 });
    const stopped = await train({
      model: first,
      ...options,
      checkpoint: store,
      signal: controller.signal,
      onBatch: (e) => {
        if (e.epoch === 2 && e.batch === 5) controller.abort();
      },
    });
    expect(stopped.completed).toBe(false);
    const saved = decodeCheckpoint((await store.load())!);
    expect(saved.state).toMatchObject({ epoch: 1, batchInEpoch: 5 });
    tf.dispose(saved.tensors);
    first.dispose();

    const second = new Vae(tinyModel, { seed: 6 });
    const b = await train({ model: second, ...options, resume: await store.load() });
    expect(b.completed).toBe(true);
    expect(weightsOf(second)).toEqual(weightsOf(straight));
    expect(b.metrics.map(timeless)).toEqual(a.metrics.map(timeless));
    straight.dispose();
    second.dispose();
  });

  it('stops on a NaN loss with a clear error and keeps the last good checkpoint', async () => {
    const store = memoryCheckpointStore();
    const vae = new Vae(tinyModel);
    await train({ model: vae, data: tinyData, epochs: 1, batchSize: 16, checkpoint: store });
    const good = await store.load();
    const bias = vae.namedVariables().find((v) => v.name === 'decoder.1.bias')!.variable;
    bias.assign(tf.fill(bias.shape, Number.NaN));
    await expect(train({ model: vae, data: tinyData, epochs: 2, batchSize: 16, checkpoint: store, resume: good, lossReadInterval: 1 })).resolves.toBeDefined();
    // Resuming restored good weights, so that worked; now poison after the restore.
    const poisoned = new Vae(tinyModel);
    const decoderBias = poisoned.namedVariables().find((v) => v.name === 'decoder.1.bias')!.variable;
    decoderBias.assign(tf.fill(decoderBias.shape, Number.NaN));
    const before = store.saves;
    await expect(train({ model: poisoned, data: tinyData, epochs: 3, batchSize: 16, checkpoint: store, lossReadInterval: 1 })).rejects.toThrow(
      TrainingDivergedError,
    );
    expect(store.saves).toBe(before);
    await expect(train({ model: poisoned, data: tinyData, epochs: 1, batchSize: 16, lossReadInterval: 1 })).rejects.toThrow(
      /loss became NaN in epoch 1, batch 1\b/,
    );
    vae.dispose();
    poisoned.dispose();
  });

  it('refuses BCE on [−1, 1] pixels, bad settings and a mismatched resume', async () => {
    const vae = new Vae(tinyModel);
    await expect(train({ model: vae, data: tinyData, normalization: 'symmetric' })).rejects.toThrow(/needs targets in \[0, 1\].*'symmetric'/);
    await expect(train({ model: vae, data: tinyData, batchSize: 0 })).rejects.toThrow(TrainConfigError);
    await expect(train({ model: vae, data: tinyData, learningRate: -1 })).rejects.toThrow(/learningRate/);
    await expect(train({ model: new Vae({ ...tinyModel, inputDim: 784 }), data: tinyData })).rejects.toThrow(/16 pixels but the model's inputDim is 784/);
    const store = memoryCheckpointStore();
    await train({ model: vae, data: tinyData, epochs: 1, batchSize: 16, checkpoint: store });
    await expect(train({ model: vae, data: tinyData, epochs: 2, batchSize: 32, resume: await store.load() })).rejects.toThrow(
      /checkpoint was trained with batchSize = 16, this run asks for 32/,
    );
    // The Gaussian term accepts [−1, 1] data.
    await expect(train({ model: vae, data: tinyData, epochs: 1, normalization: 'symmetric', reconstruction: 'gaussian' })).resolves.toBeDefined();
    vae.dispose();
  });
});

describe('train: data checked before the first step', () => {
  /** `count` images of `rows × cols` pseudo-random pixels of `channels` values each (channels last). */
  const split = (count: number, rows: number, cols: number, seed = 1, channels = 1): MnistSplit => {
    const images = new Uint8Array(count * rows * cols * channels);
    let s = seed;
    for (let i = 0; i < images.length; i++) images[i] = (s = (Math.imul(s, 1103515245) + 12345) >>> 0) >>> 24;
    return { images, labels: new Uint8Array(count), count, rows, cols, channels };
  };

  it('trains images with channels: 3 values a pixel are the model input (inputDim rows·cols·3)', async () => {
    const [rows, cols] = [5, 4];
    const vae = new Vae({ ...tinyModel, inputDim: rows * cols * 3 }, { seed: 3 });
    const data = { train: split(24, rows, cols, 1, 3), test: split(8, rows, cols, 2, 3) };
    const { metrics } = await train({ model: vae, data, epochs: 1, batchSize: 8, seed: 3 });
    expect(metrics).toHaveLength(1);
    expect([metrics[0]!.trainLoss, metrics[0]!.testLoss, metrics[0]!.testLossMu].every(Number.isFinite)).toBe(true);
    // Train and test of different channel counts are refused naming both; data of another size than the model's too.
    await expect(train({ model: vae, data: { train: split(24, rows, cols, 1, 3), test: split(8, rows, cols, 2, 1) }, epochs: 1 })).rejects.toThrow(
      new TrainConfigError('data: test images have 1 channel but train images have 3; expected one number of channels for both splits'),
    );
    await expect(train({ model: vae, data: { train: split(24, rows, cols, 1, 1), test: split(8, rows, cols, 2, 1) }, epochs: 1 })).rejects.toThrow(
      new TrainConfigError("data: images have 20 pixels but the model's inputDim is 60"),
    );
    await expect(train({ model: vae, data: { train: split(24, rows, cols, 1, 2), test: split(8, rows, cols, 2, 2) }, epochs: 1 })).rejects.toThrow(
      new TrainConfigError("data: images have 40 values (5×4 pixels × 2 channels) but the model's inputDim is 60"),
    );
    vae.dispose();
  });

  it('reads a split without channels (from code written before them) as grey', async () => {
    const vae = new Vae(tinyModel, { seed: 3 });
    const { channels: _, ...old } = tinySplit(16);
    const { metrics } = await train({ model: vae, data: { train: old as MnistSplit, test: tinyData.test }, epochs: 1, batchSize: 8 });
    expect(Number.isFinite(metrics[0]!.trainLoss)).toBe(true);
    vae.dispose();
  });

  it('trains non-square images: 20×28 trains and evaluates like the same bytes read as 28×20', async () => {
    const model = { ...tinyModel, inputDim: 560 };
    const run = async (rows: number, cols: number) => {
      const vae = new Vae(model, { seed: 8 });
      const { metrics } = await train({ model: vae, data: { train: split(32, rows, cols, 1), test: split(16, rows, cols, 2) }, epochs: 1, batchSize: 8, seed: 8 });
      vae.dispose();
      return metrics.map((m) => [m.trainLoss, m.testLoss]);
    };
    const wide = await run(20, 28);
    expect(wide.flat().every(Number.isFinite)).toBe(true);
    expect(wide).toEqual(await run(28, 20));
  });

  it('refuses an empty train or test split, train and test images of different sizes, and too few pixel bytes', async () => {
    let engines = 0;
    const counted: StepEngineFactory = (context) => {
      engines++;
      return tfjsStepEngine(context);
    };
    const vae = new Vae(tinyModel);
    const refuse = (data: { train: MnistSplit; test: MnistSplit }) => train({ model: vae, data, epochs: 1, batchSize: 8, engine: counted });
    const empty = { ...tinySplit(0), count: 0 };
    await expect(refuse({ train: empty, test: tinyData.test })).rejects.toThrow(
      new TrainConfigError('data.train: 0 images of 4×4 pixels; expected at least one image of at least 1×1 pixels'),
    );
    await expect(refuse({ train: tinyData.train, test: empty })).rejects.toThrow(/^data\.test: 0 images of 4×4 pixels/);
    // 8×2 has the model's 16 pixels, so only the shape check can tell; 5×5 would fail only at evaluation.
    await expect(refuse({ train: tinyData.train, test: split(10, 8, 2) })).rejects.toThrow(
      new TrainConfigError('data: test images are 8×2 but train images are 4×4; expected one image size for both splits'),
    );
    await expect(refuse({ train: tinyData.train, test: split(10, 5, 5) })).rejects.toThrow(TrainConfigError);
    await expect(refuse({ train: { ...tinyData.train, count: 101 }, test: tinyData.test })).rejects.toThrow(
      'data.train: 1600 bytes of pixels for 101 images of 4×4; expected 1616',
    );
    expect(engines).toBe(0); // nothing was set up, let alone stepped
    vae.dispose();
  });
});

