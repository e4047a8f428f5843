import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decode } from 'fast-png';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isNativeAvailable, nativeLoadError } from '@vae/native';
import { CLI_MAIN as MAIN, runCli, type CliExit as Exit } from './testing/run-cli.js';

// The subcommands that work on a saved model, run from the built CLI on two small models trained
// here on the embedded digits: a 2-D latent space (the classic pictures) and the default 20-D one.

async function ok(args: string[]): Promise<Exit> {
  const exit = await runCli(args);
  if (exit.code !== 0) throw new Error(`vae ${args.join(' ')} exited ${exit.code}:\n${exit.stderr}`);
  return exit;
}

/** The PNG's size, and whether it has both dark and light pixels (not blank). */
async function png(file: string) {
  const image = decode(await readFile(file));
  const { width, height, channels } = image;
  let min = 255;
  let max = 0;
  let coloured = 0;
  for (let i = 0; i < width * height; i++) {
    const px = Array.from(image.data.subarray(i * channels, i * channels + Math.min(3, channels)));
    min = Math.min(min, ...px);
    max = Math.max(max, ...px);
    if (channels >= 3 && Math.max(...px) - Math.min(...px) > 60) coloured++;
  }
  return { width, height, blank: max - min < 100, coloured };
}

const DATA = ['--data', 'embedded', '--test-size', '300'];
const native = isNativeAvailable();
let work: string;
let run2d: string;
let run20d: string;

