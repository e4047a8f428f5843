import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CheckpointStore } from './checkpoint.js';

export * from './index.js';

export const CHECKPOINT_FILE = 'checkpoint.bin';

/**
 * Keeps the latest checkpoint in `dir/checkpoint.bin` (plus a readable `state.json`), each written
 * to a temporary file and renamed over the old one: a crash or Ctrl-C mid-write leaves the previous
 * checkpoint intact.
 */
export function fileCheckpointStore(dir: string): CheckpointStore {
  const writeAtomic = async (path: string, data: Uint8Array | string) => {
    const tmp = `${path}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
    try {
      await writeFile(tmp, data);
      await rename(tmp, path);
    } catch (error) {
      await rm(tmp, { force: true });
      throw error;
    }
  };
  return {
    async save(bytes, state) {
      await mkdir(dir, { recursive: true });
      await writeAtomic(join(dir, CHECKPOINT_FILE), bytes);
      await writeAtomic(join(dir, 'state.json'), `${JSON.stringify(state, null, 2)}\n`);
    },
    async load() {
      try {
        return new Uint8Array(await readFile(join(dir, CHECKPOINT_FILE)));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw error;
      }
    },
  };
}
