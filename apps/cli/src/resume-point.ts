import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { CheckpointError, decodeCheckpoint, readCheckpointState, type CheckpointStore, type TrainingState } from '@vae/train';
import { CHECKPOINT_FILE } from '@vae/train/node';
import { fsReason, isFsError } from './file-errors.js';
import { RunDirectoryError, type RunDirectory } from './run-dir.js';
import { UsageError } from './train-options.js';

/** The checkpoint a resumed run continues from: its bytes and where training stood. */
export interface ResumePoint {
  bytes: Uint8Array;
  state: TrainingState;
  /** The checkpoint file, for messages. */
  file: string;
}

/**
 * The command that starts a run again from nothing: the first run's own command line (from
 * `config.json`) with `--out` set to where the run is, the flags `extra`, and `--overwrite`.
 */
export async function restartCommand(run: RunDirectory, extra: string[] = []): Promise<string> {
  const argv = (await run.readRecord())?.argv;
  if (!Array.isArray(argv) || argv[0] !== 'train') return `vae train --out ${shellWord(run.path)} ${[...extra, '--overwrite'].map(shellWord).join(' ')} (with the run's flags)`;
  const args: string[] = [];
  let hasOut = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = String(argv[i]);
    if (arg === '--overwrite') continue;
    if (arg === '--out' || arg.startsWith('--out=')) {
      hasOut = true;
      args.push('--out', run.path);
      if (arg === '--out') i++;
      continue;
    }
    args.push(arg);
  }
  if (!hasOut) args.push('--out', run.path);
  // A flag given twice takes its last value: `extra` (e.g. `--lr 0.0001`) overrides the run's own.
  return `vae ${[...args, ...extra, '--overwrite'].map(shellWord).join(' ')}`;
}

/** `word` as the shell reads it back: quoted when it holds anything but plain characters. */
const shellWord = (word: string) => (/^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`);

/**
 * A damaged checkpoint, in one line: what the reader found (it names the file) and what to do. A
 * `CheckpointError` says so in its own words; anything else the reader throws for the file's bytes
 * (a `RangeError` of a 10-byte file…) is the file's fault too, not a bug, and gets the file's name.
 */
async function damaged(run: RunDirectory, file: string, error: unknown): Promise<RunDirectoryError> {
  const restart = await restartCommand(run);
  if (error instanceof CheckpointError) {
    const what = error.message.includes(file) ? error.message : `${file}: ${error.message}`;
    return new RunDirectoryError(`--resume ${run.path}: ${what} (to start again: ${restart})`);
  }
  const message = error instanceof Error ? error.message : String(error);
  const detail = message.startsWith(`${file}: `) ? message.slice(file.length + 2) : message;
  return new RunDirectoryError(`--resume ${run.path}: ${file}: not a readable checkpoint (${detail}); restore it from a copy, or start the run again: ${restart}`);
}

/**
 * Reads the checkpoint of the run being resumed, before any data is loaded: refuses in one line a
 * run that has none (killed before its first checkpoint: says how to start it again), a damaged
 * one, and an `--epochs` below the epochs already trained.
 */
export async function readResumePoint(run: RunDirectory, store: CheckpointStore, epochs: number): Promise<ResumePoint> {
  const file = join(run.checkpointDir, CHECKPOINT_FILE);
  let bytes: Uint8Array | undefined;
  try {
    bytes = await store.load();
  } catch (error) {
    throw isFsError(error) ? new RunDirectoryError(`--resume ${run.path}: cannot read ${file}: ${fsReason(error)}`) : await damaged(run, file, error);
  }
  if (bytes === undefined) {
    throw new RunDirectoryError(`--resume ${run.path}: the run stopped before its first checkpoint (no ${file}), so there is nothing to resume; start it again: ${await restartCommand(run)}`);
  }
  let state: TrainingState;
  try {
    state = readCheckpointState(bytes, file);
    if (!Number.isSafeInteger(state.epoch) || state.epoch < 0 || !Number.isSafeInteger(state.batchInEpoch) || state.batchInEpoch < 0 || !Array.isArray(state.metrics)) {
      throw new Error(`${file}: the checkpoint's state has no valid epoch, batch or metrics`);
    }
  } catch (error) {
    throw await damaged(run, file, error);
  }
  const begun = state.epoch + (state.batchInEpoch > 0 ? 1 : 0);
  if (epochs < begun) {
    const trained = state.batchInEpoch > 0 ? `${state.epoch} epoch${state.epoch === 1 ? '' : 's'} and part of epoch ${begun}` : `${state.epoch} epoch${state.epoch === 1 ? '' : 's'}`;
    throw new UsageError(`--epochs ${epochs} is below the ${trained} this run has already trained (${file}); give --epochs ${begun} or more, or leave --epochs out`);
  }
  return { bytes, state, file };
}

/**
 * Decodes the whole checkpoint once (weights and optimizer state, then releases them), so a damaged
 * one is refused in one line before training starts. Needs the engine's tfjs backend active.
 */
export async function verifyResumePoint(run: RunDirectory, point: ResumePoint): Promise<void> {
  try {
    tf.dispose(decodeCheckpoint(point.bytes, point.file).tensors);
  } catch (error) {
    throw await damaged(run, point.file, error);
  }
}
