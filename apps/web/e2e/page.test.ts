/**
 * The page in a real browser: Debian's Chromium, headless, WebGPU on its SwiftShader adapter (slow,
 * but real WebGPU), against the dev server with a CLI run in its runs folder, and once against the
 * production build. Screenshots of each view go to e2e-screenshots/ (not committed).
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { encodeIdx, parseIdx } from '@vae/data';
import { serializeVae, Vae } from '@vae/model';
import { loadVae } from '@vae/model/node';
import { gunzipSync, gzipSync } from 'fflate';
import type { Page } from 'playwright-core';
import { build, createServer, preview, type PreviewServer, type ViteDevServer } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canvasGray, dropFiles, fillSettings, HAVE_CHROMIUM, launch, NO_WEBGPU_ARGS, openPage, waitFor, WEBGPU_ARGS, type Browser } from './browser.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CLI = fileURLToPath(new URL('../../cli/dist/main.js', import.meta.url));
const SCREENSHOTS = join(ROOT, 'e2e-screenshots');
const FASHION = '/usr/share/datasets/fashion-mnist';
const HAVE_FASHION = existsSync(join(FASHION, 'train-images-idx3-ubyte.gz'));
const NO_CHROMIUM = `skipped: ${'/usr/bin/chromium'} is missing (apt-get install chromium)`;

/** The CLI run the page opens and compares against: the embedded digits, wasm, seed 3. */
const CLI_RUN = { name: 'cli-run', trainSize: 512, testSize: 128, epochs: 1, seed: 3 };

let work: string;
let server: ViteDevServer;
let url: string;
const shot = (page: Page, name: string, testId?: string) =>
  (testId ? page.locator(`[data-testid="${testId}"]`) : page).screenshot({ path: join(SCREENSHOTS, `${name}.png`), ...(testId ? {} : { fullPage: true }) });

beforeAll(async () => {
  if (!HAVE_CHROMIUM) return;
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: build the CLI first (pnpm build)`);
  work = await mkdtemp(join(tmpdir(), 'vae-web-e2e-'));
  await mkdir(SCREENSHOTS, { recursive: true });
  const runs = join(work, 'runs');
  // A finished CLI run, and an unfinished one (config but no model) to open by mistake.
  await promisify(execFile)(process.execPath, [
    CLI, 'train', '--data', 'embedded', '--train-size', String(CLI_RUN.trainSize), '--test-size', String(CLI_RUN.testSize),
    '--epochs', String(CLI_RUN.epochs), '--seed', String(CLI_RUN.seed), '--backend', 'wasm', '--out', join(runs, CLI_RUN.name),
  ], { env: { ...process.env, VAE_OFFLINE: '1' } });
  await mkdir(join(runs, 'unfinished'));
  await cp(join(runs, CLI_RUN.name, 'config.json'), join(runs, 'unfinished', 'config.json'));
  process.env.VAE_RUNS_DIR = runs;
  delete process.env.VAE_DATA_DIR; // the embedded digits, as the CLI run used
  server = await createServer({ root: ROOT, logLevel: 'warn', server: { port: 0, host: '127.0.0.1', strictPort: false } });
  await server.listen();
  url = `http://127.0.0.1:${(server.httpServer!.address() as AddressInfo).port}/`;
}, 180_000);

