import { readFile } from 'node:fs/promises';
import { mlpDescription, Vae } from '@vae/model';
import { describe, expect, it } from 'vitest';
import { decodeCheckpoint, memoryCheckpointStore } from './checkpoint.js';
import { train } from './train.js';

// fixtures/checkpoint-before-descriptions.bin was written by @vae/train 0.1.0, before model
// descriptions (its state records an MLP `modelConfig`): 2 epochs of this model on this data.
const CONFIG = { inputDim: 16, encoderHidden: [10], latentDim: 3, decoderHidden: [8] };
const RECORDED_TEST_LOSSES = [11.634610493977865, 11.604972839355469];
const split = (count: number, seed: number) => {
  const images = new Uint8Array(count * 16);
  for (let i = 0; i < images.length; i++) images[i] = (i * 37 + seed * 11) % 256;
  return { images, labels: new Uint8Array(count), count, rows: 4, cols: 4, channels: 1 };
};
const data = { train: split(40, 1), test: split(12, 2) };
const settings = { epochs: 3, batchSize: 16, seed: 5 };

describe('a checkpoint saved before model descriptions', () => {
  it('resumes from its own weights and history, and the next save records the description', async () => {
    const bytes = new Uint8Array(await readFile(new URL('./fixtures/checkpoint-before-descriptions.bin', import.meta.url)));
    const saved = decodeCheckpoint(bytes, 'checkpoint-before-descriptions.bin');
    expect(saved.state.modelConfig).toEqual(CONFIG);
    expect(saved.state.model).toEqual(mlpDescription(CONFIG));
    Object.values(saved.tensors).forEach((t) => t.dispose());

    // The weights come from the checkpoint: two models of different inits resume to the same run.
    const resumedModel = new Vae(CONFIG, { seed: 3 });
    const store = memoryCheckpointStore();
    const resumed = await train({ model: resumedModel, data, ...settings, resume: bytes, checkpoint: store });
    const straightModel = new Vae(CONFIG, { seed: 99 });
    const again = await train({ model: straightModel, data, ...settings, resume: bytes });
    expect(resumed.metrics.slice(0, 2).map((m) => m.testLoss)).toEqual(RECORDED_TEST_LOSSES);
    expect(resumed.metrics).toHaveLength(3);
    expect(resumed.metrics[2]!.testLoss).toBe(again.metrics[2]!.testLoss);
    expect(resumed.metrics[2]!.trainLoss).toBe(again.metrics[2]!.trainLoss);
    // And the run continues as one that never stopped (same code path, same noise as 0.1.0's).
    const straightModel2 = new Vae(CONFIG, { seed: 3 });
    const straight = await train({ model: straightModel2, data, ...settings });
    expect(straight.metrics.slice(0, 2).map((m) => m.testLoss)).toEqual(RECORDED_TEST_LOSSES);
    expect(straight.metrics[2]!.testLoss).toBe(resumed.metrics[2]!.testLoss);
    straightModel2.dispose();
    // The next save records the description, not the old config.
    const next = decodeCheckpoint((await store.load())!);
    expect(next.state.modelConfig).toBeUndefined();
    expect(next.state.model).toEqual(mlpDescription(CONFIG));
    Object.values(next.tensors).forEach((t) => t.dispose());
    resumedModel.dispose();
    straightModel.dispose();
  });

  it('does not resume into another model', async () => {
    const bytes = new Uint8Array(await readFile(new URL('./fixtures/checkpoint-before-descriptions.bin', import.meta.url)));
    const model = new Vae({ ...CONFIG, latentDim: 4 }, { seed: 3 });
    await expect(train({ model, data, ...settings, resume: bytes })).rejects.toThrow(/resume: the checkpoint's model .*"latentDim":3.* differs from this run's .*"latentDim":4/);
    model.dispose();
  });
});
