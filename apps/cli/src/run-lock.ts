import { randomBytes } from 'node:crypto';
import { readFileSync, unlinkSync } from 'node:fs';
import { link, open, readFile, rename, rm } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { fsReason, isFsError, OutputError } from './file-errors.js';

/** The lock of a run directory: held by the one run that writes into it. */
export const LOCK_FILE = 'run.lock';

/** What a lock file says about the run holding it. */
export interface LockHolder {
  pid: number;
  host: string;
  startedAt: string;
  /** The command line, for the message a second run prints. */
  argv: string[];
}

/** Whether process `pid` is alive on this host (EPERM: alive, but another user's). */
export function isProcessAlive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function parseHolder(text: string): LockHolder | null {
  try {
    const holder = JSON.parse(text) as Partial<LockHolder>;
    if (typeof holder.pid !== 'number' || typeof holder.host !== 'string') return null;
    return { pid: holder.pid, host: holder.host, startedAt: String(holder.startedAt ?? '?'), argv: Array.isArray(holder.argv) ? holder.argv.map(String) : [] };
  } catch {
    return null;
  }
}

/** The run directory is locked by a live run: one line naming it, exit 1. */
export class RunInUseError extends Error {
  override name = 'RunInUseError';
}

/** A holder on another host may be alive: only a process gone from this host is known to be. */
const isLive = (holder: LockHolder) => holder.host !== hostname() || isProcessAlive(holder.pid);

function inUse(holder: LockHolder, dir: string, file: string, flag: string): RunInUseError {
  const command = holder.argv.length > 0 ? `: vae ${holder.argv.join(' ')}` : '';
  return new RunInUseError(
    `${flag} ${dir} is in use by another run (pid ${holder.pid} on ${holder.host}, since ${holder.startedAt}${command}); ` +
      `wait for it to end, or if it is gone, delete ${file}`,
  );
}

/**
 * A held lock on a run directory. `release()` removes the lock file (if it is still this
 * process's); it is also removed when the process exits by `process.exit` (a second Ctrl-C). A run
 * killed outright leaves it behind: the next run finds its process gone and takes it over.
 */
export class RunLock {
  private released = false;
  private readonly onExit = () => this.release();

  private constructor(
    readonly file: string,
    private readonly content: string,
  ) {
    process.on('exit', this.onExit);
  }

  /**
   * Takes the lock of `dir` (`dir/run.lock`, created with O_EXCL, holding the pid and host). Another
   * live run's lock is refused with one line naming it; a lock whose process is gone (on this host)
   * is taken over. `flag` names the directory in messages (`--out`, `--resume`).
   */
  static async acquire(dir: string, flag: string): Promise<RunLock> {
    const file = join(dir, LOCK_FILE);
    const content = `${JSON.stringify({ pid: process.pid, host: hostname(), startedAt: new Date().toISOString(), argv: process.argv.slice(2) } satisfies LockHolder)}\n`;
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        const handle = await open(file, 'wx');
        try {
          await handle.writeFile(content);
        } catch (error) {
          await handle.close().catch(() => {});
          await rm(file, { force: true });
          throw new OutputError(`${flag} ${dir}: cannot write ${file}: ${fsReason(error)}`);
        }
        await handle.close();
        return new RunLock(file, content);
      } catch (error) {
        if (error instanceof OutputError) throw error;
        if (!isFsError(error) || error.code !== 'EEXIST') {
          throw new OutputError(`${flag} ${dir}: cannot create ${file}: ${fsReason(error)}; choose a directory you can write to`);
        }
      }
      let text: string;
      try {
        text = await readFile(file, 'utf8');
      } catch (error) {
        if (isFsError(error) && error.code === 'ENOENT') continue; // released meanwhile: try again
        throw new OutputError(`${flag} ${dir}: cannot read ${file}: ${fsReason(error)}`);
      }
      const holder = parseHolder(text);
      if (holder === null) {
        // Empty or cut short: a run writing it this very moment, or one that died doing so.
        if (attempt < 4) {
          await new Promise((r) => setTimeout(r, 100));
          continue;
        }
        throw new OutputError(`${flag} ${dir}: ${file} is there but unreadable; if no run is using this directory, delete that file and start again`);
      }
      if (isLive(holder)) throw inUse(holder, dir, file, flag);
      // Stale: its process is gone. Move it aside (atomic), check that what moved is the stale
      // lock and not one a concurrent run has just made, and try again.
      // (Named as a temp file: if this process dies before removing it, the next run does.)
      const aside = `${file}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
      try {
        await rename(file, aside);
      } catch (error) {
        if (isFsError(error) && error.code === 'ENOENT') continue; // another run moved it first
        throw new OutputError(`${flag} ${dir}: cannot take over the stale ${file}: ${fsReason(error)}`);
      }
      const moved = await readFile(aside, 'utf8').catch(() => '');
      if (moved !== text) {
        // A live run's lock, made after we read the stale one: put it back unless yet another is there.
        await link(aside, file).catch(() => {});
        await rm(aside, { force: true });
        continue;
      }
      await rm(aside, { force: true });
    }
    throw new OutputError(`${flag} ${dir}: could not take ${file}: other runs keep taking it; start one run at a time`);
  }

  /** Refuses (with the holder named) when another live run holds the lock of `dir`; takes nothing. */
  static async check(dir: string, flag: string): Promise<void> {
    const file = join(dir, LOCK_FILE);
    const holder = parseHolder(await readFile(file, 'utf8').catch(() => ''));
    const mine = holder !== null && holder.pid === process.pid && holder.host === hostname();
    if (holder !== null && !mine && isLive(holder)) throw inUse(holder, dir, file, flag);
  }

  /** Removes the lock file, if it is still this process's. */
  release(): void {
    if (this.released) return;
    this.released = true;
    process.off('exit', this.onExit);
    try {
      if (readFileSync(this.file, 'utf8') === this.content) unlinkSync(this.file);
    } catch {
      // gone already, or the directory is: nothing to release
    }
  }
}
