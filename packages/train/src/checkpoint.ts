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
 */
export async function encodeCheckpoint(state: TrainingState, model: Vae, optimizer: tf.AdamOptimizer): Promise<Uint8Array> {
  const names = model.namedVariables().map((v) => v.name);
  const tensors: tf.NamedTensorMap = {};
  for (const { name, variable } of model.namedVariables()) tensors[`model/${name}`] = variable;
  const optimizerWeights = await optimizer.getWeights();
  const [iterations, ...moments] = optimizerWeights;
  tensors['adam/iterations'] = iterations!.tensor;
  const powers = adamPowers(optimizer);
  if (powers) {
    tensors['adam/accBeta1'] = powers.accBeta1;
    tensors['adam/accBeta2'] = powers.accBeta2;
  }
  if (moments.length > 0) {
    // Adam keeps moments by position in the gradient list, which `train` gives in `namedVariables()` order.
    if (moments.length !== 2 * names.length) throw new Error(`optimizer holds ${moments.length} moments for ${names.length} variables`);
    names.forEach((name, i) => {
      tensors[`adam/m/${name}`] = moments[i]!.tensor;
      tensors[`adam/v/${name}`] = moments[names.length + i]!.tensor;
    });
  }
  const { data, specs } = await tf.io.encodeWeights(tensors);
  const header = new TextEncoder().encode(JSON.stringify({ state, specs }));
  const out = new Uint8Array(MAGIC.length + 4 + header.length + data.byteLength);
  out.set(new TextEncoder().encode(MAGIC), 0);
  new DataView(out.buffer).setUint32(MAGIC.length, header.length, true);
  out.set(header, MAGIC.length + 4);
  out.set(new Uint8Array(data), MAGIC.length + 4 + header.length);
  return out;
}

/** Reads what `encodeCheckpoint` wrote; `source` names the file in errors. */
export function decodeCheckpoint(bytes: Uint8Array, source = 'checkpoint'): Checkpoint {
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
  const expected = specs.reduce((n, s) => n + 4 * s.shape.reduce((a, b) => a * b, 1), 0);
  if (bytes.length - headerEnd !== expected) {
    throw new Error(`${source}: truncated checkpoint (weights need ${expected} bytes, found ${bytes.length - headerEnd})`);
  }
  const data = bytes.slice(headerEnd).buffer;
  return { state, tensors: tf.io.decodeWeights(data, specs) };
}

/**
 * Adam's running products β₁ᵗ and β₂ᵗ. tfjs' `setWeights` recomputes them with `pow`, which can
 * differ from the running product in the last bit; saving and restoring them keeps a resumed run
 * bit-identical to an uninterrupted one. They are private fields, hence the guarded cast.
 */
function adamPowers(optimizer: tf.AdamOptimizer): { accBeta1: tf.Variable; accBeta2: tf.Variable } | undefined {
  const fields = optimizer as unknown as { accBeta1?: unknown; accBeta2?: unknown };
  return fields.accBeta1 instanceof tf.Variable && fields.accBeta2 instanceof tf.Variable
    ? { accBeta1: fields.accBeta1, accBeta2: fields.accBeta2 }
    : undefined;
}

/** Puts a checkpoint's weights into `model` and its moments into a fresh Adam `optimizer`. */
export async function restoreCheckpoint(checkpoint: Checkpoint, model: Vae, optimizer: tf.AdamOptimizer, source = 'checkpoint'): Promise<void> {
  const { tensors } = checkpoint;
  const modelWeights: tf.NamedTensorMap = {};
  for (const [key, t] of Object.entries(tensors)) if (key.startsWith('model/')) modelWeights[key.slice(6)] = t;
  model.setWeights(modelWeights, source);
  const names = model.namedVariables().map((v) => v.name);
  const iterations = tensors['adam/iterations'];
  if (!iterations) throw new Error(`${source}: missing optimizer state "adam/iterations"`);
  if (!tensors[`adam/m/${names[0]}`]) return; // saved before the first step: nothing to restore
  const moment = (kind: 'm' | 'v', name: string) => {
    const t = tensors[`adam/${kind}/${name}`];
    if (!t) throw new Error(`${source}: missing optimizer state "adam/${kind}/${name}"`);
    return { name: `${name}/${kind}`, tensor: t };
  };
  // The optimizer's variables share these tensors' data by reference count, so the caller may
  // dispose the checkpoint's tensors afterwards.
  await optimizer.setWeights([
    { name: 'iter', tensor: iterations },
    ...names.map((n) => moment('m', n)),
    ...names.map((n) => moment('v', n)),
  ]);
  const powers = adamPowers(optimizer);
  const saved1 = tensors['adam/accBeta1'];
  const saved2 = tensors['adam/accBeta2'];
  if (powers && saved1 && saved2) {
    powers.accBeta1.assign(saved1);
    powers.accBeta2.assign(saved2);
  }
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
