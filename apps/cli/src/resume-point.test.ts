import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { restartCommand } from './resume-point.js';
import { RunDirectory } from './run-dir.js';

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'vae-restart-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

async function runWithArgv(name: string, argv: unknown): Promise<RunDirectory> {
  const dir = join(work, name);
  await mkdir(dir);
  await writeFile(join(dir, 'config.json'), JSON.stringify({ argv }));
  return new RunDirectory(dir);
}

describe('restartCommand', () => {
  it('is the first command line with --out where the run is (not where a relative --out pointed) and --overwrite', async () => {
    const run = await runWithArgv('relative', ['train', '--epochs', '3', '--out', 'runs/a', '--overwrite']);
    expect(await restartCommand(run)).toBe(`vae train --epochs 3 --out ${run.path} --overwrite`);
    const eq = await runWithArgv('equals', ['train', '--out=runs/a', '--seed', '2']);
    expect(await restartCommand(eq)).toBe(`vae train --out ${eq.path} --seed 2 --overwrite`);
  });

  it('adds --out when the run took the default, and quotes words the shell would split', async () => {
    const run = await runWithArgv('with space', ['train', '--data-dir', "my data's"]);
    expect(await restartCommand(run)).toBe(`vae train --data-dir 'my data'\\''s' --out '${run.path}' --overwrite`);
  });

  it('without a config.json command line: the run directory and a reminder of the flags', async () => {
    const run = await runWithArgv('no-argv', null);
    expect(await restartCommand(run)).toBe(`vae train --out ${run.path} --overwrite (with the run's flags)`);
  });
});
