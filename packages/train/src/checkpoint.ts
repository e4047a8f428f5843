import * as tf from '@tensorflow/tfjs-core';
import { isNormalization, NORMALIZATIONS, type Normalization } from '@vae/data';
import { RECONSTRUCTIONS, type Reconstruction } from '@vae/loss';
import { crc32, mlpDescription, resolveModel, resolveVaeConfig, weightShapes, type ModelDescription, type VaeConfig } from '@vae/model';
import type { TrainableModel } from './trainable-model.js';
import { CheckpointError } from './errors.js';
import { brief, isRecord } from '@vae/internal';

/**
 * The format `encodeCheckpoint` writes; the readers also take version 1. Layout of version 2, all
 * integers u32 little-endian:
 *
 *     offset  size  field
 *          0     8  magic "VAECKPT2"
 *          8     4  header length H
 *         12     4  CRC-32 of the header
 *         16     4  weights length W
 *         20     4  CRC-32 of the weights
 *         24     H  header: JSON { state, specs } (specs: tfjs weight manifest entries, in order)
 *     24 + H     W  weights: tfjs' encoding (float32 or int32, little-endian, in specs order)
 *
 * Both lengths come first so that a truncated file and one with bytes appended are told apart
 * before anything is parsed; the CRCs catch any flipped byte and say which part is damaged.
 * Version 1 ("VAECKPT1", H, header, weights) has no checksums.
 */
export const CHECKPOINT_FORMAT_VERSION = 2;
// A Map, not an object: a file starting with "toString" must not find Object.prototype's.
const MAGICS: ReadonlyMap<string, 1 | 2> = new Map<string, 1 | 2>([
  ['VAECKPT1', 1],
  ['VAECKPT2', 2],
]);
const MAGIC_LENGTH = 8;

/** Whether `bytes` start with a checkpoint's magic (any version): how a run directory is told from one that only looks like it. */
export function isCheckpointBytes(bytes: Uint8Array): boolean {
  if (bytes.length < MAGIC_LENGTH) return false;
  return MAGICS.has(String.fromCharCode(...bytes.subarray(0, MAGIC_LENGTH)));
}
/** Bytes before the header: magic and the u32 fields, per version. */
const PREFIX_LENGTH = { 1: 12, 2: 24 } as const;

/** Ends every message about a damaged checkpoint: the two ways out. */
const REMEDY = 'restore a good copy of it, or delete it and start the run again';

/** Every setting that shapes a run; a resumed run must use the same ones (only `epochs` may grow). */
export interface TrainSettings {
  epochs: number;
  batchSize: number;
  learningRate: number;
  seed: number;
  normalization: Normalization;
  reconstruction: Reconstruction;
  beta: number;
  /**
   * KL warm-up: β rises linearly from 0 to `beta` over the first this many epochs, step by step
   * (β of step s, counted from 0 over the whole run: beta · min(1, s / (klWarmupEpochs · batches
   * per epoch))). 0: no warm-up, β constant. Checkpoints written before it existed read as 0.
   */
  klWarmupEpochs: number;
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
  /**
   * β of the epoch's last step: what the train loss used (during a KL warm-up less than the run's
   * `beta`). The test figures always use the run's `beta`: the true negative ELBO for β = 1,
   * comparable across runs. Checkpoints written before warm-up existed read as the run's `beta`.
   */
  beta: number;
}

/** Where a run stands, with everything needed to continue it exactly. */
export interface TrainingState {
  formatVersion: number;
  settings: TrainSettings;
  /** The model trained (`Vae.description`). */
  model: ModelDescription;
  /**
   * Only in checkpoints written before model descriptions existed: the MLP's sizes, from which
   * `model` is derived on reading (its image shape guessed square: see `mlpDescription`).
   */
  modelConfig?: VaeConfig;
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
 * all of it), in the layout of `CHECKPOINT_FORMAT_VERSION`. `optimizerState` is keyed as
 * `StepEngine.optimizerState` gives it (`adam/iterations`, …).
 */
