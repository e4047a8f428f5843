/**
 * Training speed in the page per backend: `pnpm --filter web bench` (VAE_WEB_BENCH=1; the default
 * test run leaves this file out) runs the measurement recorded in BENCHMARKS.md and writes
 * bench-results/web-bench-<time>.json at the repository root.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createServer, type ViteDevServer } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HAVE_CHROMIUM } from './browser.js';
import { benchPage, type PageBenchCase } from './page-bench.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const ALL_CASES: PageBenchCase[] = [
  { backend: 'native-wasm', threads: 1, batchSize: 64, trainSize: 9000 },
  { backend: 'native-wasm', threads: 2, batchSize: 64, trainSize: 9000 },
  { backend: 'native-wasm', threads: 1, batchSize: 256, trainSize: 9000 },
  { backend: 'native-wasm', threads: 2, batchSize: 256, trainSize: 9000 },
  { backend: 'wasm', threads: 1, batchSize: 64, trainSize: 9000 },
  { backend: 'wasm', threads: 2, batchSize: 64, trainSize: 9000 },
  { backend: 'wasm', threads: 1, batchSize: 256, trainSize: 9000 },
  { backend: 'wasm', threads: 2, batchSize: 256, trainSize: 9000 },
  { backend: 'webgpu', batchSize: 64, trainSize: 640 },
  { backend: 'webgpu', batchSize: 256, trainSize: 1280 },
  { backend: 'webgl', batchSize: 64, trainSize: 640 },
];
/** `VAE_WEB_BENCH_ENGINES=native-wasm,wasm` times those engines only. */
const only = process.env.VAE_WEB_BENCH_ENGINES?.split(',').filter(Boolean);
const CASES = only ? ALL_CASES.filter((c) => only.includes(c.backend)) : ALL_CASES;

let server: ViteDevServer;
let url: string;
beforeAll(async () => {
  if (!HAVE_CHROMIUM) return;
  server = await createServer({ root: ROOT, logLevel: 'warn', server: { port: 0, host: '127.0.0.1' } });
  await server.listen();
  url = `http://127.0.0.1:${(server.httpServer!.address() as AddressInfo).port}/`;
});
afterAll(async () => {
  await server?.close();
});

describe.skipIf(!HAVE_CHROMIUM)(`page speed${HAVE_CHROMIUM ? '' : ' (skipped: /usr/bin/chromium is missing)'}`, () => {
  it('measures samples/s per backend in the page', async () => {
    const results = await benchPage(url, CASES);
    for (const r of results) {
      expect(r.samplesPerSecond).toBeGreaterThan(0);
      console.log(`${r.backend.padEnd(11)} threads ${String(r.threads ?? '-').padEnd(2)} batch ${String(r.batchSize).padStart(3)}  ${Math.round(r.samplesPerSecond).toLocaleString('en-US').padStart(6)} samples/s  (${r.device})`);
    }
    const dir = join(ROOT, '..', '..', 'bench-results');
    await mkdir(dir, { recursive: true });
    const file = join(dir, `web-bench-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
    await writeFile(file, `${JSON.stringify({ date: new Date().toISOString(), cpus: `${cpus().length} × ${cpus()[0]?.model}`, results }, null, 2)}\n`);
    console.log(`results: ${file}`);
  }, 3_600_000);
});