afterAll(async () => {
  await server?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

describe.skipIf(!HAVE_CHROMIUM)(`the web page in Chromium${HAVE_CHROMIUM ? '' : ` (${NO_CHROMIUM})`}`, () => {
  it('trains on WebGPU (SwiftShader): the loss falls, the sample grid changes, pause and resume, the run survives a reload', async () => {
    const browser = await launch(WEBGPU_ARGS);
    try {
      const page = await openPage(browser, `${url}?backend=webgpu`);
      expect(await page.evaluate(() => document.body.dataset.backend)).toBe('webgpu');
      expect(await page.textContent('#backend')).toMatch(/SwiftShader.*software/i);
      await fillSettings(page, { trainSize: 192, testSize: 64, batchSize: 32, epochs: 3, learningRate: 0.003 });
      await page.click('#train');
      await waitFor(page, browser, 'epoch 1', () => Number(document.body.dataset.epochs ?? 0) >= 1, 120_000);
      const firstGrid = await canvasGray(page, 'grid');
      // Mid-epoch 2: pause, then resume.
      await waitFor(page, browser, 'into epoch 2', () => Number(document.body.dataset.step ?? 0) >= 8, 120_000);
      await shot(page, 'training');
      await page.click('#pause');
      await waitFor(page, browser, 'paused', () => document.body.dataset.training === 'paused', 60_000);
      expect(Number(await page.evaluate(() => document.body.dataset.epochs))).toBeLessThan(3);
      await page.click('#resume');
      await waitFor(page, browser, 'done', () => document.body.dataset.training === 'done', 240_000);
      const metrics = await page.evaluate(() => (globalThis as unknown as { vae: { metrics: { epoch: number; trainLoss: number; testLoss: number }[] } }).vae.metrics);
      expect(metrics.map((m) => m.epoch)).toEqual([1, 2, 3]);
      expect(metrics[2]!.testLoss).toBeLessThan(metrics[0]!.testLoss);
      expect(metrics[2]!.trainLoss).toBeLessThan(metrics[0]!.trainLoss);
      const lastGrid = await canvasGray(page, 'grid');
      expect(lastGrid.length).toBe(firstGrid.length);
      expect(lastGrid.filter((v, i) => Math.abs(v - firstGrid[i]!) > 8).length).toBeGreaterThan(1000);
      await shot(page, 'trained');

      // A reload finds the model and its checkpoint kept in IndexedDB.
      await page.reload();
      await waitFor(page, browser, 'ready after reload', () => document.body.dataset.status === 'ready', 120_000);
      expect(await page.textContent('#progress')).toMatch(/Kept from your last visit.*3 epochs/);
      expect(await page.evaluate(() => document.body.dataset.model)).toMatch(/kept in this browser/);
    } finally {
      await browser.close();
    }
  }, 600_000);

  it('gives the CLI’s numbers, opens the CLI’s run, decodes as @vae/model does in Node, and explains a run without a model', async () => {
    const browser = await launch(WEBGPU_ARGS);
    try {
      const page = await openPage(browser, `${url}?backend=wasm`);
      // Same model, data, seed and engine kind as the CLI run: the same test loss, to float32 noise.
      await fillSettings(page, { trainSize: CLI_RUN.trainSize, testSize: CLI_RUN.testSize, epochs: CLI_RUN.epochs, seed: CLI_RUN.seed });
      await page.click('#train');
      await waitFor(page, browser, 'done', () => document.body.dataset.training === 'done', 240_000);
      const [pageEpoch] = await page.evaluate(() => (globalThis as unknown as { vae: { metrics: { testLoss: number; trainLoss: number }[] } }).vae.metrics);
      const cliEpoch = JSON.parse((await readFile(join(work, 'runs', CLI_RUN.name, 'metrics.jsonl'), 'utf8')).trim().split('\n')[0]!) as { testLoss: number; trainLoss: number };
      expect(pageEpoch!.testLoss / cliEpoch.testLoss).toBeCloseTo(1, 5);
      expect(pageEpoch!.trainLoss / cliEpoch.trainLoss).toBeCloseTo(1, 5);

      await page.click(`[data-testid="open-run-${CLI_RUN.name}"]`);
      await waitFor(page, browser, 'CLI model open', () => (document.body.dataset.model ?? '').includes('cli-run'), 60_000);
      const z = Array.from({ length: 8 }, (_, i) => Array.from({ length: 20 }, (_, j) => Math.sin(i * 20 + j)));
      const decodedInPage = await page.evaluate((latents) => (globalThis as unknown as { vae: { decode(z: number[][]): Promise<number[][]> } }).vae.decode(latents), z);
      const model = await loadVae(join(work, 'runs', CLI_RUN.name, 'model'));
      const decodedInNode = tf.tidy(() => model.decode(tf.tensor2d(z))).arraySync();
      model.dispose();
      const diffs = decodedInPage.flatMap((row, i) => row.map((v, j) => Math.abs(v - decodedInNode[i]![j]!)));
      expect(diffs.reduce((a, b) => a + b, 0) / diffs.length).toBeLessThan(1e-3);

      await page.click('[data-testid="open-run-unfinished"]');
      await waitFor(page, browser, 'error shown', () => !!document.body.dataset.error, 30_000);
      expect(await page.textContent('#error')).toMatch(/unfinished has no model/);
    } finally {
      await browser.close();
    }
  }, 400_000);

  it('explores the open model: sliders, interpolation, drawing, the latent scatter; saves it for @vae/model in Node', async () => {
    const browser = await launch([], { downloads: true });
    try {
      const page = await openPage(browser, `${url}?backend=wasm`);
      await page.click(`[data-testid="open-run-${CLI_RUN.name}"]`);
      for (const view of ['sliders', 'interpolation', 'draw', 'scatter']) {
        await waitFor(page, browser, `${view} view ready`, new Function(`return document.querySelector('[data-testid="explore-${view}"]')?.dataset.status === 'ready'`) as () => boolean, 120_000);
      }
      // A slider moves the digit.
      const before = await canvasGray(page, 'latent-digit');
      await page.locator('[data-testid="latent-slider-0"]').fill('2.5');
      await page.locator('[data-testid="latent-slider-1"]').fill('-2.5');
      await page.waitForFunction((b) => {
        const c = document.querySelector('[data-testid="latent-digit"]') as HTMLCanvasElement;
        const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
        let changed = 0;
        for (let i = 0; i < b.length; i++) if (Math.abs(d[i * 4]! - b[i]!) > 8) changed++;
        return changed > 20;
      }, before, { timeout: 30_000 });
      await shot(page, 'explore-sliders', 'explore-sliders');
      // Two picked digits give an interpolation strip.
      await page.click('[data-testid="pick-digit-0"]');
      await page.click('[data-testid="pick-digit-1"]');
      await waitFor(page, browser, 'interpolation strip', () => (document.querySelector('[data-testid="interpolation-strip"]') as HTMLElement | null)?.dataset.status === 'ready', 30_000);
      await shot(page, 'explore-interpolation', 'explore-interpolation');
      // A drawn stroke gets a reconstruction and a place in the scatter.
      await page.locator('[data-testid="draw-canvas"]').scrollIntoViewIfNeeded();
      const box = (await page.locator('[data-testid="draw-canvas"]').boundingBox())!;
      await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.2);
      await page.mouse.down();
      await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.8, { steps: 12 });
      await page.mouse.up();
      await waitFor(page, browser, 'reconstruction', () => (document.querySelector('[data-testid="draw-reconstruction"]') as HTMLElement | null)?.dataset.status === 'ready', 30_000);
      const reconstruction = await canvasGray(page, 'draw-reconstruction');
      expect(Math.max(...reconstruction)).toBeGreaterThan(100);
      expect(await page.locator('[data-testid="latent-scatter"]').getAttribute('data-marker')).toMatch(/^-?\d/);
      await shot(page, 'explore-draw', 'explore-draw');
      await shot(page, 'explore-scatter', 'explore-scatter');

      // Save: the two files the CLI writes, which @vae/model loads in Node to the same decoder.
      const saved = join(work, 'saved-from-page');
      await mkdir(saved);
      const downloads: Promise<void>[] = [];
      page.on('download', (d) => downloads.push(d.saveAs(join(saved, d.suggestedFilename()))));
      await page.click('#save');
      await page.waitForFunction(() => true);
      await expect.poll(() => downloads.length, { timeout: 30_000 }).toBe(2);
      await Promise.all(downloads);
      const model = await loadVae(saved);
      const z = [Array.from({ length: 20 }, (_, j) => Math.cos(j))];
      const inPage = await page.evaluate((latents) => (globalThis as unknown as { vae: { decode(z: number[][]): Promise<number[][]> } }).vae.decode(latents), z);
      const inNode = tf.tidy(() => model.decode(tf.tensor2d(z))).arraySync()[0]!;
      model.dispose();
      expect(Math.max(...inPage[0]!.map((v, j) => Math.abs(v - inNode[j]!)))).toBeLessThan(1e-4);
      // …and the CLI's subcommands take it as they take their own runs.
      const cli = (...args: string[]) => promisify(execFile)(process.execPath, [CLI, ...args, '--backend', 'wasm'], { env: { ...process.env, VAE_OFFLINE: '1' } });
      const { stdout: sampled } = await cli('sample', '--model', saved, '--grid', '3');
      expect(sampled).toContain(`wrote ${join(work, 'explore', 'samples-3x3-t1-seed0.png')}`);
      const { stdout: evaluated } = await cli('eval', '--model', saved, '--data', 'embedded', '--test-size', '20', '--k', '10', '--n', '20');
      expect(evaluated).toMatch(/log p\(x\) ≥ -\d+\.\d\d/);
    } finally {
      await browser.close();
    }
  }, 400_000);

  it('says what is wrong with bad files: not IDX, a model of another version, a model of another shape', async () => {
    const browser = await launch([]);
    try {
      const page = await openPage(browser, `${url}?backend=wasm`);
      const garbage = new TextEncoder().encode('<!doctype html>not data');
      await dropFiles(page, { 'train-images-idx3-ubyte': garbage, 'train-labels-idx1-ubyte': garbage, 't10k-images-idx3-ubyte': garbage, 't10k-labels-idx1-ubyte': garbage });
      await waitFor(page, browser, 'error', () => !!document.body.dataset.error, 30_000);
      expect(await page.textContent('#error')).toMatch(/not an IDX/);

      const model = JSON.parse(await readFile(join(work, 'runs', CLI_RUN.name, 'model', 'model.json'), 'utf8')) as Record<string, unknown>;
      const weights = await readFile(join(work, 'runs', CLI_RUN.name, 'model', 'weights.bin'));
      await dropFiles(page, { 'model.json': new TextEncoder().encode(JSON.stringify({ ...model, formatVersion: 99 })), 'weights.bin': weights });
      await page.waitForFunction(() => /version/.test(document.getElementById('error')!.textContent ?? ''), undefined, { timeout: 30_000 });
      expect(await page.textContent('#error')).toMatch(/model format version 99 is not supported/);

      // A valid model for 20×20 images: it opens, but cannot be explored on 28×28 digits.
      const small = new Vae({ inputDim: 400, latentDim: 4, encoderHidden: [32], decoderHidden: [32] });
      const artifacts = await serializeVae(small);
      small.dispose();
      await dropFiles(page, { 'model.json': new TextEncoder().encode(JSON.stringify(artifacts.modelJson)), 'weights.bin': artifacts.weights });
      await page.waitForFunction(() => /400 values/.test(document.getElementById('error')!.textContent ?? ''), undefined, { timeout: 30_000 });
      expect(await page.textContent('#error')).toMatch(/takes 20×20 images \(400 values\) but the data here is 28×28 \(784\)/);
      await dropFiles(page, { 'notes.txt': new TextEncoder().encode('hi') });
      await page.waitForFunction(() => /notes\.txt/.test(document.getElementById('error')!.textContent ?? ''), undefined, { timeout: 30_000 });
      await shot(page, 'bad-input');
    } finally {
      await browser.close();
    }
  }, 120_000);

  it.skipIf(!HAVE_FASHION)(`trains on dropped Fashion-MNIST files${HAVE_FASHION ? '' : ` (skipped: ${FASHION} is missing: apt-get install dataset-fashion-mnist)`}`, async () => {
    // The first images of each split, as gzipped IDX files with the standard names.
    const subset = async (file: string, count: number) => {
      const idx = parseIdx(gunzipSync(await readFile(join(FASHION, file))));
      const per = idx.dims.slice(1).reduce((a, b) => a * b, 1);
      return gzipSync(encodeIdx({ ...idx, dims: [count, ...idx.dims.slice(1)], data: idx.data.subarray(0, count * per) }));
    };
    const files = {
      'train-images-idx3-ubyte.gz': await subset('train-images-idx3-ubyte.gz', 300),
      'train-labels-idx1-ubyte.gz': await subset('train-labels-idx1-ubyte.gz', 300),
      't10k-images-idx3-ubyte.gz': await subset('t10k-images-idx3-ubyte.gz', 100),
      't10k-labels-idx1-ubyte.gz': await subset('t10k-labels-idx1-ubyte.gz', 100),
    };
    const browser = await launch([]);
    try {
      const page = await openPage(browser, `${url}?backend=wasm`);
      await dropFiles(page, files);
      await waitFor(page, browser, 'dropped data', () => (document.body.dataset.data ?? '').startsWith('dropped files'), 30_000);
      expect(await page.textContent('#data')).toMatch(/300 train \/ 100 test images, 28×28/);
      await fillSettings(page, { epochs: 2 });
      await page.click('#train');
      await waitFor(page, browser, 'done', () => document.body.dataset.training === 'done', 240_000);
      await shot(page, 'fashion-mnist');
      expect(Number(await page.evaluate(() => document.body.dataset.epochs))).toBe(2);
    } finally {
      await browser.close();
    }
  }, 300_000);

  it('without WebGPU: says why and which fallback runs (the fused step in WebAssembly, 2 threads), and trains: the loss falls', async () => {
    const browser = await launch(NO_WEBGPU_ARGS);
    try {
      const page = await openPage(browser, url);
      const fallback = await page.textContent('#fallback');
      // The fused C++ step in WebAssembly, on both threads: the dev server is cross-origin isolated.
      expect(fallback).toMatch(/^Fell back to native-wasm/);
      expect(fallback).toMatch(/webgpu: /i);
      expect(await page.textContent('#backend')).toMatch(/^Engine: native-wasm \(wasm SIMD128, 2 threads; wasm evaluates\)/);
      await fillSettings(page, { trainSize: 1024, testSize: 128, epochs: 2 });
      await page.click('#train');
      await waitFor(page, browser, 'done', () => document.body.dataset.training === 'done', 240_000);
      const metrics = await page.evaluate(() => (globalThis as unknown as { vae: { metrics: { testLoss: number }[] } }).vae.metrics);
      expect(metrics).toHaveLength(2);
      expect(metrics[1]!.testLoss).toBeLessThan(metrics[0]!.testLoss);
      await shot(page, 'fallback');
    } finally {
      await browser.close();
    }
  }, 300_000);
});