beforeAll(async () => {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: build the CLI first (pnpm build)`);
  work = await mkdtemp(join(tmpdir(), 'vae-explore-test-'));
  run2d = join(work, 'run-2d');
  run20d = join(work, 'run-20d');
  const quick = ['--data', 'embedded', '--train-size', '3000', '--test-size', '300', '--backend', 'wasm', '--sample-every', '100'];
  await Promise.all([
    ok(['train', ...quick, '--epochs', '3', '--latent-dim', '2', '--out', run2d]),
    ok(['train', ...quick, '--epochs', '2', '--out', run20d]),
  ]);
}, 300_000);
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('vae sample / reconstruct / interpolate / manifold / latent', () => {
  it('sample: an N×N grid of 28×28 tiles, written to the run’s explore/ folder', async () => {
    const { stdout } = await ok(['sample', '--model', run20d, '--grid', '4', '--temperature', '0.8', '--backend', 'wasm']);
    const file = join(run20d, 'explore', 'samples-4x4-t0.8-seed0.png');
    expect(stdout).toContain(`wrote ${file}`);
    expect(await png(file)).toMatchObject({ width: 4 * 30 + 2, height: 4 * 30 + 2, blank: false });
    // The same command again replaces the file and says so.
    expect((await ok(['sample', '--model', join(run20d, 'model'), '--grid', '4', '--temperature', '0.8', '--backend', 'wasm'])).stdout).toContain(`replaced ${file}`);
  });

  it('reconstruct: rows of originals, each above its reconstructions', async () => {
    const out = join(work, 'pictures');
    await ok(['reconstruct', '--model', run20d, ...DATA, '--count', '6', '--columns', '3', '--start', '10', '--out', out, '--backend', 'wasm']);
    expect(await png(join(out, 'reconstructions-10-15.png'))).toMatchObject({ width: 3 * 30 + 2, height: 4 * 30 + 2, blank: false });
  });

  it('interpolate: by digit and by index, linear and spherical, originals at both ends', async () => {
    const out = join(work, 'pictures');
    const { stderr } = await ok(['interpolate', '--model', run2d, ...DATA, '--from-digit', '3', '--to-digit', '7', '--steps', '5', '--out', out, '--backend', 'wasm']);
    const [, a, b] = /test image (\d+) \(a 3\) → (\d+) \(a 7\)/.exec(stderr) ?? [];
    expect(a).toBeDefined();
    expect(await png(join(out, `interpolation-${a}-to-${b}-linear-5.png`))).toMatchObject({ width: 7 * 30 + 2, height: 32, blank: false });
    await ok(['interpolate', '--model', run20d, ...DATA, '--from', '0', '--to', '1', '--mode', 'spherical', '--out', out, '--backend', 'wasm']);
    expect(await png(join(out, 'interpolation-0-to-1-spherical-10.png'))).toMatchObject({ width: 12 * 30 + 2, height: 32 });
  });

  it('interpolate with no endpoints: the first test image and the next of another digit, named in the output', async () => {
    const out = join(work, 'pictures-default');
    const { stderr } = await ok(['interpolate', '--model', run20d, ...DATA, '--steps', '4', '--out', out, '--backend', 'wasm']);
    const [, a, da, b, db] = /test image (\d+) \(a (\d)\) → (\d+) \(a (\d)\)/.exec(stderr) ?? [];
    expect(a).toBe('0');
    expect(db).not.toBe(da);
    expect(await png(join(out, `interpolation-0-to-${b}-linear-4.png`))).toMatchObject({ width: 6 * 30 + 2, height: 32, blank: false });
    // One end given: the other is the first image of another digit.
    const one = await ok(['interpolate', '--model', run20d, ...DATA, '--steps', '4', '--to-digit', da!, '--out', out, '--backend', 'wasm']);
    const [, , fromDigit, , toDigit] = /test image (\d+) \(a (\d)\) → (\d+) \(a (\d)\)/.exec(one.stderr) ?? [];
    expect([toDigit, fromDigit === da]).toEqual([da, false]);
  });

  it('manifold: the decoded grid over two latent dimensions, no gaps', async () => {
    await ok(['manifold', '--model', run2d, '--grid', '6', '--backend', 'wasm']);
    expect(await png(join(run2d, 'explore', 'manifold-6x6-z0-z1.png'))).toMatchObject({ width: 6 * 28, height: 6 * 28, blank: false });
    await ok(['manifold', '--model', run20d, '--grid', '3', '--dims', '4,7', '--backend', 'wasm']);
    expect(existsSync(join(run20d, 'explore', 'manifold-3x3-z4-z7.png'))).toBe(true);
  });

  it('latent: a scatter as SVG and PNG, the latent axes in 2-D, principal components above', async () => {
    await ok(['latent', '--model', run2d, ...DATA, '--backend', 'wasm']);
    const svg2d = await readFile(join(run2d, 'explore', 'latent-300.svg'), 'utf8');
    expect(svg2d).toContain('z₁');
    expect(svg2d.match(/<circle/g)?.length).toBeGreaterThanOrEqual(300);
    const image = await png(join(run2d, 'explore', 'latent-300.png'));
    expect(image).toMatchObject({ width: 720, height: 600, blank: false });
    expect(image.coloured).toBeGreaterThan(200);
    await ok(['latent', '--model', run20d, ...DATA, '--n', '200', '--backend', 'wasm']);
    expect(await readFile(join(run20d, 'explore', 'latent-200.svg'), 'utf8')).toMatch(/PC 1 \(\d+ % of variance\)/);
  });
});

describe('vae eval', () => {
  const evalArgs = (k: number, backend: string) => ['eval', '--model', run20d, ...DATA, '--k', String(k), '--n', '40', '--backend', backend];
  const readReport = async (k: number) =>
    JSON.parse(await readFile(join(run20d, 'explore', `eval-k${k}-n40-seed0.json`), 'utf8')) as {
      elbo: { elbo: number; recon: number; kl: number };
      logLikelihood: { nats: number; standardError: number; elboSameImages: number; samples: number; images: number };
      targets: { description: string };
    };

  it('prints the ELBO and the importance-weighted bound, which is above the ELBO and rises with K', async () => {
    const { stdout } = await ok(evalArgs(200, 'wasm'));
    expect(stdout).toMatch(/ELBO, z sampled: -\d+\.\d\d nats per image \(recon \d+\.\d\d, KL \d+\.\d\d\)/);
    expect(stdout).toMatch(/log p\(x\) ≥ -\d+\.\d\d ± \d+\.\d\d nats per image/);
    expect(stdout).toContain('grey levels in [0, 1]');
    await ok(evalArgs(5, 'wasm'));
    const [k200, k5] = [await readReport(200), await readReport(5)];
    expect(k200.logLikelihood).toMatchObject({ samples: 200, images: 40 });
    expect(k200.logLikelihood.nats).toBeGreaterThan(k200.logLikelihood.elboSameImages);
    expect(k200.logLikelihood.nats).toBeGreaterThan(k5.logLikelihood.nats);
    expect(k200.elbo.recon).toBeGreaterThan(0);
    expect(k200.elbo.kl).toBeGreaterThan(0);
    expect(k200.logLikelihood.nats).toBeLessThan(0);
  });

  it.skipIf(!native && !process.env.CI)(`the native forward pass agrees with tfjs${native ? '' : ` (skipped: ${nativeLoadError()})`}`, async () => {
    await ok(evalArgs(200, 'wasm'));
    const wasm = await readReport(200);
    const { stderr } = await ok(evalArgs(200, 'native'));
    expect(stderr).toContain('with the native addon');
    const nat = await readReport(200);
    // Same draws, same weights: float32 rounding only.
    expect(Math.abs(nat.logLikelihood.nats - wasm.logLikelihood.nats)).toBeLessThan(0.01);
  });
});

describe('subcommands: errors are one line', () => {
  it.each([
    [['sample', '--model', '/nonexistent/run'], 1, 'error: --model /nonexistent/run: no such file or directory'],
    [['sample'], 2, "required option '--model <path>' not specified"],
    [['interpolate', '--model', '__RUN__', '--from', '1', '--from-digit', '3', '--data', 'embedded'], 2, 'error: give only one of --from <index> or --from-digit <digit>'],
    [['manifold', '--model', '__RUN__', '--dims', '0,0'], 2, 'error: --dims 0,0: expected two different latent dimensions in 0–19'],
    [['reconstruct', '--model', '__RUN__', ...DATA, '--start', '299', '--count', '2'], 2, 'error: --start 299 --count 2: the test set has 300 images'],
  ])('%j → exit %i', async (args, code, message) => {
    const exit = await runCli([...args.map((a) => (a === '__RUN__' ? run20d : a)), '--backend', 'wasm']);
    expect(exit.stderr).toContain(message);
    expect(exit.stderr).not.toMatch(/\n\s+at /);
    expect(exit.code).toBe(code);
  });
});
