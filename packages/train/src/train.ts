import * as tf from '@tensorflow/tfjs-core';
import { createRng, gatherBatchInto, normalizationRange, shuffledIndices, valuesPerImage, type ImageSplit } from '@vae/data';
import type { ElboOptions } from '@vae/loss';
import type { Vae } from '@vae/model';
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
import { TrainingDivergedError } from './errors.js';
import { evaluate } from './evaluate.js';
import { SeedStream, deriveSeed } from './seeds.js';
import type { AdamSettings, StepEngine, StepEngineFactory } from './step-engine.js';
import { tfjsStepEngine } from './tfjs-engine.js';
import { klWarmupBeta } from './kl-warmup.js';
import { trainSettingsOf } from './train-settings.js';
import { checkCheckpointFitsRun, checkDataFitsModel } from './run-compatibility.js';

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
  const settings = trainSettingsOf(options);
  checkDataFitsModel(options.data, options.model);
  const run = await openOrResume(options, settings);
  let completed = true;
  try {
    for (let epoch = run.state.epoch; epoch < settings.epochs; epoch++) {
      const trained = await trainEpoch(run, epoch);
      if (trained === 'stopped') {
        completed = false;
        break;
      }
      await evaluateEpoch(run, epoch, trained);
      if (options.signal?.aborted && epoch + 1 < settings.epochs) {
        completed = false;
        break;
      }
    }
  } finally {
    run.engine.dispose();
  }
  return { metrics: run.state.metrics, completed, state: run.state };
}

/** What a run carries from step to step: its options and settings, the engine, and the state its checkpoints record. */
interface TrainingRun<M extends TrainableModel> {
  readonly options: TrainOptions<M>;
  readonly settings: TrainSettings;
  readonly lossOptions: ElboOptions;
  readonly engine: StepEngine;
  state: TrainingState;
  readonly batchesPerEpoch: number;
  /** The β the engine computes with: it was made with `lossOptions`, and `setKlBeta` is called only on a change. */
  engineBeta: number;
  /** The pixels of the batches `engine.stepRows` does not take. */
  batchBuffer?: Float32Array;
}

