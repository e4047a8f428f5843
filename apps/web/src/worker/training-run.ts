import * as tf from '@tensorflow/tfjs-core';
import { imageShape, takeFirst, type MnistData } from '@vae/data';
import { mlpDescription, sameDescription, serializeVae, Vae } from '@vae/model';
import { sampleGridLatents } from '@vae/explore';
import { train, type ActiveEngine, type CheckpointStore, type EpochMetrics, type TrainSettings } from '@vae/train';
import type { ModelInfo } from '../model-client.js';
import { modelInfoOf } from './model-ops.js';
import type { TrainingStatus, WebTrainSettings, WorkerEvent } from './protocol.js';
import type { SavedRun } from './saved-run.js';

/** Batch events reach the page at most this often: enough for a live chart, few enough messages. */
const BATCH_EVENT_INTERVAL_MS = 100;
/**
 * Batches between loss read-backs. A read waits for the GPU to finish the queued steps, so a read per
 * batch would serialize the GPU with this thread; the loss is summed on the device in between.
 */
const LOSS_READ_INTERVAL = 20;

export interface TrainingRunOptions {
  settings: WebTrainSettings;
  data: MnistData;
  engine: ActiveEngine;
  emit: (event: WorkerEvent, transfer?: Transferable[]) => void;
  /** Called with the model and checkpoint after every epoch and on pause or stop. */
  onSaved: (saved: Omit<SavedRun, 'version'>) => Promise<void>;
}

/** The settings of @vae/train for these page settings: the reference run, with the page's edits. */
export function trainSettingsOf(settings: WebTrainSettings): TrainSettings {
  return {
    epochs: settings.epochs,
    batchSize: settings.batchSize,
    learningRate: settings.learningRate,
    seed: settings.seed,
    normalization: settings.normalization,
    reconstruction: 'bernoulli',
    beta: settings.beta,
    klWarmupEpochs: 0, // the page has no warm-up setting
  };
}

/**
 * One training run in the worker: start, pause (a checkpoint in memory), resume from it exactly,
 * stop. Pausing is stopping with a checkpoint, so a resumed run gives the numbers an uninterrupted
 * one would, as `--resume` does in the CLI.
 */
export class TrainingRun {
  readonly model: Vae;
  readonly info: ModelInfo;
  /** The latest checkpoint; every save is also kept in IndexedDB (`onSaved`). */
  private checkpoint: Uint8Array | undefined;
  private readonly store: CheckpointStore = {
    save: async (bytes, state) => {
      this.checkpoint = bytes.slice();
      this.metrics = state.metrics;
      await this.keep();
    },
    load: async () => this.checkpoint?.slice(),
  };
  private readonly data: { train: MnistData['train']; test: MnistData['test'] };
  private controller: AbortController | undefined;
  private abortAs: 'paused' | 'stopped' = 'stopped';
  private running: Promise<void> | undefined;
  private metrics: EpochMetrics[] = [];
  private status: TrainingStatus = 'idle';
  private readonly fixedZ: tf.Tensor2D;

  constructor(private readonly options: TrainingRunOptions & { model?: Vae; info?: ModelInfo; checkpoint?: Uint8Array; metrics?: EpochMetrics[] }) {
    const { settings, data } = options;
    this.data = { train: takeFirst(data.train, settings.trainSize), test: takeFirst(data.test, settings.testSize) };
    const image = imageShape(data.train);
    const description = mlpDescription({ inputDim: image.height * image.width * image.channels, latentDim: settings.latentDim }, image);
    this.model = options.model ?? new Vae(description, { seed: settings.seed });
    if (!sameDescription(this.model.description, description)) {
      throw new Error(`the kept model (${JSON.stringify(this.model.description.input)}, latent ${this.model.latentDim}) does not fit this data (${image.height}×${image.width}${image.channels === 1 ? '' : `×${image.channels}`} images)`);
    }
    this.info = options.info ?? modelInfoOf(this.model, { metadata: { settings } }, 'trained in this page');
    this.fixedZ = sampleGridLatents(settings.seed, settings.latentDim);
    if (options.checkpoint) {
      this.checkpoint = options.checkpoint;
      this.metrics = options.metrics ?? [];
      this.status = 'paused';
    }
  }

