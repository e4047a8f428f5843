import { existsSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'fflate';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fixtureFiles, fixtureImages, tempDir, writeFiles } from '../test-support/fixtures.js';
import { DataError } from './errors.js';
import { encodeIdx } from './idx.js';
import { loadMnistFromDir } from './load-dir.js';

describe('loadMnistFromDir', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeEach(async () => ({ dir, cleanup } = await tempDir()));
  afterEach(() => cleanup());

  it('loads the four .gz files', async () => {
    await writeFiles(dir, fixtureFiles(30, 10));
    const data = await loadMnistFromDir(dir);
    expect([data.train.count, data.test.count, data.train.rows, data.train.cols]).toEqual([30, 10, 28, 28]);
    expect(data.train.images).toEqual(fixtureImages(30));
    expect(data.train.images).not.toBeInstanceOf(Buffer);
    expect(data.source).toEqual({ kind: 'dir', description: `MNIST-format files in ${path.resolve(dir)}` });
  });

  it('accepts uncompressed files (names without .gz)', async () => {
    const raw = new Map([...fixtureFiles(30, 10)].map(([name, gz]) => [name.replace(/\.gz$/, ''), gunzipSync(gz)]));
    await writeFiles(dir, raw);
    const data = await loadMnistFromDir(dir);
    expect([data.train.count, data.test.count]).toEqual([30, 10]);
  });

  it('prefers the .gz file when both are present', async () => {
    await writeFiles(dir, fixtureFiles(30, 10));
    await writeFile(path.join(dir, 'train-labels-idx1-ubyte'), encodeIdx({ kind: 'labels', dims: [1], data: new Uint8Array(1) }));
    expect((await loadMnistFromDir(dir)).train.count).toBe(30);
  });

  it('names the directory and every missing file', async () => {
    const files = fixtureFiles(30, 10);
    files.delete('t10k-images-idx3-ubyte.gz');
    files.delete('train-labels-idx1-ubyte.gz');
    await writeFiles(dir, files);
    await expect(loadMnistFromDir(dir)).rejects.toThrow(DataError);
    await expect(loadMnistFromDir(dir)).rejects.toThrow(
      `${dir}: missing MNIST files: train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz (gzipped or not)`,
    );
  });

  it('rejects a directory that does not exist', async () => {
    await rm(dir, { recursive: true });
    await expect(loadMnistFromDir(dir)).rejects.toThrow(`${dir}: no such directory`);
  });

  it('names the corrupt file', async () => {
    const files = fixtureFiles(30, 10);
    const gz = files.get('train-images-idx3-ubyte.gz')!;
    files.set('train-images-idx3-ubyte.gz', gz.subarray(0, gz.length >> 1));
    await writeFiles(dir, files);
    await expect(loadMnistFromDir(dir)).rejects.toThrow(`${path.join(dir, 'train-images-idx3-ubyte.gz')}: corrupt or truncated gzip data`);
  });

  it('rejects train and test images of different sizes, naming both files', async () => {
    const files = fixtureFiles(30, 10);
    files.set('t10k-images-idx3-ubyte.gz', encodeIdx({ kind: 'images', dims: [10, 20, 28], data: fixtureImages(10).subarray(0, 10 * 560) }, { gzip: true }));
    await writeFiles(dir, files);
    await expect(loadMnistFromDir(dir)).rejects.toThrow(
      new DataError(
        `${path.join(dir, 't10k-images-idx3-ubyte.gz')}: images are 20×28 but ${path.join(dir, 'train-images-idx3-ubyte.gz')} are 28×28; ` +
          'expected both splits of one dataset (the same image size)',
      ),
    );
  });

  it('rejects an empty split', async () => {
    const files = fixtureFiles(30, 10);
    files.set('t10k-images-idx3-ubyte.gz', encodeIdx({ kind: 'images', dims: [0, 28, 28], data: new Uint8Array(0) }, { gzip: true }));
    files.set('t10k-labels-idx1-ubyte.gz', encodeIdx({ kind: 'labels', dims: [0], data: new Uint8Array(0) }, { gzip: true }));
    await writeFiles(dir, files);
    await expect(loadMnistFromDir(dir)).rejects.toThrow(`${dir} (test): no images to train or test on (dims 0×28×28)`);
  });

  it('loads non-square images', async () => {
    const files = fixtureFiles(30, 10);
    const wide = (n: number) => encodeIdx({ kind: 'images', dims: [n, 20, 28], data: fixtureImages(n).subarray(0, n * 560) }, { gzip: true });
    files.set('train-images-idx3-ubyte.gz', wide(30));
    files.set('t10k-images-idx3-ubyte.gz', wide(10));
    await writeFiles(dir, files);
    const data = await loadMnistFromDir(dir);
    expect([data.train.rows, data.train.cols, data.test.rows, data.test.cols]).toEqual([20, 28, 20, 28]);
  });

  it('rejects train images and labels of different counts', async () => {
    const files = fixtureFiles(30, 10);
    files.set('train-labels-idx1-ubyte.gz', encodeIdx({ kind: 'labels', dims: [29], data: new Uint8Array(29) }, { gzip: true }));
    await writeFiles(dir, files);
    await expect(loadMnistFromDir(dir)).rejects.toThrow(`${dir} (train): 30 images but 29 labels`);
  });
});

// The real MNIST files, when the project's shared data directory (beside the project root) has them.
const REAL_MNIST = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../shared/data/mnist');
const haveRealMnist = existsSync(path.join(REAL_MNIST, 'train-images-idx3-ubyte.gz'));

const realTitle = haveRealMnist ? `real MNIST in ${REAL_MNIST}` : `real MNIST: skipped, the files are absent from ${REAL_MNIST}`;

describe.skipIf(!haveRealMnist)(realTitle, () => {
  it('loads 60,000 train / 10,000 test, first train label 5', async () => {
    const data = await loadMnistFromDir(REAL_MNIST);
    expect([data.train.count, data.test.count]).toEqual([60_000, 10_000]);
    expect([data.train.rows, data.train.cols]).toEqual([28, 28]);
    expect(data.train.labels[0]).toBe(5);
    expect(data.test.labels[0]).toBe(7);
  });
});
