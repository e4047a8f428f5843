import * as tf from '@tensorflow/tfjs-core';
import { resolveVaeConfig, type VaeConfig } from './config.js';
import { crc32Hex } from './crc32.js';
import { mlpDescription, resolveModel, weightShapes, type ModelDescription } from './description.js';
import { ModelFileError } from './errors.js';
import { Vae } from './vae.js';
import { brief, isRecord } from '@vae/internal';

/** What `serializeVae` writes: the model's description and its weights. */
export const MODEL_FORMAT = 'vae-ts/vae';
export const MODEL_FORMAT_VERSION = 2;
/** What models saved before descriptions existed say: an MLP `config`; still read. */
export const MLP_MODEL_FORMAT = 'vae-ts/mlp-vae';
export const WEIGHTS_FILE = 'weights.bin';

/** What to do about a damaged or mismatched pair of files; ends every such error. */
const REMEDY = 'restore model.json and weights.bin from one good copy, or save the model again';

/**
 * The `model.json` document: the model's description, format version and a tfjs weight manifest.
 * Version 1 (format `vae-ts/mlp-vae`, before descriptions) held an MLP `config` instead; it is
 * read as the description of that MLP (`parseModelJson` fills `description`).
 */
export interface ModelJson {
  format: typeof MODEL_FORMAT | typeof MLP_MODEL_FORMAT;
  formatVersion: number;
  description: ModelDescription;
  /** Version 1 only: the MLP's sizes. */
  config?: VaeConfig;
  weightsManifest: tf.io.WeightsManifestConfig;
  /**
   * CRC-32 of `weights.bin`, 8 lowercase hex digits, checked at load. Models saved before it
   * existed have none and load unchecked.
   */
  weightsCrc32?: string;
  /** Free-form facts about the model (epochs trained, test loss, date…). */
  metadata?: Record<string, unknown>;
}

export interface ModelArtifacts {
  modelJson: ModelJson;
  /** Contents of `weights.bin`: tfjs' own weight encoding (float32, little-endian, in manifest order). */
  weights: Uint8Array;
}

/** Encodes a model's config and weights to a `model.json` document and the bytes of `weights.bin`. */
export async function serializeVae(vae: Vae, metadata?: Record<string, unknown>): Promise<ModelArtifacts> {
  const weights = vae.getWeights();
  try {
    const { data, specs } = await tf.io.encodeWeights(weights);
    const bytes = new Uint8Array(data);
    const modelJson: ModelJson = {
      format: MODEL_FORMAT,
      formatVersion: MODEL_FORMAT_VERSION,
      description: vae.description,
      weightsManifest: [{ paths: [WEIGHTS_FILE], weights: specs }],
      weightsCrc32: crc32Hex(bytes),
      ...(metadata ? { metadata } : {}),
    };
    return { modelJson, weights: bytes };
  } finally {
    tf.dispose(weights);
  }
}

/** Checks a parsed `model.json`; `source` names the file in errors (`ModelFileError`). */
export function parseModelJson(json: unknown, source = 'model.json'): ModelJson {
  // Typed so that TypeScript knows it never returns, and narrows after it.
  const fail: (what: string) => never = (what) => {
    throw new ModelFileError(`${source}: ${what}`);
  };
  if (!isRecord(json) || (json.format !== MODEL_FORMAT && json.format !== MLP_MODEL_FORMAT)) {
    fail(
      `not a vae-ts model (expected "format": "${MODEL_FORMAT}", found ${brief(isRecord(json) ? json.format : json)}); ` +
        'name a model.json written by saveVae, the CLI or the web page',
    );
  }
  const doc = json as Record<string, unknown>;
  const version = doc.format === MLP_MODEL_FORMAT ? 1 : MODEL_FORMAT_VERSION;
  if (doc.formatVersion !== version) {
    fail(
      `model format version ${brief(doc.formatVersion)} is not supported (this @vae/model reads "${MLP_MODEL_FORMAT}" version 1 and "${MODEL_FORMAT}" version ${MODEL_FORMAT_VERSION}); ` +
        'open it with the vae-ts version that saved it',
    );
  }
  const manifest = doc.weightsManifest;
  if (!Array.isArray(manifest) || manifest.length === 0 || !manifest.every((group) => isRecord(group) && Array.isArray(group.weights))) {
    fail(`"weightsManifest" is missing or empty, or a group of it has no "weights" list; ${REMEDY}`);
  }
  let description: ModelDescription;
  let config: VaeConfig | undefined;
  if (version === 1) {
    if (doc.config !== undefined && !isRecord(doc.config)) fail(`"config" must be an object, found ${brief(doc.config)}; ${REMEDY}`);
    try {
      config = resolveVaeConfig(doc.config as Partial<VaeConfig> | undefined);
      description = mlpDescription(config);
    } catch (error) {
      return fail(`"config": ${(error as Error).message}; ${REMEDY}`);
    }
  } else {
    try {
      description = resolveModel(doc.description).description;
    } catch (error) {
      return fail(`"description": ${(error as Error).message}; ${REMEDY}`);
    }
  }
  if (doc.weightsCrc32 !== undefined && (typeof doc.weightsCrc32 !== 'string' || !/^[0-9a-f]{8}$/.test(doc.weightsCrc32))) {
    fail(`"weightsCrc32" must be 8 lowercase hex digits, found ${brief(doc.weightsCrc32)}; ${REMEDY}`);
  }
  if (doc.metadata !== undefined && !isRecord(doc.metadata)) fail(`"metadata" must be an object, found ${brief(doc.metadata)}; ${REMEDY}`);
  return { ...(doc as unknown as ModelJson), description, ...(config ? { config } : {}) };
}

