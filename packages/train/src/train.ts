import * as tf from '@tensorflow/tfjs-core';
import { createRng, gatherBatchInto, imageShape, normalizationRange, shuffledIndices, valuesPerImage, type ImageSplit } from '@vae/data';
import { checkReconstructionRange, type ElboOptions } from '@vae/loss';
import { mlpConfigOf, sameDescription, type Vae } from '@vae/model';
import type { TrainableModel } from './trainable-model.js';
import {
  CHECKPOINT_FORMAT_VERSION,
  decodeCheckpoint,
  encodeCheckpoint,
  restoreModelWeights,
  type CheckpointStore,
  type EpochMetrics,
  type TrainSettings,
  type TrainingState,
} from './checkpoint.js';
import { TrainConfigError, TrainingDivergedError } from './errors.js';
import { evaluate } from './evaluate.js';
import { SeedStream, deriveSeed } from './seeds.js';
import type { AdamSettings, StepEngine, StepEngineFactory } from './step-engine.js';
import { tfjsStepEngine } from './tfjs-engine.js';
import { klWarmupBeta } from './kl-warmup.js';

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

export interface BatchEvent {
  /** 1-based epoch and batch. */
  epoch: number;
  epochs: number;
  batch: number;
  batches: number;
  /** Images trained on so far in this epoch. */
  samples: number;
  /** Mean train loss per image so far this epoch, as of the last read-back (see `lossReadInterval`). */
  loss: number | undefined;
  /** Training throughput of this epoch so far. */
  samplesPerSecond: number;
}

export interface TrainOptions<M extends TrainableModel = Vae> extends Partial<TrainSettings> {
  /** What to train: a `Vae`, or any model with the members `TrainableModel` names. */
  model: M;
  /** Train and test images: any fixed-size images (height × width × channels), the same size in both. */
  data: { train: ImageSplit; test: ImageSplit };
  /** Where to keep a checkpoint after every epoch (and on abort). */
  checkpoint?: CheckpointStore;
  /** A checkpoint (bytes from a store) to continue from. Its settings must match these; `epochs` may be larger. */
  resume?: Uint8Array;
  /** What `resume` came from (a file path), named in the errors of a damaged checkpoint. Default 'checkpoint'. */
  resumeSource?: string;
  /** Abort to stop after the current batch: a checkpoint is saved and `train` resolves with `completed: false`. */
  signal?: AbortSignal;
  onBatch?: (event: BatchEvent) => void;
  /** Awaited before the next epoch starts (e.g. to write a sample grid). */
  onEpoch?: (metrics: EpochMetrics, model: M) => void | Promise<void>;
  /** Read the running loss back from the backend every this many batches (a sync; costly on GPUs). Default 10. */
  lossReadInterval?: number;
  /** Batch size of the test-set evaluation. Default 1000. */
  evalBatchSize?: number;
  /** Let other work (signals, UI) run at least this often, in ms. Default 100. */
  yieldIntervalMs?: number;
  /**
   * What performs the steps: the `stepEngine` of the engine the registry chose (`EngineRegistry.resolve`),
   * or any `StepEngineFactory`. Default `tfjsStepEngine`: tfjs-core ops and tfjs' Adam on the active backend
   * (on wasm and cpu, `hostAdamStepEngine` computes the same numbers faster).
   */
  engine?: StepEngineFactory;
}

export interface TrainResult {
  metrics: EpochMetrics[];
  /** False when stopped by `signal`. */
  completed: boolean;
  state: TrainingState;
}

