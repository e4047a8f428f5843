import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext } from 'playwright-core';
import { build, preview, type PreviewServer } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/** Debian's package (`apt-get install chromium`); Playwright's own browser downloads are never used. */
const CHROMIUM = '/usr/bin/chromium';
const HAVE_CHROMIUM = existsSync(CHROMIUM);
const ROOT = fileURLToPath(new URL('..', import.meta.url));

const BASE_ARGS = ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
/** WebGPU on Dawn's SwiftShader (CPU Vulkan) adapter, whatever GPU the host has. */
const WEBGPU_ARGS = ['--enable-unsafe-webgpu', '--use-webgpu-adapter=swiftshader'];

interface PageResult {
  status: string | undefined;
  backend: string | undefined;
  backendText: string;
  fallbackText: string | null;
  error: string;
  /** Requests that failed or got an HTTP error (a missing .wasm would show up here). */
  badRequests: string[];
  canvas: { width: number; height: number; alphaMin: number; distinct: number; gray: number[] };
}

/** Opens `url` in a fresh headless Chromium profile, waits for the page to finish, and reads it back. */
async function loadPage(url: string, extraArgs: string[]): Promise<PageResult> {
  const profile = mkdtempSync(join(tmpdir(), 'vae-web-chromium-'));
  let context: BrowserContext | undefined;
  const log: string[] = [];
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: [...BASE_ARGS, ...extraArgs],
    });
    const page = context.pages()[0] ?? (await context.newPage());
    page.on('console', (m) => log.push(`console.${m.type()}: ${m.text()}`));
    page.on('pageerror', (e) => log.push(`pageerror: ${e.message}`));
    const badRequests: string[] = [];
    page.on('requestfailed', (r) => badRequests.push(`${r.url()}: ${r.failure()?.errorText}`));
    page.on('response', (r) => r.status() >= 400 && badRequests.push(`${r.url()}: HTTP ${r.status()}`));
    await page.goto(url);
    try {
      await page.waitForFunction(() => ['ready', 'error'].includes(document.body.dataset.status ?? ''), undefined, { timeout: 50_000 });
    } catch (e) {
      throw new Error(`page never finished (status ${await page.evaluate(() => document.body.dataset.status)}); browser log:\n${log.join('\n')}`, { cause: e });
    }
    const read = await page.evaluate(() => {
      const canvas = document.getElementById('grid') as HTMLCanvasElement;
      const { width, height } = canvas;
      const data = width && height ? canvas.getContext('2d')!.getImageData(0, 0, width, height).data : new Uint8ClampedArray();
      const gray: number[] = [];
      const levels = new Set<number>();
      let alphaMin = 255;
      // The grid is drawn 2× with nearest-neighbour scaling: every other pixel of every other row is the original.
      for (let y = 0; y < height; y += 2) {
        for (let x = 0; x < width; x += 2) {
          const i = (y * width + x) * 4;
          gray.push(data[i]!);
          levels.add(data[i]!);
          alphaMin = Math.min(alphaMin, data[i + 3]!);
        }
      }
      return {
        status: document.body.dataset.status,
        backend: document.body.dataset.backend,
        backendText: document.getElementById('backend')!.textContent ?? '',
        fallbackText: document.getElementById('fallback')!.hidden ? null : document.getElementById('fallback')!.textContent,
        error: document.getElementById('error')!.textContent ?? '',
        canvas: { width, height, alphaMin, distinct: levels.size, gray },
      };
    });
    return { ...read, badRequests };
  } finally {
    await context?.close();
    rmSync(profile, { recursive: true, force: true });
  }
}

function expectGrid(result: PageResult): void {
  expect(result.error).toBe('');
  expect(result.badRequests).toEqual([]);
  expect(result.status).toBe('ready');
  // 16 × 16 tiles of 28 px with 2 px padding = 482 px, drawn at 2×.
  expect(result.canvas.width).toBe(964);
  expect(result.canvas.height).toBe(964);
  expect(result.canvas.alphaMin).toBe(255);
  // Untrained decoder: gray noise around 0.5 between black padding — many levels, not a blank canvas.
  expect(result.canvas.distinct).toBeGreaterThan(20);
}