/**
 * The weight entries of the manifest, checked against the layers the description lists: every
 * weight once, float32, with its layer's shape. Checked before anything is allocated, so a manifest
 * or description of absurd sizes fails here instead of in an allocation.
 */
function checkedSpecs(doc: ModelJson, source: string): tf.io.WeightsManifestEntry[] {
  const fail: (what: string) => never = (what) => {
    throw new ModelFileError(`${source}: ${what}; ${REMEDY}`);
  };
  const expected = new Map<string, number[]>(weightShapes(doc.description).map(({ name, shape }) => [name, shape]));
  const specs: tf.io.WeightsManifestEntry[] = [];
  const seen = new Set<string>();
  for (const entry of doc.weightsManifest.flatMap((group) => group.weights) as unknown[]) {
    if (!isRecord(entry) || typeof entry.name !== 'string') return fail(`a "weightsManifest" entry has no "name": ${brief(entry)}`);
    const { name, shape, dtype, quantization } = entry as { name: string; shape?: unknown; dtype?: unknown; quantization?: unknown };
    if (dtype !== 'float32') fail(`weight ${brief(name)} has dtype ${brief(dtype)}: only float32 weights are supported`);
    if (quantization !== undefined) fail(`weight ${brief(name)} is quantized: only plain float32 weights are supported`);
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) return fail(`weight ${brief(name)} has shape ${brief(shape)}, not a list of sizes`);
    const want = expected.get(name);
    if (!want) return fail(`weight ${brief(name)} is not part of the model "${doc.config ? 'config' : 'description'}" describes`);
    if (seen.has(name)) fail(`weight ${brief(name)} is listed twice`);
    if (!tf.util.arraysEqual(shape, want)) fail(`weight ${brief(name)} has shape [${shape.join(', ')}], expected [${want.join(', ')}]`);
    seen.add(name);
    specs.push({ name, shape: shape as number[], dtype: 'float32' });
  }
  for (const [name, shape] of expected) if (!seen.has(name)) fail(`missing weight ${brief(name)} (expected shape [${shape.join(', ')}])`);
  return specs;
}

/** Index of the first NaN or ±Infinity in `values`, or -1. A plain loop: several times faster than findIndex on millions of weights. */
function firstNonFinite(values: Float32Array): number {
  for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i])) return i;
  return -1;
}

/**
 * Builds a model from `model.json` and weight bytes. Everything is checked before a model exists:
 * the manifest against the config, the byte count, the CRC-32 when `model.json` records one, and
 * every weight finite. Any failure is a `ModelFileError` starting with `source` (model.json)
 * and naming `weightsSource` (weights.bin) where the weights are at fault; never a half-loaded model.
 */
export function deserializeVae(modelJson: unknown, weights: Uint8Array, source = 'model.json', weightsSource: string = WEIGHTS_FILE): Vae {
  const doc = parseModelJson(modelJson, source);
  const specs = checkedSpecs(doc, source);
  const expectedBytes = specs.reduce((n, s) => n + 4 * s.shape.reduce((a, b) => a * b, 1), 0);
  if (weights.byteLength !== expectedBytes) {
    throw new ModelFileError(`${source}: ${weightsSource} has ${weights.byteLength} bytes, the manifest needs ${expectedBytes}; ${REMEDY}`);
  }
  if (doc.weightsCrc32 !== undefined) {
    const actual = crc32Hex(weights);
    if (actual !== doc.weightsCrc32) {
      throw new ModelFileError(
        `${source}: ${weightsSource} is corrupt, or from another save: its CRC-32 is ${actual}, model.json records ${doc.weightsCrc32}; ${REMEDY}`,
      );
    }
  }
  // A copy: decodeWeights wants an ArrayBuffer holding exactly the weights, and Float32Array views need 4-byte alignment.
  const buffer = weights.slice().buffer as ArrayBuffer;
  let offset = 0;
  for (const { name, shape } of specs) {
    const values = new Float32Array(buffer, offset, shape.reduce((a, b) => a * b, 1));
    const bad = firstNonFinite(values);
    if (bad >= 0) {
      throw new ModelFileError(
        `${source}: weight ${brief(name)} holds ${values[bad]} at index ${bad} (of ${values.length}): the model diverged before it was saved, ` +
          `or ${weightsSource} is corrupt; load an earlier save or train again`,
      );
    }
    offset += values.byteLength;
  }
  const tensors = tf.io.decodeWeights(buffer, specs);
  const vae = new Vae(doc.description);
  try {
    vae.setWeights(tensors, source);
  } catch (error) {
    vae.dispose();
    throw error;
  } finally {
    tf.dispose(tensors);
  }
  return vae;
}
