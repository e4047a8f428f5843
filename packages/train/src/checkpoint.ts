import * as tf from '@tensorflow/tfjs-core';
import type { Normalization } from '@vae/data';
import type { Reconstruction } from '@vae/loss';
import type { Vae, VaeConfig } from '@vae/model';

export const CHECKPOINT_FORMAT_VERSION = 1;
const MAGIC = 'VAECKPT1';

/** Every setting that shapes a run; a resumed run must use the same ones (only `epochs` may grow). */
export interface TrainSettings {
  epochs: number;
  batchSize: number;
  learningRate: number;
  seed: number;
  normalization: Normalization;
  reconstruction: Reconstruction;
  beta: number;
}

/** One line of `metrics.jsonl`: what an epoch did, losses as mean nats per image. */
export interface EpochMetrics {
  epoch: number;
  trainLoss: number;
  testLoss: number;
  testLossMu: number;
  testRecon: number;
  testKl: number;
  /** Training time of the epoch (evaluation excluded). */
  seconds: number;
  samplesPerSecond: number;
  evalSeconds: number;
  step: number;
}

/** Where a run stands, with everything needed to continue it exactly. */
export interface TrainingState {
  formatVersion: number;
  settings: TrainSettings;
  modelConfig: VaeConfig;
  /** Epochs fully done. */
  epoch: number;
  /** Batches done in the epoch under way (0 at an epoch boundary: a Ctrl-C checkpoint can fall mid-epoch). */
  batchInEpoch: number;
  /** Optimizer steps done in all. */
  step: number;
  /** Train loss summed over the images seen so far in the epoch under way, and their count and time. */
  partial: { lossSum: number; count: number; seconds: number };
  /**
   * RNG state. All draws are keyed by (seed, stream, epoch or step) — see `deriveSeed` — so the
   * counters above are the whole state; it is spelled out here for readers of the file.
   */
  rng: { algorithm: 'derived-seed-v1'; seed: number; epoch: number; step: number };
  metrics: EpochMetrics[];
  savedAt: string;
}

export interface Checkpoint {
  state: TrainingState;
  /** Model weights by stable name, and Adam's state (`adam/iterations`, `adam/m/<name>`, `adam/v/<name>`). Caller disposes. */
  tensors: tf.NamedTensorMap;
}

/**
 * Packs state, model weights and optimizer state into one byte array (so one atomic write saves
 * all of it): magic, JSON length (u32 LE), JSON {state, manifest}, tfjs-encoded weights.
 * `optimizerState` is keyed as `StepEngine.optimizerState` gives it (`adam/iterations`, …).
 */
export async function encodeCheckpoint(state: TrainingState, model: Vae, optimizerState: tf.NamedTensorMap): Promise<Uint8Array> {
  const tensors: tf.NamedTensorMap = {};
  for (const { name, variable } of model.namedVariables()) tensors[`model/${name}`] = variable;
  Object.assign(tensors, optimizerState);
  const { data, specs } = await tf.io.encodeWeights(tensors);
  const header = new TextEncoder().encode(JSON.stringify({ state, specs }));
  const out = new Uint8Array(MAGIC.length + 4 + header.length + data.byteLength);
  out.set(new TextEncoder().encode(MAGIC), 0);
  new DataView(out.buffer).setUint32(MAGIC.length, header.length, true);
  out.set(header, MAGIC.length + 4);
  out.set(new Uint8Array(data), MAGIC.length + 4 + header.length);
  return out;
}

/** The JSON header of a checkpoint (its state and weight manifest), without decoding any weights. */
function readHeader(bytes: Uint8Array, source: string): { state: TrainingState; specs: tf.io.WeightsManifestEntry[]; headerEnd: number } {
  const magic = new TextDecoder().decode(bytes.subarray(0, MAGIC.length));
  if (magic !== MAGIC) throw new Error(`${source}: not a vae-ts checkpoint (bad magic ${JSON.stringify(magic)})`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getUint32(MAGIC.length, true);
  const headerEnd = MAGIC.length + 4 + headerLength;
  if (headerEnd > bytes.length) throw new Error(`${source}: truncated checkpoint (header needs ${headerEnd} bytes, file has ${bytes.length})`);
  const { state, specs } = JSON.parse(new TextDecoder().decode(bytes.subarray(MAGIC.length + 4, headerEnd))) as {
    state: TrainingState;
    specs: tf.io.WeightsManifestEntry[];
  };
  if (state.formatVersion !== CHECKPOINT_FORMAT_VERSION) {
    throw new Error(`${source}: checkpoint format version ${state.formatVersion} is not supported (expected ${CHECKPOINT_FORMAT_VERSION})`);
  }
  return { state, specs, headerEnd };
}

/** A checkpoint's `TrainingState` (epoch, metrics so far…) without creating any tensors. */
export function readCheckpointState(bytes: Uint8Array, source = 'checkpoint'): TrainingState {
  return readHeader(bytes, source).state;
}

/** Reads what `encodeCheckpoint` wrote; `source` names the file in errors. */
export function decodeCheckpoint(bytes: Uint8Array, source = 'checkpoint'): Checkpoint {
  const { state, specs, headerEnd } = readHeader(bytes, source);
  const expected = specs.reduce((n, s) => n + 4 * s.shape.reduce((a, b) => a * b, 1), 0);
  if (bytes.length - headerEnd !== expected) {
    throw new Error(`${source}: truncated checkpoint (weights need ${expected} bytes, found ${bytes.length - headerEnd})`);
  }
  const data = bytes.slice(headerEnd).buffer;
  return { state, tensors: tf.io.decodeWeights(data, specs) };
}

/** Puts a checkpoint's weights into `model`; its `adam/*` tensors are for `StepEngine.restore`. */
export function restoreModelWeights(checkpoint: Checkpoint, model: Vae, source = 'checkpoint'): void {
  const modelWeights: tf.NamedTensorMap = {};
  for (const [key, t] of Object.entries(checkpoint.tensors)) if (key.startsWith('model/')) modelWeights[key.slice(6)] = t;
  model.setWeights(modelWeights, source);
}

/** Somewhere to keep the latest checkpoint: a file (see `@vae/train/node`), IndexedDB, memory… */
export interface CheckpointStore {
  save(bytes: Uint8Array, state: TrainingState): Promise<void>;
  load(): Promise<Uint8Array | undefined>;
}

/** A store in memory, for tests and browsers. */
export function memoryCheckpointStore(): CheckpointStore & { saves: number } {
  let latest: Uint8Array | undefined;
  return {
    saves: 0,
    async save(bytes) {
      latest = bytes.slice();
      this.saves++;
    },
    async load() {
      return latest?.slice();
    },
  };
}