export async function encodeCheckpoint(state: TrainingState, model: TrainableModel, optimizerState: tf.NamedTensorMap): Promise<Uint8Array> {
  const tensors: tf.NamedTensorMap = {};
  for (const { name, variable } of model.namedVariables()) tensors[`model/${name}`] = variable;
  Object.assign(tensors, optimizerState);
  const { data, specs } = await tf.io.encodeWeights(tensors);
  const weights = new Uint8Array(data);
  // The header names the layout it is written in: a run resumed from version 1 carries 1 in its state.
  const header = new TextEncoder().encode(JSON.stringify({ state: { ...state, formatVersion: CHECKPOINT_FORMAT_VERSION }, specs }));
  const prefix = PREFIX_LENGTH[2];
  const out = new Uint8Array(prefix + header.length + weights.length);
  out.set(new TextEncoder().encode('VAECKPT2'), 0);
  const view = new DataView(out.buffer);
  view.setUint32(8, header.length, true);
  view.setUint32(12, crc32(header), true);
  view.setUint32(16, weights.length, true);
  view.setUint32(20, crc32(weights), true);
  out.set(header, prefix);
  out.set(weights, prefix + header.length);
  return out;
}

/** A checkpoint's parts, split and checked up to (not including) the weights' contents. */
interface Parsed {
  formatVersion: 1 | 2;
  state: TrainingState;
  specs: tf.io.WeightsManifestEntry[];
  /** The weights area, exactly as long as `specs` needs. */
  weights: Uint8Array;
  /** The header's CRC-32: as recorded (version 2, and checked), else computed. */
  headerCrc32: number;
  /** The weights' CRC-32 as recorded (version 2; checked by `checkWeights`); version 1 records none. */
  weightsCrc32: number | undefined;
}

const hex = (n: number) => n.toString(16).padStart(8, '0');

/** Thrower for one file: `${source}: ${what}; ${REMEDY}`. Typed so that TypeScript narrows after a call. */
function failer(source: string): (what: string) => never {
  return (what) => {
    throw new CheckpointError(`${source}: ${what}; ${REMEDY}`);
  };
}

const elementCount = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);
const byteLength = (specs: readonly tf.io.WeightsManifestEntry[]) => specs.reduce((n, s) => n + 4 * elementCount(s.shape), 0);

/**
 * Splits and checks everything but the weights' contents: magic, lengths (truncated and extended
 * files told apart), header CRC (version 2), JSON, the type of every state field, and the tensor
 * list against the model config. Never throws anything but `CheckpointError`.
 */
