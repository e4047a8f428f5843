import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectOneErrorLine } from '../testing/expect-one-error-line.js';
import { runCli } from '../testing/run-cli.js';
import { writeTinyMnist } from '../testing/tiny-mnist.js';

// `vae sweep` on this machine: runs are `vae train` children on a tiny synthetic MNIST-format set.

let work: string;
let data: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'vae-sweep-'));
  data = join(work, 'data');
  await mkdir(data);
  await writeTinyMnist(data, { train: 2048 });
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

const QUICK = ['--train-size', '256', '--epochs', '2', '--backend', 'wasm', '--sample-every', '100'];
const lastLoss = async (runDir: string) => (JSON.parse((await readFile(join(runDir, 'metrics.jsonl'), 'utf8')).trim().split('\n').at(-1)!) as { testLoss: number }).testLoss;

describe('vae sweep (local)', () => {
  it('--dry-run lists the runs (a grid × seeds, deterministic ids) and writes nothing', async () => {
    const out = join(work, 'dry');
    const exit = await runCli(['sweep', '--data-dir', data, ...QUICK, '--grid', 'beta=1,4', '--grid', 'latent-dim=2,20', '--seeds', '1-2', '--out', out, '--dry-run']);
    expect(exit.code, exit.stderr).toBe(0);
    expect(exit.stdout).toContain('8 runs');
    expect(exit.stdout).toContain('beta-4_latent-dim-2_seed-2  to train: vae train');
    expect(exit.stdout).toMatch(/--beta 4 --latent-dim 2 --seed 2 --out \S+beta-4_latent-dim-2_seed-2/);
    expect(existsSync(out)).toBe(false);
  });

  it('trains a sweep in parallel, writes the report; a second run trains nothing; another sweep in its directory is refused', async () => {
    const out = join(work, 'grid');
    const flags = ['--data-dir', data, ...QUICK, '--grid', 'beta=0.5,2', '--seeds', '1-2', '--out', out];
    const first = await runCli(['sweep', ...flags, '--parallel', '2']);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toContain('2 at a time (--parallel)');
    expect(first.stdout).toContain('4/4 runs finished (4 trained now');
    expect((await readdir(join(out, 'runs'))).sort()).toEqual(['beta-0.5_seed-1', 'beta-0.5_seed-2', 'beta-2_seed-1', 'beta-2_seed-2']);
    const md = await readFile(join(out, 'report', 'summary.md'), 'utf8');
    expect(md).toMatch(/\| beta-0\.5 \| 2 \| 2 \| \d+\.\d\d \| \d+\.\d\d \| \d+\.\d\d – \d+\.\d\d \|/);
    const csv = (await readFile(join(out, 'report', 'summary.csv'), 'utf8')).trim().split('\n');
    expect(csv[0]).toContain('configuration,beta,seeds,runs,epochs,test_loss_mean,test_loss_sd,test_loss_ci95_low,test_loss_ci95_high');
    expect(csv).toHaveLength(3);
    const mean = (await lastLoss(join(out, 'runs', 'beta-2_seed-1')) + (await lastLoss(join(out, 'runs', 'beta-2_seed-2')))) / 2;
    expect(Number(csv[2]!.split(',')[5])).toBeCloseTo(mean, 3);
    for (const file of ['test-loss.svg', 'test-loss.png', 'final-loss.svg', 'final-loss.png', 'runs.csv']) expect(existsSync(join(out, 'report', file)), file).toBe(true);

    const again = await runCli(['sweep', ...flags]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toContain('all 4 runs of');
    expect(again.stdout).toContain('(0 trained now');

    const spec = await readFile(join(out, 'sweep.json'), 'utf8');
    const other = await runCli(['sweep', '--data-dir', data, ...QUICK, '--grid', 'beta=1', '--out', out]);
    expect(expectOneErrorLine(other)).toContain(`--out ${out} holds another sweep ("beta", 4 runs`);
    expect(await readFile(join(out, 'sweep.json'), 'utf8')).toBe(spec);
    expect(await readdir(join(out, 'runs'))).toHaveLength(4);

    const report = await runCli(['sweep', 'report', out]);
    expect(report.code, report.stderr).toBe(0);
    expect(report.stdout).toContain('| beta-2 | 2 | 2 |');
  });

  it('a stopped sweep (Ctrl-C) continues where it stopped: its run resumes from the checkpoint to the loss of an uninterrupted run', async () => {
    const flags = ['--data-dir', data, '--train-size', '2048', '--epochs', '4', '--backend', 'wasm', '--sample-every', '100', '--seeds', '5'];
    const whole = await runCli(['sweep', ...flags, '--out', join(work, 'whole')]);
    expect(whole.code, whole.stderr).toBe(0);
    const out = join(work, 'stopped');
    let child: ChildProcess | undefined;
    const running = runCli(['sweep', ...flags, '--out', out], { onStderr: (_t, c) => (child = c), timeoutMs: 120_000 });
    const metrics = join(out, 'runs', 'seed-5', 'metrics.jsonl');
    for (let i = 0; i < 600 && !(await readFile(metrics, 'utf8').then((t) => t.trim().split('\n').length >= 1, () => false)); i++) await new Promise((r) => setTimeout(r, 100));
    child!.kill('SIGINT');
    const stopped = await running;
    expect(stopped.code, stopped.stderr).toBe(130);
    expect(stopped.stdout).toContain('Stopped: each running run saved a checkpoint. Run the same command to continue the sweep.');
    expect(stopped.stderr).toContain('seed-5: stopped (checkpoint saved)');

    const resumed = await runCli(['sweep', ...flags, '--out', out]);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toContain('seed-5: started (resuming from its checkpoint)');
    expect(await lastLoss(join(out, 'runs', 'seed-5'))).toBe(await lastLoss(join(work, 'whole', 'runs', 'seed-5')));
  });

  it.each([
    [['--grid', 'lerning-rate=1,2'], '--grid lerning-rate=1,2: lerning-rate is not a `vae train` flag; expected one of epochs, batch-size, lr'],
    [['--grid', 'beta=1,x'], "--grid beta=1,x: option '--beta <weight>' argument 'x' is invalid. expected a number ≥ 0."],
    [['--grid', 'model=mlp,rnn'], "--grid model=mlp,rnn: option '--model <kind>' argument 'rnn' is invalid. Allowed choices are mlp, conv."],
    [['--grid', 'seed=1,2'], '--grid seed=1,2: seeds are not a grid setting; give them with --seeds'],
    [['--grid', 'out=a,b'], '--grid out=a,b: --out is set by the sweep for each run; leave it out'],
    [['--seeds', '5-1'], '--seeds 5-1: 5-1 is not a range'],
    [['--grid', 'normalize=unit,symmetric'], 'run normalize-symmetric_seed-0: Bernoulli (BCE) reconstruction needs targets in [0, 1]'],
    [['--lerning-rate', '1'], "unknown option '--lerning-rate'"],
  ])('bad input %j: one line, exit 2, nothing written', async (args, message) => {
    const out = join(work, 'bad');
    const exit = await runCli(['sweep', '--data-dir', data, ...QUICK, ...args, '--out', out]);
    expect(exit.stderr).toContain(message);
    expect(exit.code).toBe(2);
    expect(exit.stderr).not.toMatch(/^\s+at /m);
    expect(existsSync(out)).toBe(false);
  });

  it('a spec file (YAML): base, a list of runs, seeds; a directory holding other files is refused', async () => {
    const spec = join(work, 'list.yaml');
    await writeFile(spec, ['base:', '  epochs: 1', '  train-size: 128', '  backend: wasm', `  data-dir: ${data}`, 'runs:', '  - { beta: 1 }', '  - { beta: 4, latent-dim: 2 }', 'seeds: [3]', ''].join('\n'));
    const dry = await runCli(['sweep', '--spec', spec, '--out', join(work, 'list'), '--dry-run']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain('Sweep list: 2 runs');
    expect(dry.stdout).toContain('beta-4_latent-dim-2_seed-3  to train: vae train --epochs 1 --train-size 128 --backend wasm');
    const busy = join(work, 'busy');
    await mkdir(busy);
    await writeFile(join(busy, 'notes.txt'), 'mine\n');
    const refused = await runCli(['sweep', '--spec', spec, '--out', busy]);
    expect(expectOneErrorLine(refused)).toContain(`--out ${busy} is not empty and holds no sweep`);
    expect(await readFile(join(busy, 'notes.txt'), 'utf8')).toBe('mine\n');
    const bad = join(work, 'bad.yaml');
    await writeFile(bad, 'grid: { betta: [1, 2] }\n');
    expect(expectOneErrorLine(await runCli(['sweep', '--spec', bad]), 2)).toContain('betta is not a `vae train` flag');
  });

  it('vae sweep report on a directory that is not a sweep: one line', async () => {
    const exit = await runCli(['sweep', 'report', work]);
    expect(expectOneErrorLine(exit)).toContain(`${work}: no sweep.json; expected a directory written by \`vae sweep\``);
  });
});
