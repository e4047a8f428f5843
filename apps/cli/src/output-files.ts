import { access } from 'node:fs/promises';
import { dirname } from 'node:path';
import { writeFileAtomic } from '@vae/model/node';
import { yieldToSignal } from '@vae/train';
import { describeFsError, isFsError, OutputError, withFile } from './file-errors.js';
import { makeDirectory } from './make-directory.js';

/** Where a command prints: results on `out` (stdout), diagnostics on `log` (stderr). */
export interface CommandIo {
  out: (line: string) => void;
  log: (line: string) => void;
  signal?: AbortSignal;
}

/**
 * Writes one output file atomically and says where. Names carry the settings that made the file,
 * so a file is only ever replaced by the same picture or figures recomputed, and the line says so.
 * A directory that cannot be made or written (a file in the way, no permission, a full disk) is
 * one line naming it.
 */
export async function writeOutput(file: string, data: Uint8Array | string, io: CommandIo): Promise<void> {
  await writeOutputs([{ file, data }], io);
}

/**
 * Writes a command's files (`writeOutput` each), all computed beforehand: a Ctrl-C before the
 * first write stops the command with none written, and once writing has begun they all get written
 * (a few small files), so a command never leaves part of its output.
 */
export async function writeOutputs(files: readonly { file: string; data: Uint8Array | string }[], io: CommandIo): Promise<void> {
  if (io.signal) await yieldToSignal(io.signal);
  for (const { file, data } of files) await writeOne(file, data, io);
}

async function writeOne(file: string, data: Uint8Array | string, io: CommandIo): Promise<void> {
  const dir = dirname(file);
  await makeDirectory(dir, '--out');
  const existed = await access(file).then(
    () => true,
    () => false,
  );
  try {
    await withFile(file, () => writeFileAtomic(file, data));
  } catch (error) {
    if (!isFsError(error)) throw error;
    const full = error.code === 'ENOSPC' || error.code === 'EDQUOT';
    throw new OutputError(describeFsError(error, full ? 'free some space and run again' : `choose another --out (now ${dir})`)!);
  }
  io.out(`${existed ? 'replaced' : 'wrote'} ${file}`);
}
