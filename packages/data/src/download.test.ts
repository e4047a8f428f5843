import { existsSync } from 'node:fs';
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fileSetFor, fixtureFiles, listDir, tempDir } from '../test-support/fixtures.js';
import { closedPortUrl, serveFiles, startServer, type TestServer } from '../test-support/http-server.js';
import { md5Hex } from './checksum.js';
import { downloadMnist, type DownloadEvent } from './download.js';
import { DataError } from './errors.js';

const contents = fixtureFiles(30, 10);
const files = fileSetFor(contents);
const NAMES = [...contents.keys()].sort();

describe('downloadMnist (against servers on 127.0.0.1)', () => {
  let cacheDir: string;
  let cleanup: () => Promise<void>;
  const servers: TestServer[] = [];
  const serve = async (handler: Parameters<typeof startServer>[0]) => {
    const server = await startServer(handler);
    servers.push(server);
    return server;
  };
  beforeEach(async () => ({ dir: cacheDir, cleanup } = await tempDir()));
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
    await cleanup();
  });
  const mnistDir = () => path.join(cacheDir, 'mnist');

  it('downloads into <cacheDir>/mnist, then reuses the cache without any request', async () => {
    const server = await serve(serveFiles(contents));
    const events: DownloadEvent[] = [];
    const first = await downloadMnist({ cacheDir, mirrors: [server.url], files, onProgress: (e) => events.push(e) });
    expect(first.dir).toBe(mnistDir());
    expect(first.downloaded.sort()).toEqual(NAMES);
    expect(server.requests).toHaveLength(4);
    expect(await listDir(mnistDir())).toEqual(NAMES);
    for (const name of NAMES) expect(md5Hex(await readFile(path.join(mnistDir(), name)))).toBe(md5Hex(contents.get(name)!));
    expect(events.filter((e) => e.type === 'done')).toHaveLength(4);
    expect(events.some((e) => e.type === 'progress' && e.total !== undefined && e.received === e.total)).toBe(true);

    const second = await downloadMnist({ cacheDir, mirrors: [server.url], files });
    expect(second.cached.sort()).toEqual(NAMES);
    expect(second.downloaded).toEqual([]);
    expect(server.requests).toHaveLength(4); // no new request
  });

  it('rejects a wrong file by its MD5, deletes it, and names expected and actual sums', async () => {
    const wrong = new Map([...contents].map(([name, bytes]) => [name, bytes.map((b, i) => (i === 20 ? b ^ 1 : b))]));
    const server = await serve(serveFiles(wrong));
    const err = await downloadMnist({ cacheDir, mirrors: [server.url], files }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DataError);
    const name = 'train-images-idx3-ubyte.gz';
    const actual = md5Hex(wrong.get(name)!);
    expect((err as Error).message).toContain(`could not download ${name} into ${mnistDir()}; tried 1 mirror(s):`);
    expect((err as Error).message).toContain(`${server.url}${name}: checksum mismatch: expected MD5 ${files.trainImages.md5}, got ${actual}`);
    expect(await listDir(mnistDir())).toEqual([]); // neither the bad file nor a temp file
  });

  it('falls over to the next mirror after a checksum mismatch', async () => {
    const bad = await serve((_req, res) => res.writeHead(200).end('not the file you wanted'));
    const good = await serve(serveFiles(contents));
    const events: DownloadEvent[] = [];
    const result = await downloadMnist({ cacheDir, mirrors: [bad.url, good.url], files, onProgress: (e) => events.push(e) });
    expect(result.downloaded.sort()).toEqual(NAMES);
    expect(events.find((e) => e.type === 'failed')).toMatchObject({ reason: expect.stringMatching(/^checksum mismatch: expected MD5 [0-9a-f]{32}, got [0-9a-f]{32}/) });
    // Once the good mirror served a file, it is tried first for the rest.
    expect(bad.requests).toHaveLength(1);
    expect(await listDir(mnistDir())).toEqual(NAMES);
  });

  it('falls over from a 404 mirror to a good one', async () => {
    const missing = await serve(serveFiles(new Map()));
    const good = await serve(serveFiles(contents));
    const events: DownloadEvent[] = [];
    await downloadMnist({ cacheDir, mirrors: [missing.url, good.url.replace(/\/$/, '')], files, onProgress: (e) => events.push(e) });
    expect(events.find((e) => e.type === 'failed')).toMatchObject({ reason: 'HTTP 404 Not Found' });
    expect(await listDir(mnistDir())).toEqual(NAMES);
  });

  it('lists every mirror tried and why when all fail', async () => {
    const missing = await serve(serveFiles(new Map()));
    const refused = await closedPortUrl();
    const err = (await downloadMnist({ cacheDir, mirrors: [missing.url, refused], files }).catch((e: unknown) => e)) as Error;
    expect(err).toBeInstanceOf(DataError);
    expect(err.message).toContain('tried 2 mirror(s)');
    expect(err.message).toContain(`${missing.url}train-images-idx3-ubyte.gz: HTTP 404 Not Found`);
    expect(err.message).toMatch(new RegExp(`${refused}train-images-idx3-ubyte\\.gz: network error: fetch failed \\(ECONNREFUSED\\)`));
    // One line however many mirrors failed: the CLI prints a user error as one line.
    expect(err.message).not.toContain('\n');
  });

  it.skipIf(!existsSync('/proc/self'))(`answers at once for a cache under /proc (a recursive mkdir loops forever there)${existsSync('/proc/self') ? '' : ' (skipped: no procfs here)'}`, async () => {
    const started = Date.now();
    const err = (await downloadMnist({ cacheDir: '/proc/vae-x', mirrors: ['http://127.0.0.1:9/'], files }).catch((e: unknown) => e)) as Error;
    expect(err).toBeInstanceOf(DataError);
    expect(err.message).toBe('/proc/vae-x/mnist: cannot create the MNIST cache directory (/proc does not take new directories (ENOENT)); set VAE_CACHE_DIR to a writable place on a real disk');
    expect(Date.now() - started).toBeLessThan(5000);
  }, 10_000);

  it('times out on a server that sends headers and then hangs, leaving no file behind', async () => {
    const server = await serve((_req, res) => {
      res.writeHead(200, { 'content-length': '1000' });
      res.write(new Uint8Array(10)); // then nothing, forever
    });
    const started = Date.now();
    const err = (await downloadMnist({ cacheDir, mirrors: [server.url], files, timeoutMs: 300 }).catch((e: unknown) => e)) as Error;
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(err).toBeInstanceOf(DataError);
    expect(err.message).toContain(`${server.url}train-images-idx3-ubyte.gz: timeout after 300 ms waiting for data (received 10 of 1000 bytes)`);
    expect(await listDir(mnistDir())).toEqual([]);
  });

  it('times out on a server that never answers', async () => {
    const server = await serve(() => {});
    const err = (await downloadMnist({ cacheDir, mirrors: [server.url], files, timeoutMs: 300 }).catch((e: unknown) => e)) as Error;
    expect(err.message).toContain('timeout after 300 ms waiting for a response');
  });

  it('times out even with a fetch that ignores its abort signal', async () => {
    const stall: typeof fetch = async () =>
      new Response(new ReadableStream({ start: (c) => c.enqueue(new Uint8Array(5)) }), { status: 200 });
    const err = (await downloadMnist({ cacheDir, mirrors: ['http://127.0.0.1:9/'], files, timeoutMs: 200, fetch: stall }).catch(
      (e: unknown) => e,
    )) as Error;
    expect(err.message).toContain('timeout after 200 ms waiting for data (received 5 bytes)');
  });

  it('replaces a cached file whose MD5 is wrong', async () => {
    await mkdir(mnistDir(), { recursive: true });
    await writeFile(path.join(mnistDir(), 'train-labels-idx1-ubyte.gz'), 'garbage');
    const server = await serve(serveFiles(contents));
    const events: DownloadEvent[] = [];
    await downloadMnist({ cacheDir, mirrors: [server.url], files, onProgress: (e) => events.push(e) });
    expect(events.find((e) => e.type === 'discarded')).toMatchObject({ file: 'train-labels-idx1-ubyte.gz', reason: expect.stringContaining(md5Hex(new TextEncoder().encode('garbage'))) });
    expect(md5Hex(await readFile(path.join(mnistDir(), 'train-labels-idx1-ubyte.gz')))).toBe(files.trainLabels.md5);
  });

  it('refuses an empty mirror list', async () => {
    await expect(downloadMnist({ cacheDir, mirrors: [], files })).rejects.toThrow(/list of mirrors is empty/);
  });
});
