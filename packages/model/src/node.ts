import { randomBytes } from 'node:crypto';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { makeDirectory } from '@vae/data/node';
import { join } from 'node:path';
import { ModelFileError } from './errors.js';
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
  await makeDirectory(dir);
  // Weights first: a model.json on disk always points at complete weights.
  await writeFileAtomic(join(dir, WEIGHTS_FILE), weights);
  await writeFileAtomic(join(dir, 'model.json'), `${JSON.stringify(modelJson, null, 2)}\n`);
}

/** A failed read in words, and what to do about it, from Node's error code. */
function readFailure(error: unknown, fix: string): string {
  const { code, message } = error as NodeJS.ErrnoException;
  switch (code) {
    case 'ENOENT':
      return `no such file; ${fix}`;
    case 'EISDIR':
      return `a directory is there, not the file; ${fix}`;
    case 'ENOTDIR':
      return `a part of the path is a file, not a directory; ${fix}`;
    case 'EACCES':
    case 'EPERM':
      return 'permission denied; make the file readable (e.g. chmod u+r)';
    case 'ELOOP':
      return `a loop of symbolic links; ${fix}`;
    default:
      return `cannot be read (${String(code ?? message ?? error).replace(/\s+/g, ' ')}); ${fix}`;
  }
}

/**
 * Loads a model saved by `saveVae` (a directory holding `model.json` and `weights.bin`). Every
 * failure (a file missing, unreadable or corrupt, NaN weights…) is a `ModelFileError` whose one-line
 * message starts with the file's path and says what to do.
 */
export async function loadVae(dir: string): Promise<Vae> {
  const jsonPath = join(dir, 'model.json');
  const weightsPath = join(dir, WEIGHTS_FILE);
  let text: string;
  try {
    text = await readFile(jsonPath, 'utf8');
  } catch (error) {
    throw new ModelFileError(
      `${jsonPath}: cannot read the model: ${readFailure(error, `name a directory saved by saveVae (model.json and ${WEIGHTS_FILE})`)}`,
      { cause: error },
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    // V8 quotes the text it failed on, newlines and all: keep the message on one line.
    const why = (error as Error).message.replace(/\s+/g, ' ');
    throw new ModelFileError(`${jsonPath}: invalid JSON (${why}); restore a good copy of it, or save the model again`, { cause: error });
  }
  let weights: Buffer;
  try {
    weights = await readFile(weightsPath);
  } catch (error) {
    throw new ModelFileError(
      `${weightsPath}: cannot read the weights: ${readFailure(error, `put the ${WEIGHTS_FILE} saved with this model.json there, or save the model again`)}`,
      { cause: error },
    );
  }
  return deserializeVae(json, new Uint8Array(weights.buffer, weights.byteOffset, weights.byteLength), jsonPath, weightsPath);
}
