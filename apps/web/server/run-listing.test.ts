import { mkdir, symlink, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { listRuns, readRun, repoRoot, runsRoot } from './run-listing.js';
import { runConfig, tempDir, writeRun } from './test-fixtures.js';

describe('listRuns', () => {
  let root: string;
  let cleanup: () => Promise<void>;
  beforeEach(async () => ({ dir: root, cleanup } = await tempDir()));
  afterEach(() => cleanup());

  it('summarizes a finished run from config.json, metrics.jsonl and model/', async () => {
    await writeRun(root, 'done', {
      metrics: [
        { epoch: 1, trainLoss: 150, testLoss: 140 },
        { epoch: 2, trainLoss: 120, testLoss: 110.5 },
      ],
      model: true,
    });
    expect(await listRuns(root)).toEqual([
      {
        name: 'done',
        createdAt: '2026-01-02T03:04:05.000Z',
        epochsDone: 2,
        epochs: 5,
        finalTestLoss: 110.5,
        hasModel: true,
        backend: 'wasm',
        latentDim: 20,
        normalization: 'unit',
        data: { source: 'embedded', description: 'embedded MNIST subset', train: 9000, test: 1000 },
      },
    ]);
  });

  it('lists newest first by config.json createdAt, else the directory mtime', async () => {
    await writeRun(root, 'a-old', { config: runConfig({ createdAt: '2025-05-01T00:00:00.000Z' }) });
    await writeRun(root, 'b-new', { config: runConfig({ createdAt: '2026-05-01T00:00:00.000Z' }) });
    const noDate = await writeRun(root, 'c-mtime', { config: runConfig({ createdAt: undefined }) });
    await utimes(noDate, new Date('2025-12-01T00:00:00Z'), new Date('2025-12-01T00:00:00Z'));
    const runs = await listRuns(root);
    expect(runs.map((r) => r.name)).toEqual(['b-new', 'c-mtime', 'a-old']);
    expect(runs[1]!.createdAt).toBe('2025-12-01T00:00:00.000Z');
  });

  it('reports an unfinished run: epochs so far, no model, null loss before the first epoch', async () => {
    await writeRun(root, 'running', { metrics: [{ epoch: 1, testLoss: 140 }], checkpoint: true });
    await writeRun(root, 'fresh');
    const byName = Object.fromEntries((await listRuns(root)).map((r) => [r.name, r]));
    expect(byName.running).toMatchObject({ epochsDone: 1, finalTestLoss: 140, hasModel: false });
    expect(byName.fresh).toMatchObject({ epochsDone: 0, finalTestLoss: null, hasModel: false });
  });

  it('uses the last metrics line that parses', async () => {
    const dir = await writeRun(root, 'r');
    await writeFile(path.join(dir, 'metrics.jsonl'), '{"epoch":1,"testLoss":99}\n{"epoch":2,"testL');
    expect(await readRun(root, 'r')).toMatchObject({ epochsDone: 1, finalTestLoss: 99 });
  });

  it('lists a run with a broken config.json with an error, instead of failing the listing', async () => {
    await writeRun(root, 'broken', { config: '{"createdAt": "2026-', metrics: [{ epoch: 3, testLoss: 101 }] });
    await writeRun(root, 'array', { config: '[]' });
    await writeRun(root, 'good');
    const runs = await listRuns(root);
    expect(runs).toHaveLength(3);
    const broken = runs.find((r) => r.name === 'broken')!;
    expect(broken.error).toMatch(/broken[/\\]config\.json: unreadable config\.json \(.*JSON.*\); expected the JSON object the CLI writes/);
    expect(broken).toMatchObject({ epochsDone: 3, finalTestLoss: 101, epochs: null, backend: null, data: null });
    expect(runs.find((r) => r.name === 'array')!.error).toMatch(/not a JSON object/);
    expect(runs.find((r) => r.name === 'good')!.error).toBeUndefined();
  });

  it('leaves out what is not a run: files, directories without config.json; follows symbolic links', async () => {
    await writeFile(path.join(root, 'notes.txt'), 'hi');
    await mkdir(path.join(root, 'empty'));
    await mkdir(path.join(root, 'samples-only', 'samples'), { recursive: true });
    const { dir: elsewhere, cleanup: cleanupElsewhere } = await tempDir();
    try {
      await writeRun(elsewhere, 'linked');
      await symlink(path.join(elsewhere, 'linked'), path.join(root, 'linked'));
      expect((await listRuns(root)).map((r) => r.name)).toEqual(['linked']);
    } finally {
      await cleanupElsewhere();
    }
  });

  it('is empty when the runs root does not exist yet', async () => {
    expect(await listRuns(path.join(root, 'nope'))).toEqual([]);
  });
});

describe('runsRoot', () => {
  const webDir = fileURLToPath(new URL('..', import.meta.url));

  it('is VAE_RUNS_DIR when set, else <repo root>/runs', () => {
    expect(runsRoot(webDir, { VAE_RUNS_DIR: 'some/where' })).toBe(path.resolve('some/where'));
    const root = repoRoot(webDir);
    expect(path.relative(root, webDir)).toBe(path.join('apps', 'web'));
    expect(runsRoot(webDir, {})).toBe(path.join(root, 'runs'));
  });
});
