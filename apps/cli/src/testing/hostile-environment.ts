import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// What the hardening tests use to make a place unwritable or full.

/** Root may read and write anywhere: permission cases run the CLI as `nobody` then. */
export const NOBODY = 65534;
export const asUser = process.getuid?.() === 0 ? NOBODY : undefined;

/** Mounts a tiny tmpfs (64 KiB) on `dir` for full-disk cases; null, or why it cannot (mounting needs root: CAP_SYS_ADMIN). */
export function mountTinyTmpfs(dir: string): string | null {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', dir], { stdio: 'pipe' });
    return null;
  } catch (error) {
    return `cannot mount a tmpfs here (${String((error as { stderr?: Buffer }).stderr ?? error).trim() || 'mount failed'}); run the tests as root`;
  }
}

/** Null where a tiny tmpfs can be mounted here (tried once, on a scratch directory), else why not. */
export async function tmpfsUnavailable(): Promise<string | null> {
  const probe = await mkdtemp(join(tmpdir(), 'vae-tmpfs-probe-'));
  const reason = mountTinyTmpfs(probe);
  if (reason === null) execFileSync('umount', [probe]);
  await rm(probe, { recursive: true, force: true });
  return reason;
}
