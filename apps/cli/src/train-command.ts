import { access } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { imageShape, loadMnist, parseImageSize, takeFirst, type ImageFolderReport, type LoadedImageFolder, type LoadImageFolderOptions, type MnistData } from '@vae/data/node';
import { RUN_LAYOUT } from '@vae/internal';
import { Vae } from '@vae/model';
import { describeArchitecture } from './model-architecture.js';
import { SAMPLE_GRID_COUNT, sampleGridLatents } from '@vae/explore';
import { CheckpointError, train, TrainConfigError, TrainingDivergedError, type CheckpointStore, type EpochMetrics, type TrainOptions } from '@vae/train';
import { CHECKPOINT_FILE, fileCheckpointStore } from '@vae/train/node';
import { selectEngine } from './engines/node-engines.js';
import { formatCount, formatLoss } from './format.js';
import { EpochProgress, epochLine } from './progress.js';
import { describeFsError, isFsError, OutputError } from './file-errors.js';
import { readResumePoint, restartCommand, verifyResumePoint, type ResumePoint } from './resume-point.js';
import { RunDirectory, RunDirectoryError, type MetricsLine } from './run-dir.js';
import { RunLock } from './run-lock.js';
import { RUN_TOOL } from './run-files.js';
import { checkTrainingFits } from './size-limits.js';
import { UsageError, type TrainRunConfig } from './train-options.js';

export interface TrainIo {
  /** Results: one line per epoch and the summary. */
  out: (line: string) => void;
  /** Diagnostics: backend, data source, where files go. */
  log: (line: string) => void;
  /** Aborting stops after the current batch, saving a checkpoint. */
  signal?: AbortSignal;
  progress?: EpochProgress;
}

export interface TrainRunResult {
  completed: boolean;
  metrics: EpochMetrics[];
  runDir: string;
}

/** How a run starts: `overwrite` lets a new run replace an old one in `--out`. */
export interface TrainStartOptions {
  overwrite?: boolean;
}

/**
 * Runs `vae train`: checks the run directory, loads data, picks the engine, trains with
 * checkpoints, writes the run directory. The directory is locked while the run writes to it.
 */
export async function runTrain(config: TrainRunConfig, resumeFrom: string | null, io: TrainIo, options: TrainStartOptions = {}): Promise<TrainRunResult> {
  const run = new RunDirectory(config.out);
  const store = fileCheckpointStore(run.checkpointDir);
  let lock: RunLock | undefined;
  try {
    // Before any data is loaded: a run directory that cannot be used answers at once.
    let resume: ResumePoint | undefined;
    if (resumeFrom !== null) {
      lock = await RunLock.acquire(run.path, '--resume');
      await run.removeLeftovers(io.log);
      resume = await readResumePoint(run, store, config.epochs);
      await run.makeSamplesDir();
    } else {
      await run.checkNewRun(options.overwrite ?? false);
    }
    const loaded: MnistData = await loadMnist({ source: config.data, dataDir: config.dataDir ?? undefined, log: io.log, images: imageFolderOptions(config, io.log) });
    const folder = 'report' in loaded ? (loaded as LoadedImageFolder).report : undefined;
    if (folder) logFolder(folder, io.log);
    else checkNoImageFlags(config, loaded);
    const data = { train: takeFirst(loaded.train, config.trainSize ?? Infinity), test: takeFirst(loaded.test, config.testSize ?? Infinity) };
    if (config.trainSize !== null || config.testSize !== null) {
      io.log(`data: using the first ${formatCount(data.train.count)} train / ${formatCount(data.test.count)} test images`);
    }
    // The engine is chosen before anything is written: one that cannot run leaves no run directory behind.
    const image = imageShape(data.train); // height × width × channels: recorded in model.json (and config.json) with the model
    const modelDescription = describeArchitecture(config.architecture ?? 'mlp', image, config.latentDim);
    checkTrainingFits(modelDescription, config, data.train.count, resume ? join(run.path, 'config.json') : null);
    if (config.batchSize > data.train.count) io.log(`--batch-size ${config.batchSize} is more than the ${formatCount(data.train.count)} training images: each step takes them all`);
    const { engine, description } = await selectEngine(config.backend, { model: modelDescription, settings: config });
    io.log(`backend: ${description}`);

    let history: MetricsLine[] = [];
    const model = new Vae(modelDescription, { seed: config.seed });
    try {
      const record = {
        argv: process.argv.slice(2),
        node: process.version,
        backend: engine.name,
        device: engine.device,
        data: {
          source: loaded.source.kind,
          description: loaded.source.description,
          train: data.train.count,
          test: data.test.count,
          ...(folder ? { folder: folder.folder, image: folder.image, classes: folder.classes, skipped: folder.skipped.length, report: RUN_LAYOUT.dataReport } : {}),
        },
      };
      if (resume) {
        await verifyResumePoint(run, resume);
        history = await run.readMetricsFor(resume.state.metrics);
        await run.recordResume({ resumedAt: new Date().toISOString(), fromEpoch: resume.state.epoch, ...record }, config);
      } else {
        lock = await run.startNew(options.overwrite ?? false, io.log);
        await run.writeConfig({ tool: RUN_TOOL, createdAt: new Date().toISOString(), ...record, model: model.description, settings: config });
      }
      if (folder) await run.writeDataReport(folder);
      io.log(`run directory: ${run.path}${resume ? ' (resuming)' : ''}`);
      return await trainInto(run, model, data, config, resume?.bytes, history, store, engine.stepEngine, io);
    } catch (error) {
      throw await explainTrainError(run, error, config, resume !== undefined);
    } finally {
      model.dispose();
    }
  } finally {
    lock?.release();
  }
}

