/**
 * Errors of the file system, told in one line: which file, what went wrong, what to do. Node's own
 * messages (`ENOSPC: no space left on device, write`) often do not name the file, and name a
 * temporary file when they do.
 */

/** A problem writing where the user asked (`--out`, a run directory): one line, exit code 1. */
export class OutputError extends Error {
  override name = 'OutputError';
}

/** An error of a file system call (`code` such as `ENOSPC`, `syscall` such as `open`). */
export function isFsError(error: unknown): error is NodeJS.ErrnoException & { code: string } {
  return error instanceof Error && typeof (error as NodeJS.ErrnoException).code === 'string' && /^E[A-Z0-9]+$/.test((error as NodeJS.ErrnoException).code!);
}

/** `writeFileAtomic` writes `<file>.tmp-<pid>-<hex>` and renames it: the user's file is `<file>`. */
export const TEMP_SUFFIX = /\.tmp-(\d+)-[0-9a-f]+$/;

/** The file an error is about: the one `withFile` named, else the error's own path (without a temp suffix). */
export function fileOf(error: NodeJS.ErrnoException): string | undefined {
  const named = (error as { vaeFile?: string }).vaeFile;
  if (named !== undefined) return named;
  return error.path?.replace(TEMP_SUFFIX, '');
}

/**
 * Runs `write`, and marks a file system error it throws with `file` (what is being written), for a
 * message that names it: a failing `write(2)` has no path of its own. A path the error already has
 * wins, since it is more precise (without its temp suffix).
 */
export async function withFile<T>(file: string, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (isFsError(error) && error.path === undefined && (error as { vaeFile?: string }).vaeFile === undefined) {
      (error as { vaeFile?: string }).vaeFile = file;
    }
    throw error;
  }
}

const WHAT: Record<string, string> = {
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOTDIR: 'a part of this path is a file, not a directory',
  EISDIR: 'is a directory, not a file',
  ENOENT: 'no such file or directory',
  EEXIST: 'already exists',
  ENAMETOOLONG: 'the name is too long',
  ELOOP: 'too many symbolic links',
  EMFILE: 'too many open files',
  ENFILE: 'too many open files in the system',
  EIO: 'input/output error (a failing disk or a lost network file system?)',
  EBUSY: 'busy',
  EXDEV: 'on another device',
};

const ADVICE: Record<string, string> = {
  ENOSPC: 'free some space and run again',
  EDQUOT: 'free some space and run again',
  EACCES: 'choose a place you can write to',
  EPERM: 'choose a place you can write to',
  EROFS: 'choose a place you can write to',
  ENOTDIR: 'choose a directory',
};

/**
 * One line for a file system error: `<file>: <what went wrong> (<CODE>); <what to do>`. `advice`
 * replaces the generic advice (e.g. how to continue a run). Null when `error` is no such error.
 */
export function describeFsError(error: unknown, advice?: string): string | null {
  if (!isFsError(error)) return null;
  const file = fileOf(error);
  const what = whatWentWrong(error);
  const todo = advice ?? ADVICE[error.code];
  const full = error.code === 'ENOSPC' || error.code === 'EDQUOT';
  const said = file === undefined ? what : full ? `${what} writing ${file}` : `${file}: ${what}`;
  return `${said} (${error.code})${todo ? `; ${todo}` : ''}`;
}

/** What went wrong, without the file: `permission denied (EACCES)`; any other error's message. */
export function fsReason(error: unknown): string {
  return isFsError(error) ? `${whatWentWrong(error)} (${error.code})` : error instanceof Error ? error.message : String(error);
}

function whatWentWrong(error: NodeJS.ErrnoException & { code: string }): string {
  return WHAT[error.code] ?? `${error.syscall ?? 'file system call'} failed`;
}
