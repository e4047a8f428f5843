import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { listSweeps, sweepsRoot } from './sweep-listing.js';
import { tempDir, writeRun } from './test-fixtures.js';
import { sweepRows } from '../src/sweep-list.js';

/** A sweep directory as `vae sweep` writes it: sweep.json, runs/<id>/ (normal run directories). */
async function writeSweep(root: string, name: string, finished: string[], createdAt = '2026-03-04T05:06:07.000Z') {
  const dir = path.join(root, name);
  const runs = ['beta-1_seed-1', 'beta-1_seed-2', 'beta-4_seed-1', 'beta-4_seed-2'].map((id) => ({ id, configuration: id.split('_')[0], seed: Number(id.at(-1)), settings: {}, args: [] }));
  await mkdir(path.join(dir, 'runs'), { recursive: true });
  await writeFile(path.join(dir, 'sweep.json'), JSON.stringify({ tool: 'vae sweep', name, createdAt, base: [], seeds: [1, 2], runs }));
  for (const id of finished) await writeRun(path.join(dir, 'runs'), id, { model: true, metrics: [{ epoch: 1, trainLoss: 2, testLoss: 1 }] });
}

describe('listSweeps', () => {
  let root: string;
  let cleanup: () => Promise<void>;
  beforeEach(async () => ({ dir: root, cleanup } = await tempDir()));
  afterEach(() => cleanup());

  it('lists each sweep directory with its runs, how many finished, its configurations and seeds; newest first', async () => {
    await writeSweep(root, 'beta', ['beta-1_seed-1', 'beta-4_seed-2']);
    await writeSweep(root, 'older', [], '2025-01-01T00:00:00.000Z');
    await mkdir(path.join(root, 'not-a-sweep'));
    await mkdir(path.join(root, 'beta', 'report'));
    await writeFile(path.join(root, 'beta', 'report', 'summary.md'), '# Sweep beta\n');
    const sweeps = await listSweeps(root);
    expect(sweeps.map((s) => s.name)).toEqual(['beta', 'older']);
    expect(sweeps[0]).toEqual({ name: 'beta', createdAt: '2026-03-04T05:06:07.000Z', runs: 4, finished: 2, configurations: ['beta-1', 'beta-4'], seeds: [1, 2], hasReport: true });
    expect(sweepRows(sweeps)[0]).toMatchObject({ progress: '2/4 runs finished', grid: '2 configurations (beta-1, beta-4) × seeds 1, 2', note: 'report: sweeps/beta/report/summary.md' });
  });

  it('a damaged sweep.json is listed with its reason; a missing root is no sweeps', async () => {
    await mkdir(path.join(root, 'broken'));
    await writeFile(path.join(root, 'broken', 'sweep.json'), '{ nope');
    const [broken] = await listSweeps(root);
    expect(broken!.error).toMatch(/sweep\.json: unreadable/);
    expect(await listSweeps(path.join(root, 'absent'))).toEqual([]);
  });

  it('sweepsRoot: VAE_SWEEPS_DIR, else <repo root>/sweeps', () => {
    expect(sweepsRoot('/x', { VAE_SWEEPS_DIR: '/data/sweeps' })).toBe('/data/sweeps');
    expect(sweepsRoot(import.meta.dirname, {})).toMatch(/[/\\]sweeps$/);
  });
});
