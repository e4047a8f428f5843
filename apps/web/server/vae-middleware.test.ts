import { mkdir, rm, writeFile } from 'node:fs/promises';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fetchMnist } from '@vae/data';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mnistForPage, type MnistForPage } from './mnist-for-page.js';
import { tempDir, writeMnistDir, writeRun } from './test-fixtures.js';
import { vaeMiddleware } from './vae-middleware.js';

/** GET (or another method) with the path sent exactly as given: fetch would normalize `..` away. */
function rawRequest(url: string, pathname: string, method = 'GET'): Promise<{ status: number; type: string | undefined; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(new URL(url), { path: pathname, method }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, type: res.headers['content-type'], body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('vaeMiddleware (on a node:http server)', () => {
  let url: string;
  let server: Server;
  let cleanup: () => Promise<void>;
  let dataCalls = 0;

  beforeAll(async () => {
    let dir: string;
    ({ dir, cleanup } = await tempDir());
    const runs = path.join(dir, 'runs');
    await writeRun(runs, '2026-01-01T00-00-00', { metrics: [{ epoch: 5, testLoss: 100 }], model: true });
    await writeRun(runs, 'unfinished', { metrics: [{ epoch: 1, testLoss: 150 }], checkpoint: true });
    await writeRun(runs, 'no-checkpoint');
    const halfSaved = await writeRun(runs, 'half-saved', { model: true });
    await rm(path.join(halfSaved, 'model', 'model.json'));
    await writeMnistDir(path.join(dir, 'mnist'), { count: 10 });
    let pageData: Promise<MnistForPage> | undefined;
    const middleware = vaeMiddleware({
      pageData: () => {
        dataCalls++;
        return (pageData ??= mnistForPage({ env: { VAE_DATA_DIR: path.join(dir, 'mnist') }, cacheDir: dir, log: () => {} }));
      },
      runsRoot: runs,
      runsLabel: 'runs',
      sweepsRoot: path.join(dir, 'sweeps'),
    });
    await mkdir(path.join(dir, 'sweeps', 'beta'), { recursive: true });
    await writeFile(path.join(dir, 'sweeps', 'beta', 'sweep.json'), JSON.stringify({ tool: 'vae sweep', name: 'beta', createdAt: '2026-02-03T00:00:00.000Z', seeds: [1], runs: [{ id: 'beta-1_seed-1', configuration: 'beta-1', seed: 1 }] }));
    server = createServer((req, res) => middleware(req, res, () => res.writeHead(418).end('next')));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    await cleanup();
  });

  it('lists the sweeps beside the runs (GET api/sweeps)', async () => {
    const response = await fetch(`${url}api/sweeps`);
    expect(response.headers.get('content-type')).toMatch(/application\/json/);
    expect(await response.json()).toEqual([{ name: 'beta', createdAt: '2026-02-03T00:00:00.000Z', runs: 1, finished: 0, configurations: ['beta-1'], seeds: [1], hasReport: false }]);
    expect((await fetch(`${url}api/sweeps`, { method: 'POST' })).status).toBe(405);
  });

  it('serves the manifest and the files so that fetchMnist reads them', async () => {
    const manifest = await fetch(`${url}data/mnist.json`);
    expect(manifest.headers.get('content-type')).toBe('application/json');
    expect(await manifest.json()).toMatchObject({ source: { kind: 'dir' }, train: 10, test: 5 });
    const data = await fetchMnist(`${url}data/`);
    expect([data.train.count, data.test.count, data.source.kind]).toEqual([10, 5, 'url']);
    const file = await fetch(`${url}data/t10k-labels-idx1-ubyte.gz?cache=1`);
    expect([file.status, file.headers.get('content-type')]).toEqual([200, 'application/octet-stream']);
    const head = await fetch(`${url}data/mnist.json`, { method: 'HEAD' });
    expect([head.status, Number(head.headers.get('content-length')) > 0, await head.text()]).toEqual([200, true, '']);
  });

  it('answers 404 JSON for other data files, including traversal attempts', async () => {
    const missing = await fetch(`${url}data/secret.txt`);
    expect(missing.status).toBe(404);
    expect((await missing.json()).error).toMatch(/^data\/secret\.txt: no such file; the page's data is data\/mnist\.json and the files it names \(train-images/);
    for (const p of ['/data/../package.json', '/data/..%2F..%2Fpackage.json', '/data/%2e%2e', '/data/sub/dir.gz', '/data/']) {
      expect((await rawRequest(url, p)).status, p).toBe(404);
    }
    expect((await rawRequest(url, '/data/mnist.json', 'POST')).status).toBe(405);
  });

  it('lists the runs, newest first', async () => {
    const res = await fetch(`${url}api/runs`);
    expect([res.status, res.headers.get('content-type')]).toEqual([200, 'application/json']);
    const runs = (await res.json()) as { name: string; hasModel: boolean }[];
    expect(runs.map((r) => r.name).sort()).toEqual(['2026-01-01T00-00-00', 'half-saved', 'no-checkpoint', 'unfinished']);
    expect(runs.find((r) => r.name === '2026-01-01T00-00-00')).toMatchObject({ hasModel: true, epochsDone: 5, finalTestLoss: 100 });
  });

  it("serves a finished run's model.json and weights.bin", async () => {
    const json = await fetch(`${url}api/runs/2026-01-01T00-00-00/model/model.json`);
    expect([json.status, json.headers.get('content-type')]).toEqual([200, 'application/json']);
    expect(await json.json()).toEqual({ format: 'vae', name: '2026-01-01T00-00-00' });
    const weights = await fetch(`${url}api/runs/2026-01-01T00-00-00/model/weights.bin`);
    expect([weights.headers.get('content-type'), [...new Uint8Array(await weights.arrayBuffer())]]).toEqual(['application/octet-stream', [1, 2, 3, 4]]);
  });

  it('says what is missing, naming the run and what to do', async () => {
    const error = async (p: string, status = 404) => {
      const res = await rawRequest(url, p);
      expect([res.status, res.type], p).toEqual([status, 'application/json']);
      return (JSON.parse(res.body) as { error: string }).error;
    };
    expect(await error('/api/runs/unfinished/model/model.json')).toBe(
      'runs/unfinished has no model/ (the run did not finish; resume it with pnpm --filter cli train --resume runs/unfinished)',
    );
    expect(await error('/api/runs/no-checkpoint/model/weights.bin')).toMatch(/^runs\/no-checkpoint has no model\/ \(the run stopped before its first checkpoint/);
    expect(await error('/api/runs/half-saved/model/model.json')).toMatch(/^runs\/half-saved\/model has no model\.json/);
    expect(await error('/api/runs/nope/model/model.json')).toMatch(/^no run named "nope" in runs/);
    expect(await error('/api/runs/unfinished/config.json')).toMatch(/no such file; a run serves only model\/model\.json and model\/weights\.bin/);
    expect(await error('/api/runs/unfinished/model/../config.json')).toMatch(/no such file/);
  });

  it('refuses run names that would leave the runs root', async () => {
    for (const p of ['/api/runs/../model/model.json', '/api/runs/..%2F..%2Fetc/model/model.json', '/api/runs/%2e%2e/model/weights.bin', '/api/runs/a%5Cb/model/model.json', '/api/runs/%E0%A4%A/model/model.json']) {
      const res = await rawRequest(url, p);
      expect(res.status, p).toBe(400);
      expect(JSON.parse(res.body).error, p).toMatch(/is not a run name; expected the name of a directory in runs/);
    }
  });

  it('leaves every other URL to the next middleware, and reads the data only when asked', async () => {
    const calls = dataCalls;
    for (const p of ['/', '/index.html', '/database', '/api/other', '/data']) expect((await rawRequest(url, p)).status, p).toBe(418);
    expect(dataCalls).toBe(calls);
  });
});