const title = HAVE_CHROMIUM ? 'web app in headless Chromium' : `web app in headless Chromium (skipped: ${CHROMIUM} not found; apt-get install chromium)`;

describe.skipIf(!HAVE_CHROMIUM)(title, () => {
  let outDir: string;
  let server: PreviewServer;
  let url: string;
  const grids: Record<string, number[]> = {};

  beforeAll(async () => {
    outDir = mkdtempSync(join(tmpdir(), 'vae-web-dist-'));
    // Vitest sets NODE_ENV=test, and Vite would then make a development build; test what `vite build` ships.
    const nodeEnv = process.env.NODE_ENV;
    process.env.NODE_ENV = 'production';
    try {
      await build({ root: ROOT, logLevel: 'warn', build: { outDir, emptyOutDir: true } });
    } finally {
      if (nodeEnv === undefined) delete process.env.NODE_ENV;
      else process.env.NODE_ENV = nodeEnv;
    }
    server = await preview({ root: ROOT, logLevel: 'warn', build: { outDir }, preview: { host: '127.0.0.1', port: 0, open: false } });
    const { port } = server.httpServer.address() as AddressInfo;
    url = `http://127.0.0.1:${port}/`;
  });

  afterAll(async () => {
    await server?.close();
    if (outDir) rmSync(outDir, { recursive: true, force: true });
  });

  it('runs on WebGPU (SwiftShader) when asked for it by name', async () => {
    const result = await loadPage(`${url}?backend=webgpu`, WEBGPU_ARGS);
    expectGrid(result);
    expect(result.backend).toBe('webgpu');
    expect(result.backendText).toMatch(/^Backend: webgpu \(google swiftshader.*, software\)$/i);
    expect(result.fallbackText).toBe('Using webgpu: ?backend=webgpu was asked for.');
    grids.webgpu = result.canvas.gray;
  });

  it('auto passes over a software WebGPU adapter for wasm, saying why (the engine registry the CLI uses)', async () => {
    const result = await loadPage(url, WEBGPU_ARGS);
    expectGrid(result);
    expect(result.backend).toBe('wasm');
    expect(result.fallbackText).toMatch(/^Fell back to wasm: webgpu: google swiftshader.*, software is a software adapter, slower than any CPU engine \(ask for it by name to use it anyway\)\.$/);
  });

  it('falls back to wasm, saying why, when WebGPU has no adapter', async () => {
    // Without --enable-unsafe-webgpu, Linux Chromium (156 here) has navigator.gpu but hands out no adapter.
    const result = await loadPage(url, []);
    expectGrid(result);
    expect(result.backend).toBe('wasm');
    expect(result.fallbackText).toMatch(/^Fell back to wasm: webgpu: (navigator\.gpu\.requestAdapter\(\) found no adapter|this browser has no WebGPU .*)\.$/);
    grids.wasm = result.canvas.gray;
  });

  it('honours ?backend=cpu', async () => {
    const result = await loadPage(`${url}?backend=cpu`, WEBGPU_ARGS);
    expectGrid(result);
    expect(result.backend).toBe('cpu');
    expect(result.fallbackText).toBe('Using cpu: ?backend=cpu was asked for.');
    grids.cpu = result.canvas.gray;
  });

  it('draws the same grid on every backend (same seed, float rounding aside)', () => {
    const [first, ...rest] = Object.entries(grids);
    expect(Object.keys(grids)).toEqual(['webgpu', 'wasm', 'cpu']);
    for (const [name, gray] of rest) {
      let maxDiff = 0;
      gray.forEach((v, i) => (maxDiff = Math.max(maxDiff, Math.abs(v - first![1][i]!))));
      expect(maxDiff, `${name} vs ${first![0]}`).toBeLessThanOrEqual(1);
    }
  });
});
