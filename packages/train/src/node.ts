import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '@vae/model/node';
import type { CheckpointStore } from './checkpoint.js';

export * from './index.js';

export const CHECKPOINT_FILE = 'checkpoint.bin';

/**
 * Keeps the latest checkpoint in `dir/checkpoint.bin` (plus a readable `state.json`), each written
 * to a temporary file and renamed over the old one: a crash or Ctrl-C mid-write leaves the previous
 * checkpoint intact.
 */
export function fileCheckpointStore(dir: string): CheckpointStore {
  return {
    async save(bytes, state) {
      await mkdir(dir, { recursive: true });
      await writeFileAtomic(join(dir, CHECKPOINT_FILE), bytes);
      await writeFileAtomic(join(dir, 'state.json'), `${JSON.stringify(state, null, 2)}\n`);
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