/** Trains `model` on `data`, writing metrics, the loss curve, sample grids and at the end the model into `run`. */
async function trainInto(
  run: RunDirectory,
  model: Vae,
  data: { train: MnistData['train']; test: MnistData['test'] },
  config: TrainRunConfig,
  resume: Uint8Array | undefined,
  initialHistory: MetricsLine[],
  store: CheckpointStore,
  stepEngine: TrainOptions['engine'],
  io: TrainIo,
): Promise<TrainRunResult> {
  let history = initialHistory;
  const fixedZ = sampleGridLatents(config.seed, config.latentDim);
  try {
    const result = await train({
      model,
      data,
      epochs: config.epochs,
      batchSize: config.batchSize,
      learningRate: config.learningRate,
      seed: config.seed,
      normalization: config.normalization,
      reconstruction: config.reconstruction,
      beta: config.beta,
      klWarmupEpochs: config.klWarmupEpochs,
      checkpoint: store,
      resume,
      resumeSource: join(run.checkpointDir, CHECKPOINT_FILE),
      signal: io.signal,
      engine: stepEngine,
      onBatch: (event) => io.progress?.update(event),
      onEpoch: async (metrics) => {
        io.progress?.stop();
        io.out(epochLine(metrics, config.epochs, config.klWarmupEpochs > 0));
        // Memory figures ride along in metrics.jsonl, so a long run shows whether it grows.
        const memory = { rssMB: Math.round(process.memoryUsage().rss / 2 ** 20), tensors: tf.memory().numTensors };
        history = [...history.filter((m) => m.epoch < metrics.epoch), { ...metrics, ...memory }];
        await run.writeMetrics(history);
        await run.writeLossCurve(history);
        if (metrics.epoch % config.sampleEvery === 0 || metrics.epoch === config.epochs) {
          const probabilities = model.decode(fixedZ);
          const pixels = (await probabilities.data()) as Float32Array;
          probabilities.dispose();
          await run.writeSamples(metrics.epoch, pixels, SAMPLE_GRID_COUNT, model.description.input);
        }
      },
    });
    io.progress?.stop();
    if (result.completed) {
      await run.saveModel(model, { epochs: config.epochs, settings: config });
      const last = result.metrics.at(-1);
      if (last) {
        io.out(`Done: test loss ${formatLoss(last.testLoss)} (z = mu: ${formatLoss(last.testLossMu)}) after ${last.epoch} epochs.`);
      }
      io.out(`Model, samples, metrics.jsonl and loss.svg are in ${run.path}`);
    } else {
      io.out(`Stopped. Checkpoint saved in ${run.checkpointDir}; continue with: pnpm --filter cli train --resume ${run.path}`);
    }
    return { completed: result.completed, metrics: result.metrics, runDir: run.path };
  } finally {
    fixedZ.dispose();
  }
}

/**
 * An error while training, told with what to do next in this run's terms: a failed write (see
 * `explainWriteError`), a diverged loss (the same settings diverge again: a lower `--lr`), a
 * checkpoint that does not fit the settings a resumed run took from its `config.json`.
 */
