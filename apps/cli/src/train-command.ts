import * as tf from '@tensorflow/tfjs-core';
import { loadMnist, takeFirst, type MnistData } from '@vae/data/node';
import { resolveVaeConfig, Vae } from '@vae/model';
import { readCheckpointState, SAMPLE_GRID_COUNT, sampleGridLatents, train, type EpochMetrics } from '@vae/train';
import { fileCheckpointStore } from '@vae/train/node';
import { selectEngine } from './engines/node-engines.js';
import { formatCount, formatLoss } from './format.js';
import { EpochProgress, epochLine } from './progress.js';
import { RunDirectory, type MetricsLine } from './run-dir.js';
import type { TrainRunConfig } from './train-options.js';

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


/** Runs `vae train`: loads data, picks the engine, trains with checkpoints, writes the run directory. */
export async function runTrain(config: TrainRunConfig, resumeFrom: string | null, io: TrainIo): Promise<TrainRunResult> {
  const loaded: MnistData = await loadMnist({ source: config.data, dataDir: config.dataDir ?? undefined, log: io.log });
  const data = { train: takeFirst(loaded.train, config.trainSize ?? Infinity), test: takeFirst(loaded.test, config.testSize ?? Infinity) };
  if (config.trainSize !== null || config.testSize !== null) {
    io.log(`data: using the first ${formatCount(data.train.count)} train / ${formatCount(data.test.count)} test images`);
  }
  // The engine is chosen before anything is written: one that cannot run leaves no run directory behind.
  const side = data.train.rows;
  const modelConfig = resolveVaeConfig({ inputDim: side * data.train.cols, latentDim: config.latentDim });
  const { engine, description } = await selectEngine(config.backend, { model: modelConfig, settings: config });
  io.log(`backend: ${description}`);

  const run = new RunDirectory(config.out);
  await run.create();
  const store = fileCheckpointStore(run.checkpointDir);
  let resume: Uint8Array | undefined;
  let history: MetricsLine[] = [];
  if (resumeFrom !== null) {
    resume = await store.load();
    if (!resume) throw new Error(`--resume ${resumeFrom}: no checkpoint in ${run.checkpointDir}; nothing to resume`);
    history = await run.readMetricsFor(readCheckpointState(resume, run.checkpointDir).metrics);
  }
  const model = new Vae(modelConfig, { seed: config.seed });
  await run.writeConfig({
    tool: 'vae-ts cli train',
    createdAt: new Date().toISOString(),
    argv: process.argv.slice(2),
    node: process.version,
    backend: engine.name,
    device: engine.device,
    data: { source: loaded.source.kind, description: loaded.source.description, train: data.train.count, test: data.test.count },
    model: model.config,
    settings: config,
  });
  io.log(`run directory: ${run.path}${resume ? ' (resuming)' : ''}`);

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
      checkpoint: store,
      resume,
      signal: io.signal,
      engine: engine.stepEngine,
      onBatch: (event) => io.progress?.update(event),
      onEpoch: async (metrics) => {
        io.progress?.stop();
        io.out(epochLine(metrics, config.epochs));
        // Memory figures ride along in metrics.jsonl, so a long run shows whether it grows.
        const memory = { rssMB: Math.round(process.memoryUsage().rss / 2 ** 20), tensors: tf.memory().numTensors };
        history = [...history.filter((m) => m.epoch < metrics.epoch), { ...metrics, ...memory }];
        await run.writeMetrics(history);
        await run.writeLossCurve(history);
        if (metrics.epoch % config.sampleEvery === 0 || metrics.epoch === config.epochs) {
          const probabilities = model.decode(fixedZ);
          const pixels = (await probabilities.data()) as Float32Array;
          probabilities.dispose();
          await run.writeSamples(metrics.epoch, pixels, SAMPLE_GRID_COUNT, side);
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
    model.dispose();
  }
}