function checkSettings(s: TrainSettings): void {
  const positiveInt = (v: number, f: string) => {
    if (!Number.isInteger(v) || v < 1) throw new TrainConfigError(`${f}: expected a positive integer, got ${v}`);
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

/** " × 3 channels" for images with channels, nothing for grey ones: for messages. */
const channelsNote = (channels: number) => (channels === 1 ? '' : ` × ${channels} channels`);

/**
 * Refuses data that would train on nothing or fail only after an epoch: an empty split gives NaN
 * losses, and test images of another size or number of channels fail at the first evaluation.
 * Any rows × cols × channels trains (a split without `channels` is grey: 1).
 */
function checkData(train: ImageSplit, test: ImageSplit): void {
  for (const [name, split] of [['train', train], ['test', test]] as const) {
    const { count } = split;
    const { height: rows, width: cols, channels } = imageShape(split);
    if (![count, rows, cols, channels].every((n) => Number.isInteger(n) && n >= 1)) {
      throw new TrainConfigError(
        `data.${name}: ${count} images of ${rows}×${cols} pixels${channelsNote(channels)}; expected at least one image of at least 1×1 pixels${channels === 1 ? '' : ' and 1 channel'}`,
      );
    }
    if (split.images.length < count * valuesPerImage(split)) {
      throw new TrainConfigError(
        `data.${name}: ${split.images.length} bytes of pixels for ${count} images of ${rows}×${cols}${channelsNote(channels)}; expected ${count * valuesPerImage(split)}`,
      );
    }
  }
  if (train.rows !== test.rows || train.cols !== test.cols) {
    throw new TrainConfigError(
      `data: test images are ${test.rows}×${test.cols} but train images are ${train.rows}×${train.cols}; expected one image size for both splits`,
    );
  }
  const [trainChannels, testChannels] = [imageShape(train).channels, imageShape(test).channels];
  if (trainChannels !== testChannels) {
    throw new TrainConfigError(
      `data: test images have ${testChannels} channel${testChannels === 1 ? '' : 's'} but train images have ${trainChannels}; expected one number of channels for both splits`,
    );
  }
}

const now = () => performance.now();
const yieldToEventLoop = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

/**
 * Trains `model` with Adam on `data.train`, evaluating on `data.test` after every epoch.
 * Every random draw is keyed by (seed, epoch/step), so a run resumed from a checkpoint continues
 * exactly as if it had never stopped. Keeps no tensors beyond the optimizer's state.
 *
 * With `klWarmupEpochs`, the steps weigh the KL term with a β that rises from 0 to `beta` (see
 * `klWarmupBeta`; a function of the step count, which the checkpoint holds), and the train loss is
 * what the steps computed with their β. The test evaluation always uses `beta`: for β = 1 the true
 * negative ELBO, comparable across runs and epochs.
 */
export async function train<M extends TrainableModel = Vae>(options: TrainOptions<M>): Promise<TrainResult> {
  const { model, data, checkpoint: store, signal, onBatch, onEpoch } = options;
  const settings: TrainSettings = { ...DEFAULT_TRAIN_SETTINGS };
  for (const key of Object.keys(DEFAULT_TRAIN_SETTINGS) as (keyof TrainSettings)[]) {
    if (options[key] !== undefined) (settings as unknown as Record<string, unknown>)[key] = options[key];
  }
  checkSettings(settings);
  const lossReadInterval = options.lossReadInterval ?? 10;
  const yieldIntervalMs = options.yieldIntervalMs ?? 100;
  const { train: trainSplit, test: testSplit } = data;
  checkData(trainSplit, testSplit);
  // Values per image (rows·cols·channels): what the model takes per example.
  const pixels = valuesPerImage(trainSplit);
  if (pixels !== model.inputDim) {
    const { height, width, channels } = imageShape(trainSplit);
    const what = channels === 1 ? `${pixels} pixels` : `${pixels} values (${height}×${width} pixels${channelsNote(channels)})`;
    throw new TrainConfigError(`data: images have ${what} but the model's inputDim is ${model.inputDim}`);
  }
  // A model that reads images as feature maps (conv layers) must get its own image shape, not only as many values.
  const spatial = [...model.description.encoder, ...model.description.decoder].some((l) => l.type !== 'dense');
  const image = imageShape(trainSplit);
  const { input } = model.description;
  if (spatial && (image.height !== input.height || image.width !== input.width || image.channels !== input.channels)) {
    throw new TrainConfigError(
      `data: images are ${image.height}×${image.width}×${image.channels} but the model reads ${input.height}×${input.width}×${input.channels} feature maps`,
    );
  }
  const { epochs, batchSize, seed, normalization } = settings;
  const lossOptions: ElboOptions = {
    beta: settings.beta,
    reconstruction: settings.reconstruction,
    gaussian: { range: normalizationRange(normalization) },
  };
  const adam: AdamSettings = { learningRate: settings.learningRate, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 }; // PyTorch's epsilon
  const makeEngine = options.engine ?? tfjsStepEngine;
  let engine: StepEngine;
  let state: TrainingState = {
    formatVersion: CHECKPOINT_FORMAT_VERSION,
    settings,
    model: model.description,
    epoch: 0,
    batchInEpoch: 0,
    step: 0,
    partial: { lossSum: 0, count: 0, seconds: 0 },
    rng: { algorithm: 'derived-seed-v1', seed, epoch: 0, step: 0 },
    metrics: [],
    savedAt: '',
  };
  if (options.resume) {
    const saved = decodeCheckpoint(options.resume, options.resumeSource);
    try {
      for (const key of Object.keys(settings) as (keyof TrainSettings)[]) {
        if (key !== 'epochs' && saved.state.settings[key] !== settings[key]) {
          throw new TrainConfigError(`resume: the checkpoint was trained with ${key} = ${saved.state.settings[key]}, this run asks for ${settings[key]}`);
        }
      }
      const legacyConfig = saved.state.modelConfig;
      // A checkpoint from before descriptions records only the MLP's sizes, not its image shape.
      const same = legacyConfig
        ? JSON.stringify(mlpConfigOf(model.description)) === JSON.stringify(legacyConfig)
        : sameDescription(saved.state.model, model.description);
      if (!same) {
        throw new TrainConfigError(
          `resume: the checkpoint's model ${JSON.stringify(legacyConfig ?? saved.state.model)} differs from this run's ${JSON.stringify(legacyConfig ? mlpConfigOf(model.description) : model.description)}`,
        );
      }
      restoreModelWeights(saved, model);
      engine = makeEngine({ model, adam, loss: lossOptions });
      try {
        await engine.restore(saved.tensors, 'checkpoint');
      } catch (error) {
        engine.dispose();
        throw error;
      }
    } finally {
      tf.dispose(saved.tensors);
    }
    // From here on the checkpoint records the description (an old one's config is dropped).
    const { modelConfig: _legacy, ...rest } = saved.state;
    state = { ...rest, settings, model: model.description };
  } else {
    engine = makeEngine({ model, adam, loss: lossOptions });
  }

  const save = async () => {
    if (!store) return;
    state = { ...state, rng: { ...state.rng, epoch: state.epoch, step: state.step }, savedAt: new Date().toISOString() };
    engine.syncModel();
    const optimizerState = await engine.optimizerState();
    try {
      await store.save(await encodeCheckpoint(state, model, optimizerState.tensors), state);
    } finally {
      optimizerState.dispose();
    }
  };

  const batchesPerEpoch = Math.ceil(trainSplit.count / batchSize);
  const betaAt = (step: number) => klWarmupBeta(settings.beta, settings.klWarmupEpochs, batchesPerEpoch, step);
  let engineBeta = settings.beta; // the engine was made with `lossOptions`; `setKlBeta` only on a change
  let buffer: Float32Array | undefined; // for the batches `engine.stepRows` does not take
  let completed = true;
  try {
    epochs: for (let epoch = state.epoch; epoch < epochs; epoch++) {
      const order = shuffledIndices(trainSplit.count, createRng(deriveSeed(seed, SeedStream.shuffle, epoch)));
      // A resumed epoch's sum goes on from its partial sum, so it adds the same numbers in the same
      // order as a run that never stopped (adding the partial sum at the end rounds differently).
      engine.resetLoss(state.partial.lossSum);
      let readLoss = state.partial.lossSum;
      let count = state.partial.count;
      let trainSeconds = state.partial.seconds;
      let readCount = state.partial.count; // images that `readLoss` covers
      const segmentStart = now();
      let lastYield = segmentStart;
      // Reads the running sum back (a sync) and stops the run on NaN/Inf before anything is saved.
      const readBack = async (batch: number) => {
        readLoss = await engine.readLossSum();
        readCount = count;
        if (!Number.isFinite(readLoss)) {
          const where = `loss became ${readLoss} in epoch ${epoch + 1}, batch ${batch}`;
          const lastGood = store && state.epoch > 0 ? state.epoch : null;
          // The same settings diverge again at the same step (every draw is seeded): the remedy is other settings.
          throw new TrainingDivergedError(
            `${where}; stopped. ` +
              (!store
                ? 'No checkpoint store was given. '
                : lastGood !== null
                  ? `The checkpoint saved after epoch ${lastGood} is the last good one. `
                  : 'It diverged in the first epoch, before any checkpoint was saved. ') +
              `Train again with a lower learning rate (this run: ${settings.learningRate}).`,
            where,
            lastGood,
          );
        }
      };
      for (let batch = state.batchInEpoch; batch < batchesPerEpoch; batch++) {
        const start = batch * batchSize;
        const end = Math.min(start + batchSize, trainSplit.count);
        const n = end - start;
        const noiseSeed = deriveSeed(seed, SeedStream.noise, state.step);
        const beta = betaAt(state.step);
        if (beta !== engineBeta) {
          engine.setKlBeta(beta);
          engineBeta = beta;
        }
        if (!engine.stepRows?.(trainSplit, order, start, end, normalization, noiseSeed)) {
          const binarizeRng = normalization === 'dynamic-binary' ? createRng(deriveSeed(seed, SeedStream.binarize, state.step)) : undefined;
          const xs = gatherBatchInto(trainSplit, order, start, end, normalization, (buffer ??= new Float32Array(Math.min(batchSize, trainSplit.count) * pixels)), binarizeRng);
          engine.step(xs, n, noiseSeed);
        }
        count += n;
        state.step++;
        state.batchInEpoch = batch + 1;
        const last = batch + 1 === batchesPerEpoch;
        if (last || (batch + 1) % lossReadInterval === 0) await readBack(batch + 1);
        const t = now();
        onBatch?.({
          epoch: epoch + 1,
          epochs,
          batch: batch + 1,
          batches: batchesPerEpoch,
          samples: count,
          loss: readCount > 0 ? readLoss / readCount : undefined,
          samplesPerSecond: count / (trainSeconds + (t - segmentStart) / 1000),
        });
        if (t - lastYield > yieldIntervalMs) {
          await yieldToEventLoop();
          lastYield = now();
        }
        if (signal?.aborted && !last) {
          await readBack(batch + 1);
          trainSeconds += (now() - segmentStart) / 1000;
          state.partial = { lossSum: readLoss, count, seconds: trainSeconds };
          completed = false;
          await save();
          break epochs;
        }
      }
      trainSeconds += (now() - segmentStart) / 1000;
      engine.syncModel();
      const evalStart = now();
      const test = await evaluate(model, testSplit, {
        ...lossOptions,
        normalization,
        batchSize: options.evalBatchSize ?? 1000,
        seed: deriveSeed(seed, SeedStream.evalNoise),
      }, engine.evaluateBatch);
      const metrics: EpochMetrics = {
        epoch: epoch + 1,
        trainLoss: readLoss / count,
        testLoss: test.loss,
        testLossMu: test.lossMu,
        testRecon: test.recon,
        testKl: test.kl,
        seconds: trainSeconds,
        samplesPerSecond: trainSplit.count / trainSeconds,
        evalSeconds: (now() - evalStart) / 1000,
        step: state.step,
        beta: betaAt(state.step - 1),
      };
      state = { ...state, epoch: epoch + 1, batchInEpoch: 0, partial: { lossSum: 0, count: 0, seconds: 0 }, metrics: [...state.metrics, metrics] };
      await onEpoch?.(metrics, model);
      await save();
      if (signal?.aborted && epoch + 1 < epochs) {
        completed = false;
        break;
      }
    }
  } finally {
    engine.dispose();
  }
  return { metrics: state.metrics, completed, state };
}
