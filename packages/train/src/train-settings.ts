import { normalizationRange } from '@vae/data';
import { checkReconstructionRange } from '@vae/loss';
import type { TrainSettings } from './checkpoint.js';
import { TrainConfigError } from './errors.js';
import { isPositiveInteger } from '@vae/internal';

export const DEFAULT_TRAIN_SETTINGS: Readonly<TrainSettings> = Object.freeze({
  epochs: 50,
  batchSize: 64,
  learningRate: 1e-3,
  seed: 0,
  normalization: 'unit',
  reconstruction: 'bernoulli',
  beta: 1,
  klWarmupEpochs: 0,
});

/** The run's settings: those `options` sets, the defaults for the rest; refuses any out of range (`TrainConfigError`). */
export function trainSettingsOf(options: Partial<TrainSettings>): TrainSettings {
  const settings: TrainSettings = { ...DEFAULT_TRAIN_SETTINGS };
  for (const key of Object.keys(DEFAULT_TRAIN_SETTINGS) as (keyof TrainSettings)[]) {
    if (options[key] !== undefined) (settings as unknown as Record<string, unknown>)[key] = options[key];
  }
  checkSettings(settings);
  return settings;
}

function checkSettings(s: TrainSettings): void {
  const positiveInt = (v: number, f: string) => {
    if (!isPositiveInteger(v)) throw new TrainConfigError(`${f}: expected a positive integer, got ${v}`);
  };
  positiveInt(s.epochs, 'epochs');
  positiveInt(s.batchSize, 'batchSize');
  if (!(s.learningRate > 0 && Number.isFinite(s.learningRate))) throw new TrainConfigError(`learningRate: expected a number > 0, got ${s.learningRate}`);
  if (!Number.isInteger(s.seed)) throw new TrainConfigError(`seed: expected an integer, got ${s.seed}`);
  if (!(s.beta >= 0 && Number.isFinite(s.beta))) throw new TrainConfigError(`beta: expected a number ≥ 0, got ${s.beta}`);
  if (!Number.isSafeInteger(s.klWarmupEpochs) || s.klWarmupEpochs < 0) {
    throw new TrainConfigError(`klWarmupEpochs: expected an integer ≥ 0, got ${s.klWarmupEpochs}`);
  }
  checkReconstructionRange(s.reconstruction, normalizationRange(s.normalization), `pixels with normalization '${s.normalization}'`);
}
