import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_MAIN as MAIN, runCli } from './testing/run-cli.js';

// `vae train --kl-warmup`, on the built CLI (turbo builds it before `test`), as a user would run it.

const readJsonLines = async (file: string) =>
  (await readFile(file, 'utf8'))
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, number>);

// 256 images at the default batch of 64: 4 steps per epoch, so a warm-up of 2 epochs takes 8 steps.
const QUICK = ['train', '--data', 'embedded', '--train-size', '256', '--test-size', '128'];
/** β of an epoch's last step (step 4e − 1, counted from 0): 1 · min(1, s / (2 · 4)). */
const WARMUP_BETAS = [3, 7, 11].map((s) => Math.min(1, s / 8));

let work: string;
beforeAll(async () => {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: build the CLI first (pnpm build)`);
  work = await mkdtemp(join(tmpdir(), 'vae-cli-kl-warmup-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('vae train --kl-warmup', () => {
  it('raises β per step as the formula says, records it per epoch, prints it, and keeps it on --resume', async () => {
    const out = join(work, 'warmup');
    const run = await runCli([...QUICK, '--epochs', '3', '--kl-warmup', '2', '--out', out]);
    expect(run.code, run.stderr).toBe(0);
    const metrics = await readJsonLines(join(out, 'metrics.jsonl'));
    expect(metrics.map((m) => m.beta)).toEqual(WARMUP_BETAS); // 0.375, 0.875, 1
    // The test figures use the full β (1): the negative ELBO is recon + kl.
    for (const m of metrics) expect(m.testLoss!).toBeCloseTo(m.testRecon! + m.testKl!, 6);
    expect(run.stdout).toMatch(/^Epoch \[1\/3\] Loss: \d+\.\d\d \(β 0\.375\) \| test /m);
    expect(run.stdout).toMatch(/^Epoch \[2\/3\] Loss: \d+\.\d\d \(β 0\.875\) \| test /m);
    expect(run.stdout).toMatch(/^Epoch \[3\/3\] Loss: \d+\.\d\d \(β 1\) \| test /m);
    const config = JSON.parse(await readFile(join(out, 'config.json'), 'utf8'));
    expect(config.settings).toMatchObject({ beta: 1, klWarmupEpochs: 2 });

    // Two epochs, then --resume for the third: the run keeps its warm-up and ends where the straight one did.
    const split = join(work, 'warmup-resumed');
    const first = await runCli([...QUICK, '--epochs', '2', '--kl-warmup', '2', '--backend', config.backend, '--out', split]);
    expect(first.code, first.stderr).toBe(0);
    const resumed = await runCli(['train', '--resume', split, '--epochs', '3']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout).toMatch(/^Epoch \[3\/3\] Loss: \d+\.\d\d \(β 1\) \| test /m);
    const again = await readJsonLines(join(split, 'metrics.jsonl'));
    const figures = (ms: Record<string, number>[]) => ms.map(({ trainLoss, testLoss, testLossMu, testRecon, testKl, beta, step }) => ({ trainLoss, testLoss, testLossMu, testRecon, testKl, beta, step }));
    expect(figures(again)).toEqual(figures(metrics));

    const conflicting = await runCli(['train', '--resume', split, '--epochs', '4', '--kl-warmup', '3']);
    expect(conflicting.code).toBe(2);
    expect(conflicting.stderr).toContain("--kl-warmup 3 differs from the resumed run's 2");
  });

  it('without it (or with 0) β is constant, recorded per epoch, and not printed', async () => {
    const out = join(work, 'no-warmup');
    const run = await runCli([...QUICK, '--epochs', '1', '--beta', '0.5', '--out', out]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^Epoch \[1\/1\] Loss: \d+\.\d\d \| test /m);
    expect(run.stdout).not.toContain('β');
    expect((await readJsonLines(join(out, 'metrics.jsonl'))).map((m) => m.beta)).toEqual([0.5]);
    expect(JSON.parse(await readFile(join(out, 'config.json'), 'utf8')).settings.klWarmupEpochs).toBe(0);
  });

  it.each([['-1'], ['1.5'], ['two']])('--kl-warmup %s exits 2 with one line saying what is expected', async (value) => {
    const { code, stderr } = await runCli([...QUICK, '--kl-warmup', value, '--out', join(work, 'refused')]);
    expect(code).toBe(2);
    const errors = stderr.split('\n').filter((l) => l.startsWith('error:'));
    expect(errors).toEqual([`error: option '--kl-warmup <epochs>' argument '${value}' is invalid. expected an integer ≥ 0.`]);
    expect(stderr).not.toMatch(/^\s+at /m);
    expect(existsSync(join(work, 'refused'))).toBe(false);
  });
});