async function explainTrainError(run: RunDirectory, error: unknown, config: TrainRunConfig, resuming: boolean): Promise<unknown> {
  if (error instanceof TrainingDivergedError) {
    // Every draw is seeded: resuming with the same settings diverges at the same step again.
    const lower = Number((config.learningRate / 10).toPrecision(3));
    const kept = error.lastGoodEpoch === null ? 'no checkpoint was saved before it' : `the checkpoint after epoch ${error.lastGoodEpoch} is the last good one, but resuming it diverges again`;
    return new TrainingDivergedError(
      `${error.where}; stopped (${kept}); start again with a lower learning rate: ${await restartCommand(run, ['--lr', String(lower)])}`,
      error.where,
      error.lastGoodEpoch,
    );
  }
  if (resuming && error instanceof TrainConfigError && error.message.startsWith('resume: ')) {
    return new RunDirectoryError(
      `--resume ${run.path}: ${error.message.slice('resume: '.length)} (this run's settings come from ${join(run.path, 'config.json')}); put back the settings the run was trained with, or start a new run`,
    );
  }
  return explainWriteError(run, error);
}

/**
 * A file system error while writing the run (a full disk…) in one line naming the file, and how to
 * go on: `--resume` continues from the last checkpoint, which a failed write leaves intact; without
 * one, the command that starts the run again.
 */
async function explainWriteError(run: RunDirectory, thrown: unknown): Promise<unknown> {
  // A checkpoint that could not be written: its file system error, to be told like any other write's.
  const error = thrown instanceof CheckpointError && isFsError(thrown.cause) ? thrown.cause : thrown;
  if (!isFsError(error)) return thrown;
  // A failing write(2) names no file: the checkpoint's own does.
  if (error !== thrown && error.path === undefined) (error as { vaeFile?: string }).vaeFile ??= (thrown as CheckpointError).file;
  const saved = await access(join(run.checkpointDir, CHECKPOINT_FILE)).then(() => true, () => false);
  const next = saved ? `then continue with \`vae train --resume ${run.path}\` (the last checkpoint is intact)` : `then start again: ${await restartCommand(run)}`;
  const fixes: Record<string, string> = { ENOSPC: 'free some space', EDQUOT: 'free some space', EACCES: 'make it writable', EPERM: 'make it writable', EROFS: 'make it writable' };
  const fix = fixes[error.code] ?? 'fix that';
  return new OutputError(describeFsError(error, `${fix}, ${next}`)!);
}

/** How a folder of images is read, from the run's settings; progress every 10,000 images. */
export function imageFolderOptions(settings: Pick<TrainRunConfig, 'imageSize' | 'channels' | 'testFraction' | 'strict'>, log: (line: string) => void): LoadImageFolderOptions {
  return {
    imageSize: settings.imageSize ? parseImageSize(settings.imageSize) : undefined,
    channels: settings.channels ?? undefined,
    testFraction: settings.testFraction,
    strict: settings.strict,
    onProgress: (done, total) => {
      if (done % 10_000 === 0) log(`data: decoded ${formatCount(done)} of ${formatCount(total)} images`);
    },
  };
}

/** What was skipped, scaled or left out of a folder: one line each, the details in data-report.json. */
export function logFolder(report: ImageFolderReport, log: (line: string) => void): void {
  if (report.resized > 0) log(`data: ${formatCount(report.resized)} of ${formatCount(report.train + report.test)} images were not ${report.image.height}×${report.image.width}: cropped (centred) and scaled to it`);
  if (report.skipped.length > 0) {
    const first = report.skipped[0]!;
    log(`data: skipped ${formatCount(report.skipped.length)} files that are not usable images (e.g. ${first.path}: ${first.reason}); all are listed in ${RUN_LAYOUT.dataReport} (--strict refuses them instead)`);
  }
  if (report.unused.length > 0) log(`data: ${formatCount(report.unused.length)} other files not used (e.g. ${report.unused[0]}): not .png, .jpg, .jpeg or .webp, or outside train/ and test/`);
}

/** The flags that only shape a folder of images, refused for MNIST-format data rather than silently ignored. */
function checkNoImageFlags(config: TrainRunConfig, loaded: MnistData): void {
  const given = [config.imageSize !== null && '--image-size', config.channels !== null && '--channels', config.strict && '--strict'].filter(Boolean);
  if (given.length > 0) {
    throw new UsageError(`${given.join(', ')} only ${given.length > 1 ? 'apply' : 'applies'} to a folder of images, but the data is ${loaded.source.description}; drop ${given.length > 1 ? 'them' : 'it'}, or name a folder of images with --data-dir`);
  }
}
