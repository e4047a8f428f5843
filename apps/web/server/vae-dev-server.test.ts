import { mkdir, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, createServer, preview, resolveConfig, type InlineConfig } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CROSS_ORIGIN_ISOLATION_HEADERS } from './cross-origin-isolation.js';
import { tempDir, writeMnistDir, writeRun } from './test-fixtures.js';
import { vaeDevServer } from './vae-dev-server.js';

const WEB_DIR = fileURLToPath(new URL('..', import.meta.url));
const DATA_FILES = ['data/mnist.json', 'data/t10k-images-idx3-ubyte.gz', 'data/t10k-labels-idx1-ubyte.gz', 'data/train-images-idx3-ubyte.gz', 'data/train-labels-idx1-ubyte.gz'];

describe('vaeDevServer (a Vite plugin, in real Vite)', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let env: Record<string, string>;
  let appRoot: string;
  const lines: string[] = [];
  /** A bare app (one index.html) using the plugin with the fixture data and runs. */
  const appConfig = (extra: InlineConfig = {}, pluginEnv = env): InlineConfig => ({
    configFile: false,
    root: appRoot,
    logLevel: 'silent',
    plugins: [vaeDevServer({ env: pluginEnv, cacheDir: path.join(dir, 'cache'), log: (line) => lines.push(line) })],
    ...extra,
  });

  beforeAll(async () => {
    ({ dir, cleanup } = await tempDir());
    appRoot = path.join(dir, 'app');
    await mkdir(path.join(appRoot, 'dist'), { recursive: true });
    await writeFile(path.join(appRoot, 'index.html'), '<!doctype html><title>t</title><p>app</p>');
    await writeFile(path.join(appRoot, 'dist', 'index.html'), '<!doctype html><title>t</title><p>built</p>');
    await writeMnistDir(path.join(dir, 'mnist'), { count: 10 });
    await writeRun(path.join(dir, 'runs'), 'r1', { metrics: [{ epoch: 5, testLoss: 100 }], model: true });
    env = { VAE_DATA_DIR: path.join(dir, 'mnist'), VAE_RUNS_DIR: path.join(dir, 'runs') };
  });
  afterAll(() => cleanup());

  it('dev server: answers data/ and api/runs under the base, and resolves the data once', async () => {
    const server = await createServer(appConfig({ base: '/app/', server: { port: 0, host: '127.0.0.1' }, optimizeDeps: { noDiscovery: true } }));
    try {
      await server.listen();
      const url = `http://127.0.0.1:${(server.httpServer!.address() as AddressInfo).port}/app/`;
      const manifest = await (await fetch(`${url}data/mnist.json`)).json();
      expect(manifest).toMatchObject({ source: { kind: 'dir' }, train: 10, test: 5 });
      expect((await fetch(`${url}data/train-images-idx3-ubyte.gz`)).status).toBe(200);
      expect(await (await fetch(`${url}api/runs`)).json()).toMatchObject([{ name: 'r1', hasModel: true }]);
      expect((await fetch(`${url}api/runs/r1/model/weights.bin`)).status).toBe(200);
      const missing = await fetch(`${url}api/runs/r2/model/model.json`);
      expect([missing.status, (await missing.json()).error]).toEqual([404, expect.stringMatching(/^no run named "r2" in .*runs/)]);
      expect(await (await fetch(url)).text()).toContain('<p>app</p>');
      expect(lines.filter((l) => l.includes('page data'))).toHaveLength(1);
    } finally {
      await server.close();
    }
  });

  it('preview server: answers data/ and api/runs too', async () => {
    const server = await preview(appConfig({ preview: { port: 0, host: '127.0.0.1' } }));
    try {
      const url = `http://127.0.0.1:${(server.httpServer.address() as AddressInfo).port}/`;
      expect((await fetch(`${url}data/mnist.json`)).status).toBe(200);
      expect(await (await fetch(`${url}api/runs`)).json()).toMatchObject([{ name: 'r1' }]);
      expect(await (await fetch(url)).text()).toContain('<p>built</p>');
    } finally {
      await new Promise<void>((resolve, reject) => server.httpServer.close((err) => (err ? reject(err) : resolve())));
    }
  });

  it('build: emits the manifest and the four files into data/, unless VAE_WEB_NO_DATA=1', async () => {
    const assetNames = async (pluginEnv: Record<string, string>) => {
      const output = await build(appConfig({ build: { write: false, outDir: path.join(dir, 'out') } }, pluginEnv));
      const outputs = (Array.isArray(output) ? output : [output]) as { output: { fileName: string; type: string; source?: unknown }[] }[];
      return outputs.flatMap((o) => o.output).filter((f) => f.fileName.startsWith('data/'));
    };
    const emitted = await assetNames(env);
    expect(emitted.map((f) => f.fileName).sort()).toEqual(DATA_FILES);
    const manifest = emitted.find((f) => f.fileName === 'data/mnist.json')!;
    expect(JSON.parse(new TextDecoder().decode(manifest.source as Uint8Array))).toMatchObject({ train: 10, test: 5 });
    expect(await assetNames({ ...env, VAE_WEB_NO_DATA: '1' })).toEqual([]);
  });
});

describe("apps/web's vite.config.ts", () => {
  it('registers the plugin, module workers, and cross-origin isolation headers for dev and preview', async () => {
    const config = await resolveConfig({ root: WEB_DIR, logLevel: 'silent' }, 'serve');
    expect(config.plugins.map((p) => p.name)).toContain('vae-dev-server');
    expect(config.worker.format).toBe('es');
    expect(config.build.chunkSizeWarningLimit).toBe(1024);
    expect(config.server.headers).toMatchObject(CROSS_ORIGIN_ISOLATION_HEADERS);
    expect(config.preview.headers).toMatchObject(CROSS_ORIGIN_ISOLATION_HEADERS);
  });
});
