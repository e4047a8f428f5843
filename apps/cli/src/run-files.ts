import { open, readdir, readFile, rm, rmdir } from 'node:fs/promises';
import { join } from 'node:path';
import { isCheckpointBytes } from '@vae/train';
import { isFsError, TEMP_SUFFIX } from './file-errors.js';
import { isRecord } from '@vae/internal';

/** What `vae train` writes as `config.json`'s `tool`: the mark of a run directory. */
export const RUN_TOOL = 'vae-ts cli train';

/**
 * The files a run of this project writes, as paths inside the run directory ('/'-separated): the
 * run's own (train), and what the model commands write into it by default (explore/, export/).
 * Only these are ever deleted by `--overwrite`; a temp file of a killed write is the run's too.
 */
const RUN_FILE_PATTERNS: readonly RegExp[] = [
  /^(config\.json|data-report\.json|metrics\.jsonl|loss\.svg)$/,
  /^samples\/epoch-\d{3,}\.png$/,
  /^checkpoint\/(checkpoint\.bin|state\.json)$/,
  /^model\/(model\.json|weights\.bin)$/,
  /^explore\/(samples-\d+x\d+-t[^/]+-seed-?\d+\.png|reconstructions-\d+-\d+\.png|interpolation-\d+-to-\d+-(linear|spherical)-\d+\.png|latent-\d+\.(svg|png)|manifold-\d+x\d+-z\d+-z\d+\.png|eval-k\d+-n\d+-seed-?\d+\.json)$/,
  /^export\/onnx\/(encoder|decoder)\.onnx$/,
  /^export\/tfjs-layers\/(encoder|decoder)\/(model\.json|weights\.bin)$/,
];

/** The directories those files are in, deepest first (removed when `--overwrite` leaves them empty). */
const RUN_DIRS = ['export/tfjs-layers/encoder', 'export/tfjs-layers/decoder', 'export/tfjs-layers', 'export/onnx', 'export', 'explore', 'model', 'checkpoint', 'samples'];

const isRunFile = (path: string) => RUN_FILE_PATTERNS.some((pattern) => pattern.test(path.replace(TEMP_SUFFIX, '')));

/** What a directory holds, sorted into a run's files and anything else. */
export interface RunFiles {
  /** Whether it holds a run's marks: a `config.json` written by `vae train`, or a checkpoint. */
  isRun: boolean;
  /** Files a run writes ('/'-separated paths inside the directory). */
  runFiles: string[];
  /** Everything else: files, links, directories that hold nothing of a run. */
  foreign: string[];
}

/** Lists `dir` (not following links) and sorts what is there; `skip` names top-level entries to leave out (the lock). */
export async function listRunFiles(dir: string, skip: readonly string[] = []): Promise<RunFiles> {
  const runFiles: string[] = [];
  const foreign: string[] = [];
  const walk = async (relative: string) => {
    const entries = await readdir(join(dir, relative), { withFileTypes: true });
    for (const entry of entries) {
      const path = relative === '' ? entry.name : `${relative}/${entry.name}`;
      if (relative === '' && skip.includes(entry.name)) continue;
      if (entry.isDirectory() && RUN_DIRS.includes(path)) await walk(path);
      else if (entry.isFile() && isRunFile(path)) runFiles.push(path);
      else foreign.push(entry.isDirectory() ? `${path}/` : path);
    }
  };
  await walk('');
  const isRun = (runFiles.includes('config.json') && (await isRunConfig(join(dir, 'config.json')))) || (runFiles.includes('checkpoint/checkpoint.bin') && (await isCheckpoint(join(dir, 'checkpoint', 'checkpoint.bin'))));
  return { isRun, runFiles: runFiles.sort(), foreign: foreign.sort() };
}

/**
 * Deletes a run's files from `dir`, then the run's directories they leave empty; anything else
 * stays. Returns the top-level entries something was deleted from.
 */
export async function deleteRunFiles(dir: string, files: readonly string[]): Promise<string[]> {
  for (const file of files) await rm(join(dir, ...file.split('/')), { force: true });
  for (const sub of RUN_DIRS) {
    await rmdir(join(dir, ...sub.split('/'))).catch((error: unknown) => {
      if (!isFsError(error) || !['ENOENT', 'ENOTEMPTY', 'EEXIST', 'ENOTDIR'].includes(error.code)) throw error;
    });
  }
  return [...new Set(files.map((file) => file.split('/')[0]!))].sort();
}

/** Whether `file` is a `config.json` that `vae train` wrote (its `tool` field). */
async function isRunConfig(file: string): Promise<boolean> {
  try {
    const record = JSON.parse(await readFile(file, 'utf8')) as unknown;
    return isRecord(record) && record.tool === RUN_TOOL;
  } catch {
    return false;
  }
}

/** Whether `file` starts with a checkpoint's magic. */
async function isCheckpoint(file: string): Promise<boolean> {
  try {
    const handle = await open(file, 'r');
    try {
      const head = new Uint8Array(16);
      const { bytesRead } = await handle.read(head, 0, head.length, 0);
      return isCheckpointBytes(head.subarray(0, bytesRead));
    } finally {
      await handle.close();
    }
  } catch {
    return false;
  }
}