describe.skipIf(!HAVE_CHROMIUM)(`the production build${HAVE_CHROMIUM ? '' : ` (${NO_CHROMIUM})`}`, () => {
  let previewServer: PreviewServer | undefined;
  let outDir: string;
  afterAll(async () => {
    await new Promise<void>((resolve) => (previewServer ? previewServer.httpServer.close(() => resolve()) : resolve()));
    if (outDir) await rm(outDir, { recursive: true, force: true });
  });

  it('works as static files: data from dist/data, trains', async () => {
    outDir = await mkdtemp(join(tmpdir(), 'vae-web-dist-'));
    await build({ root: ROOT, logLevel: 'warn', build: { outDir, emptyOutDir: true } });
    expect(existsSync(join(outDir, 'data', 'mnist.json'))).toBe(true);
    previewServer = await preview({ root: ROOT, logLevel: 'warn', build: { outDir }, preview: { port: 0, host: '127.0.0.1' } });
    const previewUrl = `http://127.0.0.1:${(previewServer.httpServer.address() as AddressInfo).port}/`;
    const browser = await launch([]);
    try {
      const page = await openPage(browser, `${previewUrl}?backend=wasm`);
      expect(await page.evaluate(() => document.body.dataset.status)).toBe('ready');
      expect(await page.textContent('#data')).toMatch(/9,000 train \/ 1,000 test/);
      await fillSettings(page, { trainSize: 256, testSize: 64, epochs: 1 });
      await page.click('#train');
      await waitFor(page, browser, 'done', () => document.body.dataset.training === 'done', 240_000);
    } finally {
      await browser.close();
    }
  }, 300_000);
});
