import { existsSync } from 'node:fs';
import { mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { DataError, encodeIdx, MNIST_FILES, mnistFromFileBytes, parseMnistManifest, type MnistFileRole } from '@vae/data';
import { encodePng } from '@vae/viz';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mnistForPage, type MnistForPage } from './mnist-for-page.js';
import { tempDir, writeMnistDir } from './test-fixtures.js';

/** The dataset the page would get from these files, through the browser-side parser. */
function asPageSees({ manifest, files }: MnistForPage) {
  const parsed = parseMnistManifest(JSON.parse(new TextDecoder().decode(files.get('mnist.json'))), 'mnist.json');
  expect(parsed).toEqual(manifest);
  const bytes = Object.fromEntries(Object.entries(manifest.files).map(([role, name]) => [role, files.get(name)!])) as Record<MnistFileRole, Uint8Array>;
  for (const b of Object.values(bytes)) expect([b[0], b[1]]).toEqual([0x1f, 0x8b]);
  return mnistFromFileBytes(bytes, manifest.source);
}

describe('mnistForPage', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let lines: string[];
  const log = (line: string) => lines.push(line);
  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir());
    lines = [];
  });
  afterEach(() => cleanup());

  it('serves VAE_DATA_DIR\'s .gz files as they are, with a manifest naming them', async () => {
    const dataDir = path.join(dir, 'mnist');
    await writeMnistDir(dataDir, { count: 12 });
    const page = await mnistForPage({ env: { VAE_DATA_DIR: dataDir }, cacheDir: path.join(dir, 'cache'), log });
    expect(page.manifest).toEqual({
      source: { kind: 'dir', description: `MNIST-format files in ${dataDir}` },
      files: { trainImages: 'train-images-idx3-ubyte.gz', trainLabels: 'train-labels-idx1-ubyte.gz', testImages: 't10k-images-idx3-ubyte.gz', testLabels: 't10k-labels-idx1-ubyte.gz' },
      train: 12,
      test: 6,
    });
    expect(page.files.get(MNIST_FILES.trainImages.name)).toEqual(new Uint8Array(await readFile(path.join(dataDir, MNIST_FILES.trainImages.name))));
    expect(asPageSees(page).train.count).toBe(12);
    expect(lines).toEqual([`[vae] page data (data/mnist.json): MNIST-format files in ${dataDir} (12 train / 6 test)`]);
  });

  it('decodes a VAE_DATA_DIR that is a folder of images, as the CLI would, and serves it as IDX', async () => {
    const dataDir = path.join(dir, 'images');
    for (let i = 0; i < 20; i++) {
      await mkdir(path.join(dataDir, `class-${i % 2}`), { recursive: true });
      const pixels = Uint8Array.from({ length: 6 * 5 * 3 }, (_, p) => (i * 31 + p * 7) % 256);
      await writeFile(path.join(dataDir, `class-${i % 2}`, `${i}.png`), encodePng({ width: 5, height: 6, channels: 3, pixels }));
    }
    const page = await mnistForPage({ env: { VAE_DATA_DIR: dataDir }, cacheDir: path.join(dir, 'cache'), log });
    expect(page.manifest.source).toEqual({ kind: 'folder', description: `image folder ${dataDir} (6×5 RGB, 2 classes from its subfolders, test split 0.1)` });
    const seen = asPageSees(page);
    expect([seen.train.count + seen.test.count, seen.train.rows, seen.train.cols, seen.train.channels]).toEqual([20, 6, 5, 3]);
  });

  it('gzips raw IDX files', async () => {
    const dataDir = path.join(dir, 'raw');
    await writeMnistDir(dataDir, { count: 8, gzip: false });
    const data = asPageSees(await mnistForPage({ env: { VAE_DATA_DIR: dataDir }, cacheDir: dir, log }));
    expect([data.train.count, data.test.count, data.test.labels[3]]).toEqual([8, 4, 3]);
  });

  it('gzips raw IDX images with channels as 4-dim IDX (the page sees their channels)', async () => {
    const dataDir = path.join(dir, 'colour');
    await mkdir(dataDir);
    const rgb = (n: number) => encodeIdx({ kind: 'images', dims: [n, 3, 2, 3], data: Uint8Array.from({ length: n * 18 }, (_, i) => i % 251) });
    const labels = (n: number) => encodeIdx({ kind: 'labels', dims: [n], data: new Uint8Array(n) });
    const raw = { trainImages: rgb(5), trainLabels: labels(5), testImages: rgb(2), testLabels: labels(2) };
    for (const role of Object.keys(raw) as MnistFileRole[]) await writeFile(path.join(dataDir, MNIST_FILES[role].name.replace(/\.gz$/, '')), raw[role]);
    const data = asPageSees(await mnistForPage({ env: { VAE_DATA_DIR: dataDir }, cacheDir: dir, log }));
    expect([data.train.count, data.train.rows, data.train.cols, data.train.channels, data.test.channels]).toEqual([5, 3, 2, 3, 3]);
    expect(data.train.images).toEqual(Uint8Array.from({ length: 90 }, (_, i) => i % 251));
  });

  it('falls back to the embedded subset without a data dir or cache, never downloading, and says how to get more', async () => {
    const page = await mnistForPage({ env: {}, cacheDir: path.join(dir, 'empty-cache'), log });
    expect(page.manifest.source.kind).toBe('embedded');
    expect([page.manifest.train, page.manifest.test]).toEqual([9000, 1000]);
    expect(asPageSees(page).test.count).toBe(1000);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^\[vae\] page data \(data\/mnist\.json\): .*\(9,000 train \/ 1,000 test\); for full MNIST set VAE_DATA_DIR .* or fill the cache .*empty-cache[/\\]mnist/);
  });

  it('fails with the data dir\'s error when VAE_DATA_DIR is bad (no silent fallback)', async () => {
    await expect(mnistForPage({ env: { VAE_DATA_DIR: path.join(dir, 'missing') }, cacheDir: dir, log })).rejects.toThrow(DataError);
    expect(lines).toEqual([]);
  });

  // The real MNIST, when the project's shared data directory has it (never copied into the repo).
  const REAL = '/work/shared/data/mnist';
  const haveReal = Object.values(MNIST_FILES).every((f) => existsSync(path.join(REAL, f.name)));
  it.skipIf(!haveReal)(`serves the cache's files as they are (real MNIST${haveReal ? '' : `: skipped, absent from ${REAL}`})`, async () => {
    const cacheMnist = path.join(dir, 'cache', 'mnist');
    await mkdir(cacheMnist, { recursive: true });
    for (const f of Object.values(MNIST_FILES)) await symlink(path.join(REAL, f.name), path.join(cacheMnist, f.name));
    const page = await mnistForPage({ env: {}, cacheDir: path.join(dir, 'cache'), log });
    expect(page.manifest).toMatchObject({ source: { kind: 'cache', description: `MNIST from cache ${cacheMnist}` }, train: 60000, test: 10000 });
    expect(page.files.get(MNIST_FILES.testLabels.name)).toEqual(new Uint8Array(await readFile(path.join(REAL, MNIST_FILES.testLabels.name))));
  });
});
