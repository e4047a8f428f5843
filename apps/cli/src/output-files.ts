import { access, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { writeFileAtomic } from '@vae/model/node';

/** Where a command prints: results on `out` (stdout), diagnostics on `log` (stderr). */
export interface CommandIo {
  out: (line: string) => void;
  log: (line: string) => void;
  signal?: AbortSignal;
}

/**
 * Writes one output file atomically and says where. Names carry the settings that made the file,
 * so a file is only ever replaced by the same picture or figures recomputed, and the line says so.
 */
export async function writeOutput(file: string, data: Uint8Array | string, io: CommandIo): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const existed = await access(file).then(
    () => true,
    () => false,
  );
  await writeFileAtomic(file, data);
  io.out(`${existed ? 'replaced' : 'wrote'} ${file}`);
}
