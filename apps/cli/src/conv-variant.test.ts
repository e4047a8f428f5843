import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decode } from 'fast-png';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isNativeAvailable } from '@vae/native';
import { runCli } from './testing/run-cli.js';

// `vae train --model conv` end to end from the built CLI, on the real MNIST files: the native
// engine has no conv kernels, declines saying so, and the next engine (wasm) trains it.
const MNIST = join(dirname(fileURLToPath(import.meta.url)), '../../../../shared/data/mnist');
const haveMnist = existsSync(join(MNIST, 'train-images-idx3-ubyte.gz'));

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'vae-conv-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe.skipIf(!haveMnist)(`vae train --model conv on MNIST${haveMnist ? '' : ` (skipped: no MNIST files in ${MNIST})`}`, () => {
  it('trains for 3 epochs with the loss falling, saves its description, and the explore commands read it', async () => {
    const run = join(work, 'conv');
    const train = await runCli([
      'train', '--model', 'conv', '--data', 'dir', '--data-dir', MNIST, '--train-size', '1536', '--test-size', '300',
      '--epochs', '3', '--sample-every', '3', '--out', run,
    ]);
    expect(train.code, train.stderr).toBe(0);
    if (isNativeAvailable()) {
      expect(train.stderr).toContain('not native: cannot train this run: the C++ core has kernels for dense layers only (an MLP VAE): layer "encoder.conv0" is conv2d');
    }
    expect(train.stderr).toMatch(/backend: wasm/);
    const metrics = (await readFile(join(run, 'metrics.jsonl'), 'utf8')).trim().split('\n').map((line) => JSON.parse(line) as { testLoss: number; trainLoss: number });
    expect(metrics).toHaveLength(3);
    expect(metrics[2]!.testLoss).toBeLessThan(metrics[0]!.testLoss - 5);
    expect(metrics[2]!.trainLoss).toBeLessThan(metrics[0]!.trainLoss);
    const modelJson = JSON.parse(await readFile(join(run, 'model', 'model.json'), 'utf8'));
    expect(modelJson.description.input).toEqual({ height: 28, width: 28, channels: 1 });
    expect(modelJson.description.encoder.map((l: { type: string }) => l.type)).toEqual(['conv2d', 'conv2d', 'dense']);
    const grid = decode(await readFile(join(run, 'samples', 'epoch-003.png')));
    expect([grid.width, grid.height]).toEqual([482, 482]); // 16 × 28 pixels and 15 gaps of 2

    const sample = await runCli(['sample', '--model', run, '--grid', '4', '--out', join(work, 'conv-explore')]);
    expect(sample.code, sample.stderr).toBe(0);
    // The log-likelihood of a conv model runs on tfjs (the native engine has no conv kernels).
    const evaluation = await runCli(['eval', '--model', run, '--data', 'dir', '--data-dir', MNIST, '--test-size', '300', '--n', '20', '--k', '50', '--out', join(work, 'conv-explore')]);
    expect(evaluation.code, evaluation.stderr).toBe(0);
    const report = JSON.parse(await readFile(join(work, 'conv-explore', 'eval-k50-n20-seed0.json'), 'utf8')) as { elbo: { elbo: number }; logLikelihood: { nats: number; computedWith: string } };
    // The same 300 test images as the last epoch's evaluation (other noise draws): about the same ELBO.
    expect(Math.abs(-report.elbo.elbo - metrics[2]!.testLoss)).toBeLessThan(2);
    expect(report.logLikelihood.computedWith).toMatch(/^tfjs/);
    expect(Number.isFinite(report.logLikelihood.nats)).toBe(true);
  });
});
