import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { isFsError, TEMP_SUFFIX } from './file-errors.js';
import { isProcessAlive } from './run-lock.js';

/**
 * Removes the temporary files of writes that were killed (`<file>.tmp-<pid>-<hex>`, as
 * `writeFileAtomic` names them) from `dirs`, when their writer is gone: a live process's are left
 * alone. Returns the files removed. A missing directory has none.
 */
export async function removeDeadWritersTempFiles(dirs: readonly string[]): Promise<string[]> {
  const removed: string[] = [];
  for (const dir of dirs) {
    let names: string[];
    try {
      names = await readdir(dir);
    } catch (error) {
      if (isFsError(error) && (error.code === 'ENOENT' || error.code === 'ENOTDIR')) continue;
      throw error;
    }
    for (const name of names) {
      const match = TEMP_SUFFIX.exec(name);
      if (match === null || isProcessAlive(Number(match[1]))) continue;
      await rm(join(dir, name), { force: true, recursive: true });
      removed.push(join(dir, name));
    }
  }
  return removed;
}