  /** A run restored from a checkpoint kept in IndexedDB, paused until resumed. */
  static fromCheckpoint(options: TrainingRunOptions & { model: Vae; info: ModelInfo; checkpoint: Uint8Array; metrics: EpochMetrics[] }): TrainingRun {
    return new TrainingRun(options);
  }

  get busy(): boolean {
    return this.running !== undefined;
  }

  start(): void {
    this.launch(undefined);
  }

  async resume(): Promise<void> {
    if (this.running) throw new Error('the run is already training');
    if (this.status === 'done') throw new Error('the run has finished: start a new one, or raise the epochs and start again');
    if (!this.checkpoint) throw new Error('no checkpoint to resume from');
    this.launch(this.checkpoint);
  }

  /** Stops after the current batch, keeping a checkpoint; `paused` can be resumed. */
  abort(as: 'paused' | 'stopped'): void {
    if (!this.controller) return;
    this.abortAs = as;
    this.controller.abort();
  }

  /** What a model saved from this run records, as the CLI's `model.json` does. */
  metadata(): Record<string, unknown> {
    return { epochs: this.metrics.length, settings: { ...trainSettingsOf(this.options.settings), ...this.options.settings }, trainedIn: 'vae-ts web page', backend: this.options.engine.name };
  }

  dispose(): void {
    this.abort('stopped');
    this.fixedZ.dispose();
  }

  private setStatus(status: TrainingStatus, detail?: string): void {
    this.status = status;
    this.options.emit({ type: 'status', status, ...(detail ? { detail } : {}) });
  }

  private launch(resume: Uint8Array | undefined): void {
    const controller = new AbortController();
    this.controller = controller;
    this.setStatus('training');
    // The run is over (for now) before its status says so: a page that resumes on 'paused' finds it free.
    const over = () => {
      this.running = undefined;
      this.controller = undefined;
    };
    this.running = this.trainUntilDoneOrAborted(resume, controller.signal).then(
      (completed) => {
        over();
        this.setStatus(completed ? 'done' : this.abortAs);
      },
      (error: unknown) => {
        over();
        this.setStatus('stopped', (error as Error).message);
        this.options.emit({ type: 'error', message: `training stopped: ${(error as Error).message}` });
      },
    );
  }

  private async trainUntilDoneOrAborted(resume: Uint8Array | undefined, signal: AbortSignal): Promise<boolean> {
    const { settings, engine, emit } = this.options;
    let lastBatchEvent = 0;
    const result = await train({
      model: this.model,
      data: this.data,
      ...trainSettingsOf(settings),
      checkpoint: this.store,
      resume,
      signal,
      engine: engine.stepEngine,
      lossReadInterval: LOSS_READ_INTERVAL,
      onBatch: (event) => {
        const now = performance.now();
        if (now - lastBatchEvent < BATCH_EVENT_INTERVAL_MS && event.batch !== event.batches) return;
        lastBatchEvent = now;
        const step = (event.epoch - 1) * event.batches + event.batch;
        emit({ type: 'batch', epoch: event.epoch, epochs: event.epochs, batch: event.batch, batches: event.batches, loss: event.loss, samplesPerSecond: event.samplesPerSecond, step });
      },
      onEpoch: async (metrics) => {
        const grid = tf.tidy(() => this.model.decode(this.fixedZ));
        const pixels = new Float32Array(await grid.data());
        grid.dispose();
        emit({ type: 'epoch', metrics, grid: pixels, image: this.info.image }, [pixels.buffer]);
      },
    });
    return result.completed;
  }

  /** Hands the model and the latest checkpoint to `onSaved` (IndexedDB). */
  private async keep(): Promise<void> {
    const artifacts = await serializeVae(this.model, this.metadata());
    await this.options.onSaved({
      savedAt: new Date().toISOString(),
      modelJson: artifacts.modelJson,
      weights: artifacts.weights,
      checkpoint: this.checkpoint ?? null,
      metrics: this.metrics,
      settings: this.options.settings,
    });
  }
}
