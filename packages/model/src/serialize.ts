import * as tf from '@tensorflow/tfjs-core';
import { resolveVaeConfig, type VaeConfig } from './config.js';
import { Vae } from './vae.js';

export const MODEL_FORMAT = 'vae-ts/mlp-vae';
export const MODEL_FORMAT_VERSION = 1;
export const WEIGHTS_FILE = 'weights.bin';

/** The `model.json` document: config, format version and a tfjs weight manifest. */
export interface ModelJson {
  format: typeof MODEL_FORMAT;
  formatVersion: number;
  config: VaeConfig;
  weightsManifest: tf.io.WeightsManifestConfig;
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
    const modelJson: ModelJson = {
      format: MODEL_FORMAT,
      formatVersion: MODEL_FORMAT_VERSION,
      config: vae.config,
      weightsManifest: [{ paths: [WEIGHTS_FILE], weights: specs }],
      ...(metadata ? { metadata } : {}),
    };
    return { modelJson, weights: new Uint8Array(data) };
  } finally {
    tf.dispose(weights);
  }
}

/** Checks a parsed `model.json`; `source` names the file in errors. */
export function parseModelJson(json: unknown, source = 'model.json'): ModelJson {
  const doc = json as Partial<ModelJson> | null;
  if (!doc || typeof doc !== 'object' || doc.format !== MODEL_FORMAT) {
    throw new Error(`${source}: not a vae-ts model (expected "format": "${MODEL_FORMAT}", found ${JSON.stringify(doc?.format)})`);
  }
  if (doc.formatVersion !== MODEL_FORMAT_VERSION) {
    throw new Error(
      `${source}: model format version ${JSON.stringify(doc.formatVersion)} is not supported (this @vae/model reads version ${MODEL_FORMAT_VERSION})`,
    );
  }
  if (!Array.isArray(doc.weightsManifest) || !doc.weightsManifest[0]?.weights) {
    throw new Error(`${source}: "weightsManifest" is missing or empty`);
  }
  return { ...(doc as ModelJson), config: resolveVaeConfig(doc.config) };
}

/**
 * Builds a model from `model.json` and weight bytes. A manifest or byte count that does not match
 * the config fails with an error naming `source`, never with a half-loaded model.
 */
export function deserializeVae(modelJson: unknown, weights: Uint8Array, source = 'model.json'): Vae {
  const doc = parseModelJson(modelJson, source);
  const specs = doc.weightsManifest.flatMap((group) => group.weights);
  const expectedBytes = specs.reduce((n, s) => n + 4 * s.shape.reduce((a, b) => a * b, 1), 0);
  if (specs.some((s) => s.dtype !== 'float32')) throw new Error(`${source}: only float32 weights are supported`);
  if (weights.byteLength !== expectedBytes) {
    throw new Error(`${source}: ${WEIGHTS_FILE} has ${weights.byteLength} bytes, the manifest needs ${expectedBytes}`);
  }
  // decodeWeights wants an ArrayBuffer holding exactly the weights.
  const buffer = weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength) as ArrayBuffer;
  const tensors = tf.io.decodeWeights(buffer, specs);
  const vae = new Vae(doc.config);
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
