import type { ImageFolderOptions, ImageFolderReport, MnistFileRole, Normalization } from '@vae/data';
import type { ImageShape } from '@vae/model';
import type { EpochMetrics } from '@vae/train';
import type { BackendChoice } from '../engines.js';
import type { ModelInfo } from '../model-client.js';

export type { MnistFileRole };

/** What the page can change before training; the rest of the run is the reference setup. */
export interface WebTrainSettings {
  epochs: number;
  batchSize: number;
  learningRate: number;
  latentDim: number;
  beta: number;
  normalization: Normalization;
  /** Images of the training set used (the first n); the test set is cut the same way. */
  trainSize: number;
  testSize: number;
  seed: number;
}

/** Where the worker gets MNIST-format data. */
export type DataRequest =
  | { kind: 'url'; /** Absolute URL of the folder holding `mnist.json` and the four files. */ baseUrl: string }
  | { kind: 'files'; /** The four files as dropped on the page (gzipped or not). */ files: Record<MnistFileRole, Uint8Array>; description: string }
  | {
      kind: 'images';
      /** The dropped or picked folder's name. */
      folder: string;
      /** Its files, each with its path below it: decoded in the worker by the rules the CLI uses. */
      files: { path: string; file: File }[];
      options: Pick<ImageFolderOptions, 'imageSize' | 'channels' | 'testFraction'>;
    };

/** A saved model: the `model.json` document and the bytes of `weights.bin`, as the CLI writes them. */
export interface ModelFiles {
  modelJson: unknown;
  weights: Uint8Array;
}

/** Requests from the page; each gets exactly one `reply` with the same `id`. */
export type WorkerRequest =
  | { type: 'init'; backend: BackendChoice; /** WebAssembly threads; 0 lets tfjs decide (all cores when cross-origin isolated). */ wasmThreads: number }
  | { type: 'load-data'; data: DataRequest }
  | { type: 'train'; settings: WebTrainSettings }
  | { type: 'pause' }
  | { type: 'resume' }
  | { type: 'stop' }
  | { type: 'open-model'; files: ModelFiles; source: string }
  | { type: 'restore-saved' }
  | { type: 'save-model' }
  | { type: 'decode'; z: Float32Array; count: number }
  | { type: 'encode'; pixels: Uint8Array; count: number };

export type RequestType = WorkerRequest['type'];

/** What each request's reply carries. */
export interface ReplyValue {
  init: EngineReport;
  'load-data': DataReport;
  train: null;
  pause: null;
  resume: null;
  stop: null;
  'open-model': ModelInfo;
  'restore-saved': SavedReport | null;
  'save-model': ModelFiles;
  decode: Float32Array;
  encode: { mu: Float32Array; logVar: Float32Array };
}

/** The engine the worker runs on, and why the ones before it were passed over. */
export interface EngineReport {
  name: string;
  backend: string;
  label: string;
  kind: 'gpu' | 'cpu';
  software: boolean;
  skipped: string[];
}

export interface DataReport {
  description: string;
  train: number;
  test: number;
  rows: number;
  cols: number;
  /** Values per pixel: 1 (grey), 3 (RGB), …: the data's images are rows × cols × channels, channels last. */
  channels: number;
  /** For a folder of images: what was made of it (classes, size, the files skipped and why). */
  folder?: ImageFolderReport;
  /** The whole test split, for the page's views (digits to pick, labels to colour by). */
  testImages: Uint8Array;
  testLabels: Uint8Array;
}

/** A model and run kept in IndexedDB from an earlier visit. */
export interface SavedReport {
  info: ModelInfo;
  savedAt: string;
  metrics: EpochMetrics[];
  settings: WebTrainSettings | null;
  /** A checkpoint is there too, so training can go on where it stopped. */
  resumable: boolean;
}

export type TrainingStatus = 'idle' | 'training' | 'paused' | 'stopped' | 'done';

/** Events the worker sends unasked. */
export type WorkerEvent =
  | { type: 'status'; status: TrainingStatus; detail?: string }
  | { type: 'batch'; epoch: number; epochs: number; batch: number; batches: number; loss: number | undefined; samplesPerSecond: number; step: number }
  | { type: 'epoch'; metrics: EpochMetrics; /** The 16 × 16 sample grid decoded from the run's fixed z: `[256, inputDim]`. */ grid: Float32Array; image: ImageShape }
  | { type: 'model'; info: ModelInfo }
  | { type: 'device-lost'; message: string }
  | { type: 'error'; message: string };

export type WorkerMessage =
  | { type: 'reply'; id: number; ok: true; value: unknown }
  | { type: 'reply'; id: number; ok: false; error: string }
  | { type: 'event'; event: WorkerEvent };

export type RequestMessage = WorkerRequest & { id: number };
