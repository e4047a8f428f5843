import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { deserializeVae, serializeVae, WEIGHTS_FILE } from './serialize.js';
import type { Vae } from './vae.js';

export * from './index.js';

/** Writes `data` to `path` through a temporary file and a rename, so a crash never leaves half a file. */
export async function writeFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    await writeFile(tmp, data);
    await rename(tmp, path);
  } catch (error) {
    await rm(tmp, { force: true });
    throw error;
  }
}

/** Saves `model.json` and `weights.bin` into `dir` (created if needed), each written atomically. */
export async function saveVae(vae: Vae, dir: string, metadata?: Record<string, unknown>): Promise<void> {
  const { modelJson, weights } = await serializeVae(vae, metadata);
  await mkdir(dir, { recursive: true });
  // Weights first: a model.json on disk always points at complete weights.
  await writeFileAtomic(join(dir, WEIGHTS_FILE), weights);
  await writeFileAtomic(join(dir, 'model.json'), `${JSON.stringify(modelJson, null, 2)}\n`);
}

/** Loads a model saved by `saveVae` (a directory holding `model.json` and `weights.bin`). */
export async function loadVae(dir: string): Promise<Vae> {
  const jsonPath = join(dir, 'model.json');
  let text: string;
  try {
    text = await readFile(jsonPath, 'utf8');
  } catch {
    throw new Error(`${jsonPath}: cannot read the model (expected a directory saved by saveVae with model.json and ${WEIGHTS_FILE})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Error(`${jsonPath}: invalid JSON (${(error as Error).message})`);
  }
  const weights = await readFile(join(dir, WEIGHTS_FILE));
  return deserializeVae(json, new Uint8Array(weights.buffer, weights.byteOffset, weights.byteLength), jsonPath);
}
