import { describe, expect, it } from 'vitest';
import { readTrainSettings } from './train-settings-form.js';

const reference = { epochs: '50', batchSize: '64', learningRate: '0.001', latentDim: '20', beta: '1', normalization: 'unit', trainSize: '60000', testSize: '10000', seed: '0' };
const available = { train: 60_000, test: 10_000 };

describe('the training settings form', () => {
  it('reads the reference settings', () => {
    expect(readTrainSettings(reference, available)).toEqual({ epochs: 50, batchSize: 64, learningRate: 0.001, latentDim: 20, beta: 1, normalization: 'unit', trainSize: 60_000, testSize: 10_000, seed: 0 });
  });

  it('caps the dataset sizes at what the data has', () => {
    expect(readTrainSettings({ ...reference, trainSize: '100000' }, { train: 9000, test: 1000 })).toMatchObject({ trainSize: 9000, testSize: 1000 });
  });

  it.each([
    [{ epochs: '0' }, /^Epochs: expected a whole number from 1/],
    [{ batchSize: '6.5' }, /^Batch size: expected a whole number/],
    [{ learningRate: '' }, /^Learning rate: expected a number above 0, got ""/],
    [{ learningRate: '-1' }, /^Learning rate/],
    [{ beta: 'x' }, /^β: expected a number ≥ 0/],
    [{ normalization: 'zscore' }, /^Normalization: unknown "zscore"/],
    [{ seed: '-1' }, /^Seed: expected a whole number from 0/],
  ])('refuses %o, naming the field', (change, message) => {
    expect(() => readTrainSettings({ ...reference, ...change }, available)).toThrow(message);
  });
});
