import { existsSync } from 'node:fs';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeDirectory, MakeDirectoryError } from './make-directory.js';

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'vae-make-directory-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('makeDirectory', () => {
  it('makes the missing levels and says whether it made the directory', async () => {
    const dir = join(work, 'a', 'b', 'c');
    expect(await makeDirectory(dir)).toBe(true);
    expect((await stat(dir)).isDirectory()).toBe(true);
    expect(await makeDirectory(dir)).toBe(false);
  });

  it('names a file in the way', async () => {
    const file = join(work, 'file');
    await writeFile(file, 'x');
    const error = await makeDirectory(file).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MakeDirectoryError);
    expect(error).toMatchObject({ message: `${file}: is a file, not a directory; choose a directory`, code: 'ENOTDIR' });
    await expect(makeDirectory(join(file, 'below'))).rejects.toMatchObject({ detail: `${file} is a file, not a directory; choose another place` });
  });

  it.skipIf(!existsSync('/proc/self'))(`answers at once under /proc, where a recursive mkdir loops forever${existsSync('/proc/self') ? '' : ' (skipped: no procfs here)'}`, async () => {
    const error = await makeDirectory('/proc/vae-x/y').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MakeDirectoryError);
    expect((error as MakeDirectoryError).detail).toBe('/proc does not take new directories (ENOENT); choose a directory on a real disk');
  }, 5000);
});
