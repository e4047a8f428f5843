// The package as a browser gets it: dist/ bundled by Vite (no Node built-ins in the bundle), run in
// headless Chromium from a Web Worker — with cross-origin isolation on 2 threads (the pthread
// worker started from the bundle), without it on the one-thread build, saying why.
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, statSync, createReadStream } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { build, createLogger } from 'vite';
import { afterAll, describe, expect, it } from 'vitest';

const CHROMIUM = '/usr/bin/chromium';
const packageDir = fileURLToPath(new URL('..', import.meta.url));
const haveDist = existsSync(path.join(packageDir, 'dist', 'index.js'));
const skipReason = !existsSync(CHROMIUM)
  ? ` (needs Debian's chromium: apt-get install chromium)`
  : !haveDist
    ? ' (needs dist/: pnpm --filter @vae/native-wasm build)'
    : '';

const work = mkdtempSync(path.join(tmpdir(), 'vae-native-wasm-browser-'));
const servers: Server[] = [];
afterAll(() => {
  for (const s of servers) s.close();
  rmSync(work, { recursive: true, force: true });
});

/** Serves `root` on a free port, with the headers of cross-origin isolation or without. */
async function serve(root: string, isolated: boolean): Promise<string> {
  const types: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm' };
  const server = createServer((request, response) => {
    const url = decodeURIComponent((request.url ?? '/').split('?')[0]!);
    const file = path.join(root, url === '/' ? 'index.html' : url);
    if (!file.startsWith(root) || !existsSync(file) || !statSync(file).isFile()) {
      response.writeHead(404).end();
      return;
    }
    const headers: Record<string, string> = { 'Content-Type': types[path.extname(file)] ?? 'application/octet-stream' };
    if (isolated) Object.assign(headers, { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' });
    response.writeHead(200, headers);
    createReadStream(file).pipe(response);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/`;
}

interface PageResult {
  error?: string;
  crossOriginIsolated: boolean;
  info: { module: string; threads: number; threadsUnavailable?: string };
  threads: number;
  losses: number[];
}

async function runPage(url: string): Promise<PageResult> {
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
  try {
    const page = await browser.newPage();
    const log: string[] = [];
    page.on('console', (m) => log.push(m.text()));
    page.on('pageerror', (e) => log.push(e.message));
    await page.goto(url);
    await page.waitForFunction(() => document.body.dataset.result, undefined, { timeout: 60_000 }).catch((error: unknown) => {
      throw new Error(`no result from the page within 60 s; its log: ${log.join(' | ')}`, { cause: error });
    });
    const result = JSON.parse((await page.evaluate(() => document.body.dataset.result))!) as PageResult;
    if (result.error) throw new Error(`the page's worker failed: ${result.error}`);
    return result;
  } finally {
    await browser.close();
  }
}

describe('in a browser', () => {
  it.skipIf(skipReason !== '')(`bundles with Vite without Node built-ins and trains in a Web Worker, on 2 threads when cross-origin isolated${skipReason}`, async () => {
    const project = path.join(work, 'project');
    cpSync(fileURLToPath(new URL('../test/browser-fixture', import.meta.url)), project, { recursive: true });
    mkdirSync(path.join(project, 'node_modules', '@vae'), { recursive: true });
    symlinkSync(packageDir, path.join(project, 'node_modules', '@vae', 'native-wasm'), 'dir');
    const warnings: string[] = [];
    const logger = createLogger('warn');
    logger.warn = (message) => void warnings.push(message);
    logger.warnOnce = (message) => void warnings.push(message);
    await build({ root: project, configFile: false, customLogger: logger, logLevel: 'warn', worker: { format: 'es' }, build: { outDir: 'dist', target: 'es2022' } });
    expect(warnings.filter((w) => /externalized for browser compatibility|node:/.test(w))).toEqual([]);
    const assets = path.join(project, 'dist', 'assets');
    const scripts = readdirSync(assets).filter((f) => f.endsWith('.js'));
    for (const file of scripts) expect(readFileSync(path.join(assets, file), 'utf8'), file).not.toMatch(/\bfrom\s*["']node:|\bimport\s*["']node:/);
    expect(readdirSync(assets).filter((f) => f.endsWith('.wasm'))).toHaveLength(2);

    const isolated = await runPage(await serve(path.join(project, 'dist'), true));
    expect(isolated.crossOriginIsolated).toBe(true);
    expect(isolated.info).toMatchObject({ module: 'vae-wasm-threads', threads: 2 });
    expect(isolated.threads).toBe(2);
    expect(isolated.losses[29]!).toBeLessThan(isolated.losses[0]! * 0.9);

    const plain = await runPage(await serve(path.join(project, 'dist'), false));
    expect(plain.crossOriginIsolated).toBe(false);
    expect(plain.info.module).toBe('vae-wasm');
    expect(plain.info.threadsUnavailable).toMatch(/^no SharedArrayBuffer: the page is not cross-origin isolated \(serve it with Cross-Origin-Opener-Policy: same-origin/);
    expect(plain.threads).toBe(1);
    // 'split' on 2 threads computes what 1 thread does (wasm-trainer.test.ts): the same losses.
    expect(plain.losses).toEqual(isolated.losses);
  });
});
