import { constants } from 'node:fs';
import { access, mkdir, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';

/**
 * A directory that cannot be made. `message` is `<dir>: <detail>`; `detail` alone says what went
 * wrong and what to do, for callers that name the directory their own way (e.g. `--out <dir>: …`).
 * `code` is the file system's error code when there is one (`EACCES`, `ENOENT`…).
 */
export class MakeDirectoryError extends Error {
  override name = 'MakeDirectoryError';

  constructor(
    readonly dir: string,
    readonly detail: string,
    readonly code?: string,
    options?: { cause?: unknown },
  ) {
    super(`${dir}: ${detail}`, options);
  }
}

const errnoCode = (error: unknown): string | undefined => {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
};

const REASONS: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  ENAMETOOLONG: 'the name is too long',
  ELOOP: 'too many symbolic links',
  EIO: 'input/output error',
};

/** `permission denied (EACCES)`; any other error's message on one line. */
function reason(error: unknown): string {
  const code = errnoCode(error);
  if (code !== undefined) return `${REASONS[code] ?? `${(error as NodeJS.ErrnoException).syscall ?? 'file system call'} failed`} (${code})`;
  return (error instanceof Error ? error.message : String(error)).replace(/\s+/g, ' ');
}

/**
 * Creates directory `dir` and its missing parents, one level at a time: the project's one way to
 * make a directory. Never Node's `mkdir({ recursive: true })`, which on procfs (`/proc/x`) loops
 * forever in Node 20: `mkdir` there fails with ENOENT under a parent that exists. Resolves to
 * whether `dir` was created (false: it was already a directory); throws `MakeDirectoryError`
 * saying why not and what to do.
 */
export async function makeDirectory(dir: string): Promise<boolean> {
  const target = resolve(dir);
  const fail = (detail: string, error?: unknown) => new MakeDirectoryError(dir, detail, errnoCode(error), { cause: error });
  // Walk up to the nearest ancestor that exists; it must be a directory.
  const missing: string[] = [];
  let existing = target;
  for (;;) {
    let isDirectory: boolean;
    try {
      isDirectory = (await stat(existing)).isDirectory();
    } catch (error) {
      const code = errnoCode(error);
      if (code !== 'ENOENT' && code !== 'ENOTDIR') throw fail(`cannot look at ${existing}: ${reason(error)}`, error);
      const parent = dirname(existing);
      if (parent === existing) throw fail(reason(error), error); // the root itself is missing: cannot happen on a sane system
      missing.unshift(existing);
      existing = parent;
      continue;
    }
    if (!isDirectory) {
      const detail = existing === target ? 'is a file, not a directory; choose a directory' : `${existing} is a file, not a directory; choose another place`;
      throw new MakeDirectoryError(dir, detail, 'ENOTDIR');
    }
    break;
  }
  if (missing.length === 0) return false;
  try {
    await access(existing, constants.W_OK | constants.X_OK);
  } catch (error) {
    throw fail(`cannot create it in ${existing}: ${reason(error)}; choose a place you can write to`, error);
  }
  for (const level of missing) {
    try {
      await mkdir(level);
    } catch (error) {
      const code = errnoCode(error);
      if (code === 'EEXIST' && (await stat(level).then((s) => s.isDirectory(), () => false))) continue; // made meanwhile
      if (code === 'ENOENT') {
        // The parent exists, yet no entry can be made in it: procfs, sysfs and the like.
        throw fail(`${dirname(level)} does not take new directories (ENOENT); choose a directory on a real disk`, error);
      }
      const full = code === 'ENOSPC' || code === 'EDQUOT';
      throw fail(`cannot create ${level}: ${reason(error)}; ${full ? 'free some space and run again' : 'choose a place you can write to'}`, error);
    }
  }
  return true;
}
