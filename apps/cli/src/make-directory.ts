import { makeDirectory as makeDirectoryOrThrow, MakeDirectoryError } from '@vae/data/node';
import { OutputError } from './file-errors.js';

/**
 * Creates directory `dir` and its missing parents (`makeDirectory` of `@vae/data/node`, the
 * project's one way, safe on procfs), and answers for any path with one line naming `flag`
 * (e.g. `--out`). Resolves to whether `dir` was created (false: it was already a directory).
 */
export async function makeDirectory(dir: string, flag: string): Promise<boolean> {
  try {
    return await makeDirectoryOrThrow(dir);
  } catch (error) {
    if (error instanceof MakeDirectoryError) throw new OutputError(`${flag} ${dir}: ${error.detail}`, { cause: error });
    throw error;
  }
}
