import { randomBytes } from 'node:crypto';
import { readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { makeDirectory } from '@vae/data/node';
import { join } from 'node:path';
import { checkpointStamp, verifyCheckpoint, type CheckpointStamp, type CheckpointStore, type TrainingState } from './checkpoint.js';
import { CheckpointError } from './errors.js';
import { isRecord } from '@vae/internal';

export * from './index.js';

export const CHECKPOINT_FILE = 'checkpoint.bin';
/** The readable copy of the checkpoint's state, beside it. */
export const STATE_FILE = 'state.json';

/** What `state.json` holds: the checkpoint's state, and the stamp of the `checkpoint.bin` it was copied from. */
export type StateFile = TrainingState & { checkpoint: { file: typeof CHECKPOINT_FILE } & CheckpointStamp };

/** Node's error as one line: its code and message, whitespace folded. */
function errorText(error: unknown): string {
  const { code, message } = error as NodeJS.ErrnoException;
  const text = String(message ?? error).replace(/\s+/g, ' ');
  return code && !text.startsWith(code) ? `${code}: ${text}` : text;
}

function readFailure(path: string, error: unknown): CheckpointError {
  const code = (error as NodeJS.ErrnoException).code;
  const fix =
    code === 'EISDIR'
      ? 'a directory is in its place: move it away, or restore the checkpoint file'
      : code === 'EACCES' || code === 'EPERM'
        ? 'make the file readable (e.g. chmod u+r)'
        : 'check the path, or restore a good copy of the file';
  return new CheckpointError(`${path}: cannot read the checkpoint (${errorText(error)}); ${fix}`, { cause: error });
}

/** A failed save in one line; `hadCheckpoint`: whether an earlier checkpoint is on disk (then intact) to resume from. */
function writeFailure(path: string, error: unknown, hadCheckpoint: boolean): CheckpointError {
  const code = (error as NodeJS.ErrnoException).code;
  const fix =
    code === 'ENOSPC' || code === 'EDQUOT'
      ? 'free some space'
      : code === 'EACCES' || code === 'EPERM' || code === 'EROFS'
        ? 'make the directory writable'
        : 'fix the cause';
  const next = hadCheckpoint ? 'then resume (the checkpoint already on disk is intact)' : 'then start the run again (no checkpoint had been saved yet)';
  return new CheckpointError(`${path}: cannot write the checkpoint (${errorText(error)}); ${fix}, ${next}`, { cause: error, file: path });
}

/** Writes `data` in full beside `path` under a temporary name, and returns that name. */
async function writeTemp(path: string, data: Uint8Array | string): Promise<string> {
  // The same naming as @vae/model's writeFileAtomic, so leftovers of killed writes look alike.
  const tmp = `${path}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    await writeFile(tmp, data);
  } catch (error) {
    await rm(tmp, { force: true }).catch(() => undefined); // the write's error is the one to report
    throw error;
  }
  return tmp;
}

function stateFileText(state: TrainingState, stamp: CheckpointStamp): string {
  const doc: StateFile = { ...state, checkpoint: { file: CHECKPOINT_FILE, ...stamp } };
  return `${JSON.stringify(doc, null, 2)}\n`;
}

/**
 * Keeps the latest checkpoint in `dir/checkpoint.bin`, with a readable copy of its state in
 * `dir/state.json`.
 *
 * How the two stay one consistent unit: `checkpoint.bin` is the only source of truth (its header
 * holds the state, under a CRC-32). `state.json` is derived from the very bytes saved (never from
 * the caller's `state`) and stamped with their length and CRC-32s (its `checkpoint` field). Both
 * are first written in full under temporary names, then renamed into place, `checkpoint.bin`
 * first. A kill before that rename leaves the previous pair; a kill between the two renames leaves
 * a `state.json` older than `checkpoint.bin`, never newer, so it never announces an epoch the
 * checkpoint lacks, and its stamp then names another checkpoint. `load()` verifies `checkpoint.bin`
 * (CRCs, every field, finite weights) and rewrites a missing, stale or unreadable `state.json`
 * from it. So: trust `state.json` when its stamp matches `checkpoint.bin`, as it always does after
 * a completed `save()` or `load()`.
 *
 * Errors are `CheckpointError`s naming the file: a checkpoint that cannot be read, is corrupt or
 * cannot be written (a full disk…). `load()` gives `undefined` when there is no checkpoint yet.
 */
export function fileCheckpointStore(dir: string): CheckpointStore {
  const binPath = join(dir, CHECKPOINT_FILE);
  const statePath = join(dir, STATE_FILE);

  /** Puts `state.json` in place for the checkpoint `bytes`; `checkpoint.bin` is already there. */
  const writeStateFile = async (text: string) => {
    // Called by load(), so a checkpoint.bin is there.
    try {
      const tmp = await writeTemp(statePath, text);
      await rename(tmp, statePath).catch(async (error: unknown) => {
        await rm(tmp, { force: true }).catch(() => undefined);
        throw error;
      });
    } catch (error) {
      throw writeFailure(statePath, error, true);
    }
  };

  return {
    async save(bytes) {
      const { state, stamp } = checkpointStamp(bytes, `the checkpoint to save as ${binPath}`);
      const text = stateFileText(state, stamp);
      let binTmp: string | undefined;
      const hadCheckpoint = await stat(binPath).then((info) => info.isFile(), () => false);
      try {
        await makeDirectory(dir);
        binTmp = await writeTemp(binPath, bytes);
        // Both in full before either rename, so the two renames are all that separates them.
        const stateTmp = await writeTemp(statePath, text).catch((error: unknown) => {
          throw writeFailure(statePath, error, hadCheckpoint);
        });
        try {
          await rename(binTmp, binPath);
        } catch (error) {
          await rm(stateTmp, { force: true }).catch(() => undefined);
          throw error;
        }
        binTmp = undefined;
        await rename(stateTmp, statePath).catch(async (error: unknown) => {
          await rm(stateTmp, { force: true }).catch(() => undefined);
          throw writeFailure(statePath, error, true); // checkpoint.bin is in place by now
        });
      } catch (error) {
        if (binTmp) await rm(binTmp, { force: true }).catch(() => undefined);
        throw error instanceof CheckpointError ? error : writeFailure(binPath, error, hadCheckpoint);
      }
    },

    async load() {
      let bytes: Uint8Array;
      try {
        bytes = new Uint8Array(await readFile(binPath));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw readFailure(binPath, error);
      }
      verifyCheckpoint(bytes, binPath);
      const { state, stamp } = checkpointStamp(bytes, binPath);
      let recorded: unknown;
      try {
        recorded = (JSON.parse(await readFile(statePath, 'utf8')) as { checkpoint?: unknown }).checkpoint;
      } catch {
        recorded = undefined; // missing or unreadable: rewritten below, like a stale one
      }
      const matches =
        isRecord(recorded) && recorded.bytes === stamp.bytes && recorded.headerCrc32 === stamp.headerCrc32 && recorded.weightsCrc32 === stamp.weightsCrc32;
      if (!matches) await writeStateFile(stateFileText(state, stamp));
      return bytes;
    },
  };
}