/** The engine, fresh or restored from `options.resume` (whose settings and model must be this run's). */
async function openOrResume<M extends TrainableModel>(options: TrainOptions<M>, settings: TrainSettings): Promise<TrainingRun<M>> {
  const { model } = options;
  const lossOptions: ElboOptions = {
    beta: settings.beta,
    reconstruction: settings.reconstruction,
    gaussian: { range: normalizationRange(settings.normalization) },
  };
  const adam: AdamSettings = { learningRate: settings.learningRate, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 }; // PyTorch's epsilon
  const makeEngine = options.engine ?? tfjsStepEngine;
  const opened = { options, settings, lossOptions, batchesPerEpoch: Math.ceil(options.data.train.count / settings.batchSize), engineBeta: settings.beta };
  if (!options.resume) {
    const state: TrainingState = {
      formatVersion: CHECKPOINT_FORMAT_VERSION,
      settings,
      model: model.description,
      epoch: 0,
      batchInEpoch: 0,
      step: 0,
      partial: { lossSum: 0, count: 0, seconds: 0 },
      rng: { algorithm: 'derived-seed-v1', seed: settings.seed, epoch: 0, step: 0 },
      metrics: [],
      savedAt: '',
    };
    return { ...opened, engine: makeEngine({ model, adam, loss: lossOptions }), state };
  }
  const saved = decodeCheckpoint(options.resume, options.resumeSource);
  let engine: StepEngine;
  try {
    checkCheckpointFitsRun(saved.state, settings, model);
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
  return { ...opened, engine, state: { ...rest, settings, model: model.description } };
}

/** Where an epoch's training ended: the loss sum as last read back, and the images and seconds of the epoch. */
interface TrainedEpoch {
  lossSum: number;
  count: number;
  seconds: number;
}

/**
 * The batches of one epoch (from `state.batchInEpoch` on, for a resumed one), in its seeded order.
 * Aborted by `options.signal` before the last batch, it saves a checkpoint and says 'stopped'.
 */
async function trainEpoch<M extends TrainableModel>(run: TrainingRun<M>, epoch: number): Promise<TrainedEpoch | 'stopped'> {
  const { options, settings, engine, batchesPerEpoch } = run;
  const { train: trainSplit } = options.data;
  const lossReadInterval = options.lossReadInterval ?? 10;
  const yieldIntervalMs = options.yieldIntervalMs ?? 100;
  const order = shuffledIndices(trainSplit.count, createRng(deriveSeed(settings.seed, SeedStream.shuffle, epoch)));
  // A resumed epoch's sum goes on from its partial sum, so it adds the same numbers in the same
  // order as a run that never stopped (adding the partial sum at the end rounds differently).
  engine.resetLoss(run.state.partial.lossSum);
  let readLoss = run.state.partial.lossSum;
  let count = run.state.partial.count;
  let trainSeconds = run.state.partial.seconds;
  let readCount = run.state.partial.count; // images that `readLoss` covers
  const segmentStart = now();
  let lastYield = segmentStart;
  const readBack = async (batch: number) => {
    readLoss = await readFiniteLossSum(run, epoch, batch);
    readCount = count;
  };
  for (let batch = run.state.batchInEpoch; batch < batchesPerEpoch; batch++) {
    count += stepBatch(run, order, batch);
    const last = batch + 1 === batchesPerEpoch;
    if (last || (batch + 1) % lossReadInterval === 0) await readBack(batch + 1);
    const t = now();
    options.onBatch?.({
      epoch: epoch + 1,
      epochs: settings.epochs,
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
    if (options.signal?.aborted && !last) {
      await readBack(batch + 1);
      trainSeconds += (now() - segmentStart) / 1000;
      run.state.partial = { lossSum: readLoss, count, seconds: trainSeconds };
      await saveCheckpoint(run);
      return 'stopped';
    }
  }
  trainSeconds += (now() - segmentStart) / 1000;
  return { lossSum: readLoss, count, seconds: trainSeconds };
}

/** One step on batch `batch` of `order`, with the step's seeded noise and KL weight → the images it took. */
function stepBatch<M extends TrainableModel>(run: TrainingRun<M>, order: Uint32Array, batch: number): number {
  const { settings, engine, state } = run;
  const { train: trainSplit } = run.options.data;
  const { batchSize, seed, normalization } = settings;
  const start = batch * batchSize;
  const end = Math.min(start + batchSize, trainSplit.count);
  const noiseSeed = deriveSeed(seed, SeedStream.noise, state.step);
  const beta = klBetaAt(run, state.step);
  if (beta !== run.engineBeta) {
    engine.setKlBeta(beta);
    run.engineBeta = beta;
  }
  if (!engine.stepRows?.(trainSplit, order, start, end, normalization, noiseSeed)) {
    const binarizeRng = normalization === 'dynamic-binary' ? createRng(deriveSeed(seed, SeedStream.binarize, state.step)) : undefined;
    run.batchBuffer ??= new Float32Array(Math.min(batchSize, trainSplit.count) * valuesPerImage(trainSplit));
    const xs = gatherBatchInto(trainSplit, order, start, end, normalization, run.batchBuffer, binarizeRng);
    engine.step(xs, end - start, noiseSeed);
  }
  state.step++;
  state.batchInEpoch = batch + 1;
  return end - start;
}

/** The KL weight of step `step` (the warm-up's, else `beta`). */
function klBetaAt<M extends TrainableModel>(run: TrainingRun<M>, step: number): number {
  return klWarmupBeta(run.settings.beta, run.settings.klWarmupEpochs, run.batchesPerEpoch, step);
}

/** Reads the running loss sum back (a sync) and stops the run on NaN/Inf before anything is saved. */
async function readFiniteLossSum<M extends TrainableModel>(run: TrainingRun<M>, epoch: number, batch: number): Promise<number> {
  const lossSum = await run.engine.readLossSum();
  if (Number.isFinite(lossSum)) return lossSum;
  const store = run.options.checkpoint;
  const where = `loss became ${lossSum} in epoch ${epoch + 1}, batch ${batch}`;
  const lastGood = store && run.state.epoch > 0 ? run.state.epoch : null;
  // The same settings diverge again at the same step (every draw is seeded): the remedy is other settings.
  throw new TrainingDivergedError(
    `${where}; stopped. ` +
      (!store
        ? 'No checkpoint store was given. '
        : lastGood !== null
          ? `The checkpoint saved after epoch ${lastGood} is the last good one. `
          : 'It diverged in the first epoch, before any checkpoint was saved. ') +
      `Train again with a lower learning rate (this run: ${run.settings.learningRate}).`,
    where,
    lastGood,
  );
}

/** The test-set evaluation after an epoch: its metrics join the state, `onEpoch` sees them, a checkpoint is saved. */
async function evaluateEpoch<M extends TrainableModel>(run: TrainingRun<M>, epoch: number, trained: TrainedEpoch): Promise<void> {
  const { options, settings, engine } = run;
  const { model, data } = options;
  await engine.syncModel();
  const evalStart = now();
  const test = await evaluate(model, data.test, {
    ...run.lossOptions,
    normalization: settings.normalization,
    batchSize: options.evalBatchSize ?? 1000,
    seed: deriveSeed(settings.seed, SeedStream.evalNoise),
  }, engine.evaluateBatch);
  const metrics: EpochMetrics = {
    epoch: epoch + 1,
    trainLoss: trained.lossSum / trained.count,
    testLoss: test.loss,
    testLossMu: test.lossMu,
    testRecon: test.recon,
    testKl: test.kl,
    seconds: trained.seconds,
    samplesPerSecond: data.train.count / trained.seconds,
    evalSeconds: (now() - evalStart) / 1000,
    step: run.state.step,
    beta: klBetaAt(run, run.state.step - 1),
  };
  run.state = { ...run.state, epoch: epoch + 1, batchInEpoch: 0, partial: { lossSum: 0, count: 0, seconds: 0 }, metrics: [...run.state.metrics, metrics] };
  await options.onEpoch?.(metrics, model);
  await saveCheckpoint(run);
}

/** Writes the state, the model's weights and the engine's Adam state to `options.checkpoint`, if there is one. */
async function saveCheckpoint<M extends TrainableModel>(run: TrainingRun<M>): Promise<void> {
  const { checkpoint: store, model } = run.options;
  if (!store) return;
  run.state = { ...run.state, rng: { ...run.state.rng, epoch: run.state.epoch, step: run.state.step }, savedAt: new Date().toISOString() };
  await run.engine.syncModel();
  const optimizerState = await run.engine.optimizerState();
  try {
    await store.save(await encodeCheckpoint(run.state, model, optimizerState.tensors), run.state);
  } finally {
    optimizerState.dispose();
  }
}
