import { constants } from 'node:fs';
import { access, mkdir, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { fsReason, isFsError, OutputError } from './file-errors.js';

/**
 * Creates directory `dir` and its missing parents, one level at a time, and answers for any path
 * with one line naming `flag` (e.g. `--out`). Never Node's `mkdir({ recursive: true })`: on procfs
 * (`/proc/x`) Node 20's loops forever, since `mkdir` there fails with ENOENT under a parent that
 * exists. Resolves to whether `dir` was created (false: it was already a directory).
 */
export async function makeDirectory(dir: string, flag: string): Promise<boolean> {
  const target = resolve(dir);
  const fail = (message: string) => new OutputError(`${flag} ${dir}: ${message}`);
  // Walk up to the nearest ancestor that exists; it must be a directory.
  const missing: string[] = [];
  let existing = target;
  for (;;) {
    try {
      const info = await stat(existing);
      if (!info.isDirectory()) {
        throw fail(existing === target ? 'is a file, not a directory; choose a directory' : `${existing} is a file, not a directory; choose another place`);
      }
      break;
    } catch (error) {
      if (!isFsError(error) || (error.code !== 'ENOENT' && error.code !== 'ENOTDIR')) {
        throw error instanceof OutputError ? error : fail(`cannot look at ${existing}: ${fsReason(error)}`);
      }
      const parent = dirname(existing);
      if (parent === existing) throw fail(fsReason(error)); // the root itself is missing: cannot happen on a sane system
      missing.unshift(existing);
      existing = parent;
    }
  }
  if (missing.length === 0) return false;
  try {
    await access(existing, constants.W_OK | constants.X_OK);
  } catch (error) {
    throw fail(`cannot create it in ${existing}: ${fsReason(error)}; choose a place you can write to`);
  }
  for (const level of missing) {
    try {
      await mkdir(level);
    } catch (error) {
      if (isFsError(error) && error.code === 'EEXIST' && (await stat(level).then((s) => s.isDirectory(), () => false))) continue; // made meanwhile
      if (isFsError(error) && error.code === 'ENOENT') {
        // The parent exists, yet no entry can be made in it: procfs, sysfs and the like.
        throw fail(`${dirname(level)} does not take new directories (ENOENT); choose a directory on a real disk`);
      }
      throw fail(`cannot create ${level}: ${fsReason(error)}; choose a place you can write to`);
    }
  }
  return true;
}
