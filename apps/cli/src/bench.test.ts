import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// `pnpm bench`'s machinery on a tiny configuration (the built bench script, as `pnpm bench` runs
// it): both measurements are there and the steady state starts from the warm-up checkpoint. Speed
// itself is never asserted here; figures come from real bench runs (BENCHMARKS.md).

const BENCH = fileURLToPath(new URL('../dist/bench.js', import.meta.url));

interface Result {
  backend: string;
  batchSize: number;
  samplesPerSecond: number;
  steadySamplesPerSecond?: number;
  steadySubnormalMoments?: number;
  warmSteps: number;
  tensorsBefore: number;
  tensorsAfter: number;
}

let work: string;
beforeAll(async () => {
  if (!existsSync(BENCH)) throw new Error(`${BENCH} is missing: build the CLI first (pnpm build)`);
  work = await mkdtemp(join(tmpdir(), 'vae-bench-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

const bench = (args: string[]) => spawnSync(process.execPath, [BENCH, ...args], { cwd: work, encoding: 'utf8', env: { ...process.env, INIT_CWD: work } });

describe('pnpm bench', () => {
  it('times the first steps and the steady state (from the warm-up checkpoint, which it reuses), and counts subnormal moments', async () => {
    const common = ['--backends', 'wasm', '--batch-sizes', '16', '--samples', '160', '--repeats', '1', '--warm-steps', '30', '--warm-checkpoint', 'warm.ckpt'];
    const first = bench([...common, '--out', 'first.json']);
    expect(first.status, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/steady state from the model after 30 steps at batch 64/);
    expect(existsSync(join(work, 'warm.ckpt'))).toBe(true);
    const { results, warmSteps } = JSON.parse(await readFile(join(work, 'first.json'), 'utf8')) as { results: Result[]; warmSteps: number };
    expect(warmSteps).toBe(30);
    expect(results).toHaveLength(1);
    const [r] = results;
    expect(r).toMatchObject({ batchSize: 16, warmSteps: 30, steadySubnormalMoments: 0 });
    expect(r!.samplesPerSecond).toBeGreaterThan(0);
    expect(r!.steadySamplesPerSecond).toBeGreaterThan(0);
    expect(r!.tensorsAfter).toBe(r!.tensorsBefore);

    // A second run starts from the same checkpoint (two builds compared from one start).
    const second = bench([...common, '--out', 'second.json']);
    expect(second.status, second.stderr).toBe(0);
    expect(second.stdout).toContain(`steady state from ${join(work, 'warm.ckpt')}`);
  });

  it('--warm-steps 0 measures the first steps only', async () => {
    const run = bench(['--backends', 'wasm', '--batch-sizes', '16', '--samples', '160', '--repeats', '1', '--warm-steps', '0', '--out', 'cold.json']);
    expect(run.status, run.stderr).toBe(0);
    const { results } = JSON.parse(await readFile(join(work, 'cold.json'), 'utf8')) as { results: Result[] };
    expect(results[0]!.steadySamplesPerSecond).toBeUndefined();
    expect(results[0]!.warmSteps).toBe(0);
  });
});
