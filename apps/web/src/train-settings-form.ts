import { isNormalization } from '@vae/data';
import type { WebTrainSettings } from './worker/protocol.js';

/** Reads and checks the settings form; throws an Error naming the field and what it accepts. */
export function readTrainSettings(fields: Record<string, string>, available: { train: number; test: number }): WebTrainSettings {
  const positiveInt = (name: string, label: string, max = Number.MAX_SAFE_INTEGER) => {
    const value = Number(fields[name]);
    if (!Number.isInteger(value) || value < 1 || value > max) throw new Error(`${label}: expected a whole number from 1 to ${max.toLocaleString('en-US')}, got "${fields[name]}"`);
    return value;
  };
  const number = (name: string, label: string, ok: (v: number) => boolean, what: string) => {
    const value = Number(fields[name]);
    if (fields[name]?.trim() === '' || !Number.isFinite(value) || !ok(value)) throw new Error(`${label}: expected ${what}, got "${fields[name]}"`);
    return value;
  };
  const normalization = fields.normalization;
  if (!isNormalization(normalization)) throw new Error(`Normalization: unknown "${normalization}"`);
  const seed = Number(fields.seed);
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw new Error(`Seed: expected a whole number from 0 to 4294967295, got "${fields.seed}"`);
  return {
    epochs: positiveInt('epochs', 'Epochs', 10_000),
    batchSize: positiveInt('batchSize', 'Batch size', 65_536),
    learningRate: number('learningRate', 'Learning rate', (v) => v > 0, 'a number above 0'),
    latentDim: positiveInt('latentDim', 'Latent dimension', 1024),
    beta: number('beta', 'β', (v) => v >= 0, 'a number ≥ 0'),
    normalization,
    trainSize: Math.min(positiveInt('trainSize', 'Training images'), available.train),
    testSize: Math.min(positiveInt('testSize', 'Test images'), available.test),
    seed,
  };
}