function parse(bytes: Uint8Array, source: string): Parsed {
  // Annotated, so that TypeScript narrows after a call (it returns never).
  const fail: (what: string) => never = failer(source);
  if (bytes.length === 0) fail('the file is empty, not a checkpoint');
  const start = String.fromCharCode(...bytes.subarray(0, MAGIC_LENGTH));
  const formatVersion = MAGICS.get(start);
  if (formatVersion === undefined) {
    if (bytes.length < MAGIC_LENGTH && [...MAGICS.keys()].some((m) => m.startsWith(start))) {
      fail(`the file is truncated: ${bytes.length} bytes, less than the ${MAGIC_LENGTH}-byte magic`);
    }
    const other = /^VAECKPT(\d)$/.exec(start);
    if (other) {
      throw new CheckpointError(
        `${source}: checkpoint format version ${other[1]} is not supported (this @vae/train reads versions 1 and ${CHECKPOINT_FORMAT_VERSION}); ` +
          'resume it with the vae-ts version that wrote it',
      );
    }
    fail(`not a vae-ts checkpoint (it starts with ${brief(start)}, expected "VAECKPT2" or "VAECKPT1")`);
  }
  const prefix = PREFIX_LENGTH[formatVersion];
  if (bytes.length < prefix) fail(`the file is truncated: ${bytes.length} bytes, less than the ${prefix}-byte fixed header`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getUint32(8, true);
  const headerEnd = prefix + headerLength;
  if (headerEnd > bytes.length) {
    fail(`the header length ${headerLength} runs past the end of the file (${bytes.length} bytes): it is truncated or corrupt`);
  }
  const header = bytes.subarray(prefix, headerEnd);
  let recordedHeaderCrc: number | undefined;
  let recordedWeightsCrc: number | undefined;
  if (formatVersion === 2) {
    recordedHeaderCrc = view.getUint32(12, true);
    const weightsLength = view.getUint32(16, true);
    recordedWeightsCrc = view.getUint32(20, true);
    const end = headerEnd + weightsLength;
    if (end > bytes.length) fail(`the file is truncated: ${bytes.length} bytes of the ${end} it records`);
    if (end < bytes.length) fail(`${bytes.length - end} extra bytes after the end it records (${end} bytes): the file is corrupt or was appended to`);
    const actual = crc32(header);
    if (actual !== recordedHeaderCrc) fail(`the header is corrupt: its CRC-32 is ${hex(actual)}, the file records ${hex(recordedHeaderCrc)}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(header));
  } catch (error) {
    // V8 quotes the text it failed on, which may hold newlines and be long: one short line.
    fail(`the header is not valid JSON (${brief((error as Error).message.replace(/\s+/g, ' '))}): the file is corrupt`);
  }
  if (!isRecord(json)) return fail(`the header is ${brief(json)}, not an object: the file is corrupt`);
  const state = checkState(json.state, fail);
  if (state.formatVersion !== formatVersion) {
    fail(`the header says format version ${state.formatVersion} in a version-${formatVersion} file: the file is corrupt`);
  }
  const specs = checkSpecs(json.specs, state.model, fail);
  const needed = byteLength(specs);
  const rest = bytes.length - headerEnd;
  if (rest < needed) fail(`the file is truncated: the weights need ${needed} bytes, ${rest} follow the header`);
  if (rest > needed) fail(`${rest - needed} extra bytes after the weights (${needed} bytes): the file is corrupt or was appended to`);
  const weights = bytes.subarray(headerEnd);
  return {
    formatVersion,
    state,
    specs,
    weights,
    headerCrc32: recordedHeaderCrc ?? crc32(header),
    weightsCrc32: recordedWeightsCrc,
  };
}

/** The header's state, every field of the type `TrainingState` promises (the readers rely on them). */
function checkState(value: unknown, fail: (what: string) => never): TrainingState {
  const record = (v: unknown, path: string): Record<string, unknown> => (isRecord(v) ? v : fail(`"${path}" must be an object, found ${brief(v)}`));
  const need = (obj: Record<string, unknown>, path: string, key: string, ok: (v: unknown) => boolean, what: string) => {
    if (!ok(obj[key])) fail(`"${path}.${key}" must be ${what}, found ${brief(obj[key])}`);
  };
  const int = (min: number) => (v: unknown) => Number.isSafeInteger(v) && (v as number) >= min;
  const finite = (v: unknown) => typeof v === 'number' && Number.isFinite(v);
  const state = record(value, 'state');
  need(state, 'state', 'formatVersion', int(1), 'a positive integer');
  const settings = record(state.settings, 'state.settings');
  need(settings, 'state.settings', 'epochs', int(1), 'a positive integer');
  need(settings, 'state.settings', 'batchSize', int(1), 'a positive integer');
  need(settings, 'state.settings', 'learningRate', (v) => finite(v) && (v as number) > 0, 'a number > 0');
  need(settings, 'state.settings', 'seed', Number.isSafeInteger, 'an integer');
  need(settings, 'state.settings', 'normalization', isNormalization, `one of ${NORMALIZATIONS.join(', ')}`);
  need(settings, 'state.settings', 'reconstruction', (v) => (RECONSTRUCTIONS as readonly unknown[]).includes(v), `one of ${RECONSTRUCTIONS.join(', ')}`);
  need(settings, 'state.settings', 'beta', (v) => finite(v) && (v as number) >= 0, 'a number ≥ 0');
  if (!('klWarmupEpochs' in settings)) settings.klWarmupEpochs = 0; // written before KL warm-up existed: none
  need(settings, 'state.settings', 'klWarmupEpochs', int(0), 'an integer ≥ 0');
  let model: ModelDescription;
  let modelConfig: VaeConfig | undefined;
  if (state.model === undefined) {
    // Written before descriptions: an MLP config.
    const config = record(state.modelConfig, 'state.modelConfig');
    for (const key of ['inputDim', 'encoderHidden', 'latentDim', 'decoderHidden']) {
      if (!(key in config)) fail(`"state.modelConfig.${key}" is missing`);
    }
    try {
      modelConfig = resolveVaeConfig(config as Partial<VaeConfig>);
      model = mlpDescription(modelConfig);
    } catch (error) {
      return fail(`"state.modelConfig": ${(error as Error).message}`);
    }
  } else {
    try {
      model = resolveModel(state.model).description;
    } catch (error) {
      return fail(`"state.model": ${(error as Error).message}`);
    }
  }
  need(state, 'state', 'epoch', int(0), 'an integer ≥ 0');
  need(state, 'state', 'batchInEpoch', int(0), 'an integer ≥ 0');
  need(state, 'state', 'step', int(0), 'an integer ≥ 0');
  const partial = record(state.partial, 'state.partial');
  need(partial, 'state.partial', 'lossSum', finite, 'a finite number');
  need(partial, 'state.partial', 'count', int(0), 'an integer ≥ 0');
  need(partial, 'state.partial', 'seconds', (v) => finite(v) && (v as number) >= 0, 'a number ≥ 0');
  const rng = record(state.rng, 'state.rng');
  need(rng, 'state.rng', 'algorithm', (v) => typeof v === 'string', 'a string');
  if (!Array.isArray(state.metrics)) fail(`"state.metrics" must be a list, found ${brief(state.metrics)}`);
  (state.metrics as unknown[]).forEach((m, i) => {
    const path = `state.metrics[${i}]`;
    const line = record(m, path);
    need(line, path, 'epoch', int(1), 'a positive integer');
    need(line, path, 'step', int(0), 'an integer ≥ 0');
    if (!('beta' in line)) line.beta = settings.beta; // written before KL warm-up existed: β was constant
    need(line, path, 'beta', (v) => finite(v) && (v as number) >= 0, 'a number ≥ 0');
    // null is what JSON makes of NaN and Infinity, e.g. the losses of an empty test set.
    for (const key of ['trainLoss', 'testLoss', 'testLossMu', 'testRecon', 'testKl', 'seconds', 'samplesPerSecond', 'evalSeconds']) {
      need(line, path, key, (v) => v === null || typeof v === 'number', 'a number');
    }
  });
  need(state, 'state', 'savedAt', (v) => typeof v === 'string', 'a string');
  // The resolved description (and, for old checkpoints, config): same values, in a fixed key order.
  return { ...(state as unknown as TrainingState), model, ...(modelConfig ? { modelConfig } : {}) };
}

/**
 * The tensor list: well-formed entries, each name once, and every tensor a resume needs, in the
 * shapes the model gives: `model/<name>` for each weight, `adam/iterations`, and the moments
 * `adam/m/<name>`, `adam/v/<name>` for all weights or none (none: saved before the first step).
 */
function checkSpecs(value: unknown, model: ModelDescription, fail: (what: string) => never): tf.io.WeightsManifestEntry[] {
  if (!Array.isArray(value)) return fail(`"specs" must be a list of tensors, found ${brief(value)}`);
  const specs: tf.io.WeightsManifestEntry[] = [];
  const shapes = new Map<string, number[]>();
  const dtypes = new Map<string, string>();
  for (const entry of value as unknown[]) {
    if (!isRecord(entry) || typeof entry.name !== 'string') return fail(`a "specs" entry has no "name": ${brief(entry)}`);
    const { name, shape, dtype, quantization } = entry as { name: string; shape?: unknown; dtype?: unknown; quantization?: unknown };
    if (dtype !== 'float32' && dtype !== 'int32') fail(`tensor ${brief(name)} has dtype ${brief(dtype)}, expected float32 or int32`);
    if (quantization !== undefined) fail(`tensor ${brief(name)} is quantized, which checkpoints never are`);
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) return fail(`tensor ${brief(name)} has shape ${brief(shape)}, not a list of sizes`);
    if (shapes.has(name)) fail(`tensor ${brief(name)} is listed twice`);
    shapes.set(name, shape);
    dtypes.set(name, dtype as string);
    specs.push({ name, shape: shape as number[], dtype: dtype as 'float32' | 'int32' });
  }
  const requireShape = (name: string, shape: number[]) => {
    const found = shapes.get(name);
    if (!found) fail(`tensor ${brief(name)} is missing (expected shape [${shape.join(', ')}])`);
    if (!tf.util.arraysEqual(found!, shape)) fail(`tensor ${brief(name)} has shape [${found!.join(', ')}], expected [${shape.join(', ')}] for the model in the header`);
    if (name !== 'adam/iterations' && dtypes.get(name) !== 'float32') fail(`tensor ${brief(name)} has dtype ${dtypes.get(name)}, expected float32`);
  };
  const weights = weightShapes(model).map(({ name, shape }): [string, number[]] => [name, shape]);
  for (const [name, shape] of weights) requireShape(`model/${name}`, shape);
  for (const name of ['adam/iterations', 'adam/accBeta1', 'adam/accBeta2']) {
    const shape = shapes.get(name);
    if (shape ? elementCount(shape) !== 1 : name === 'adam/iterations') requireShape(name, []);
  }
  if ([...shapes.keys()].some((name) => name.startsWith('adam/m/') || name.startsWith('adam/v/'))) {
    for (const [name, shape] of weights) {
      requireShape(`adam/m/${name}`, shape);
      requireShape(`adam/v/${name}`, shape);
    }
  }
  return specs;
}

/** Index of the first NaN or ±Infinity in `values`, or -1. A plain loop: several times faster than findIndex on millions of weights. */
function firstNonFinite(values: Float32Array): number {
  for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i])) return i;
  return -1;
}

/**
 * Checks the weights' contents: the CRC-32 (version 2), then every float finite. Returns them as an
 * ArrayBuffer of their own (4-byte aligned, as decoding and Float32Array views need).
 */
function checkWeights(parsed: Parsed, source: string): ArrayBuffer {
  const fail: (what: string) => never = failer(source);
  if (parsed.weightsCrc32 !== undefined) {
    const actual = crc32(parsed.weights);
    if (actual !== parsed.weightsCrc32) fail(`the weights are corrupt: their CRC-32 is ${hex(actual)}, the file records ${hex(parsed.weightsCrc32)}`);
  }
  const buffer = parsed.weights.slice().buffer as ArrayBuffer;
  let offset = 0;
  for (const { name, shape, dtype } of parsed.specs) {
    const count = elementCount(shape);
    if (dtype === 'float32') {
      const values = new Float32Array(buffer, offset, count);
      const bad = firstNonFinite(values);
      if (bad >= 0) {
        fail(`tensor ${brief(name)} holds ${values[bad]} at index ${bad} (of ${count}): the run diverged before this checkpoint, or the file is corrupt`);
      }
    }
    offset += 4 * count;
  }
  return buffer;
}

/**
 * A checkpoint's `TrainingState` (epoch, metrics so far…) from its header alone: no tensors, and
 * the weights' checksum is not computed (see `verifyCheckpoint`). `CheckpointError` naming
 * `source` for anything wrong with the header or the lengths.
 */
export function readCheckpointState(bytes: Uint8Array, source = 'checkpoint'): TrainingState {
  return parse(bytes, source).state;
}

/**
 * Checks a whole checkpoint without creating tensors: everything `readCheckpointState` checks, then
 * the weights' CRC-32 (version 2) and that every float is finite. Returns its state; throws
 * `CheckpointError` naming `source` (e.g. the file) otherwise.
 */
export function verifyCheckpoint(bytes: Uint8Array, source = 'checkpoint'): TrainingState {
  const parsed = parse(bytes, source);
  checkWeights(parsed, source);
  return parsed.state;
}

/** What identifies one checkpoint's bytes: their length and CRC-32s (see `fileCheckpointStore`). @internal */
export interface CheckpointStamp {
  bytes: number;
  headerCrc32: string;
  weightsCrc32: string;
}

/**
 * A checkpoint's state and stamp, from the header (the weights' CRC-32 as recorded, not recomputed:
 * version 1 records none, so it is computed). For `fileCheckpointStore`. @internal
 */
export function checkpointStamp(bytes: Uint8Array, source: string): { state: TrainingState; stamp: CheckpointStamp } {
  const parsed = parse(bytes, source);
  const weightsCrc32 = parsed.weightsCrc32 ?? crc32(parsed.weights);
  return { state: parsed.state, stamp: { bytes: bytes.length, headerCrc32: hex(parsed.headerCrc32), weightsCrc32: hex(weightsCrc32) } };
}

/**
 * Reads what `encodeCheckpoint` wrote, in either format version; `source` names the file in
 * errors. Any problem (see `verifyCheckpoint`) is a `CheckpointError`, before any tensor exists.
 */
export function decodeCheckpoint(bytes: Uint8Array, source = 'checkpoint'): Checkpoint {
  const parsed = parse(bytes, source);
  const buffer = checkWeights(parsed, source);
  return { state: parsed.state, tensors: tf.io.decodeWeights(buffer, parsed.specs) };
}

/** Puts a checkpoint's weights into `model`; its `adam/*` tensors are for `StepEngine.restore`. */
export function restoreModelWeights(checkpoint: Checkpoint, model: TrainableModel, source = 'checkpoint'): void {
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
