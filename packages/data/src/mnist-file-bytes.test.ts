import { gzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { fixtureImages, fixtureLabels } from '../test-support/fixtures.js';
import { DataError } from './errors.js';
import { encodeIdx } from './idx.js';
import { mnistFromFileBytes } from './mnist-file-bytes.js';

const source = { kind: 'files' as const, description: 'dropped files' };

/** The four files of a small dataset; `gzip` picks which are gzipped. */
function files(gzip: boolean, side = 28) {
  const images = (n: number, s: number) => encodeIdx({ kind: 'images', dims: [n, s, s], data: fixtureImages((n * s * s) / 784).subarray(0, n * s * s) });
  const labels = (n: number) => encodeIdx({ kind: 'labels', dims: [n], data: fixtureLabels(n) });
  const maybeGzip = (bytes: Uint8Array) => (gzip ? gzipSync(bytes) : bytes);
  return {
    trainImages: maybeGzip(images(20, 28)),
    trainLabels: maybeGzip(labels(20)),
    testImages: maybeGzip(images(8, side)),
    testLabels: maybeGzip(labels(8)),
  };
}

function messageOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(DataError);
    return (err as DataError).message;
  }
  throw new Error('expected a DataError, nothing was thrown');
}

describe('mnistFromFileBytes', () => {
  it('reads raw and gzipped IDX files, keeping the source given', () => {
    for (const gzip of [false, true]) {
      const data = mnistFromFileBytes(files(gzip), source);
      expect([data.train.count, data.test.count, data.train.rows, data.train.cols]).toEqual([20, 8, 28, 28]);
      expect(data.train.images).toEqual(fixtureImages(20));
      expect(data.test.labels).toEqual(fixtureLabels(8));
      expect(data.source).toEqual(source);
    }
  });

  it('accepts a mix of gzipped and raw files', () => {
    const mixed = { ...files(true), testLabels: files(false).testLabels };
    expect(mnistFromFileBytes(mixed, source).test.count).toBe(8);
  });

  it('names the file and what was expected when a file is not IDX', () => {
    const html = new TextEncoder().encode('<!DOCTYPE html><title>404</title>');
    expect(messageOf(() => mnistFromFileBytes({ ...files(true), trainImages: html }, source))).toMatch(
      /^train-images: not an IDX images file \(magic \d+ = 0x3c21444f\); expected the MNIST-format train-images-idx3-ubyte\(\.gz\), magic 2051 \(or 2052 for images with channels\)$/,
    );
  });

  it('says so when labels are where images belong (swapped dropped files)', () => {
    const f = files(false);
    expect(messageOf(() => mnistFromFileBytes({ ...f, testImages: f.testLabels }, source))).toMatch(
      /^test-images: not an IDX images file \(magic 2049 = 0x00000801 \(an IDX labels file\)\); expected the MNIST-format t10k-images-idx3-ubyte\(\.gz\)/,
    );
  });

  it('names the file of corrupt gzip and of a truncated IDX file', () => {
    const f = files(true);
    expect(messageOf(() => mnistFromFileBytes({ ...f, trainLabels: f.trainLabels.subarray(0, 12) }, source))).toMatch(/^train-labels: corrupt or truncated gzip/);
    const raw = files(false);
    expect(messageOf(() => mnistFromFileBytes({ ...raw, testImages: raw.testImages.subarray(0, 100) }, source))).toMatch(
      /^test-images: expected 6272 bytes of pixels .*truncated.*; expected the MNIST-format t10k-images-idx3-ubyte\(\.gz\)$/,
    );
  });

  it('refuses images and labels of different counts, and splits of different image sizes', () => {
    const f = files(false);
    expect(messageOf(() => mnistFromFileBytes({ ...f, testLabels: f.trainLabels }, source))).toMatch(/^test: 8 images but 20 labels/);
    expect(messageOf(() => mnistFromFileBytes(files(false, 14), source))).toMatch(/^test-images: images are 14×14 but train-images are 28×28/);
  });

  it('reads images with channels (4 dims, channels last), gzipped or not', () => {
    const rgb = (n: number, channels = 3) =>
      encodeIdx({ kind: 'images', dims: [n, 4, 5, channels], data: Uint8Array.from({ length: n * 20 * channels }, (_, i) => (i * 13) % 256) });
    const labels = (n: number) => encodeIdx({ kind: 'labels', dims: [n], data: fixtureLabels(n) });
    for (const gzip of [false, true]) {
      const maybeGzip = (bytes: Uint8Array) => (gzip ? gzipSync(bytes) : bytes);
      const data = mnistFromFileBytes(
        { trainImages: maybeGzip(rgb(6)), trainLabels: maybeGzip(labels(6)), testImages: maybeGzip(rgb(2)), testLabels: maybeGzip(labels(2)) },
        source,
      );
      expect([data.train.count, data.train.rows, data.train.cols, data.train.channels, data.test.channels]).toEqual([6, 4, 5, 3, 3]);
      expect(data.train.images.length).toBe(6 * 60);
      expect(data.train.images[61]).toBe((61 * 13) % 256);
    }
    // Labels where images belong are still named; an images file with channels is named as images.
    const f = files(false);
    expect(messageOf(() => mnistFromFileBytes({ ...f, testLabels: rgb(8) }, source))).toMatch(
      /^test-labels: not an IDX labels file \(magic 2052 = 0x00000804 \(an IDX images file\)\); expected the MNIST-format t10k-labels-idx1-ubyte\(\.gz\), magic 2049$/,
    );
  });

  it('refuses train and test images with different channel counts, naming both files', () => {
    const rgb = encodeIdx({ kind: 'images', dims: [8, 28, 28, 3], data: new Uint8Array(8 * 784 * 3) });
    expect(messageOf(() => mnistFromFileBytes({ ...files(true), testImages: rgb }, source))).toBe(
      'test-images: images have 3 channels but train-images have 1 channel (grey); expected both splits of one dataset (the same number of channels)',
    );
  });

  it('refuses an empty split', () => {
    const empty = {
      ...files(true),
      trainImages: encodeIdx({ kind: 'images', dims: [0, 28, 28], data: new Uint8Array(0) }),
      trainLabels: encodeIdx({ kind: 'labels', dims: [0], data: new Uint8Array(0) }),
    };
    expect(messageOf(() => mnistFromFileBytes(empty, source))).toMatch(/^train: no images to train or test on \(dims 0×28×28\)/);
  });

  it('names the file and what was expected when gzip data is corrupt', () => {
    const f = files(true);
    const bad = f.testImages.slice();
    bad[bad.length - 5]! ^= 0xff; // in the trailer's length
    expect(messageOf(() => mnistFromFileBytes({ ...f, testImages: bad }, source))).toMatch(
      /^test-images: corrupt or truncated gzip data: .*; expected the MNIST-format t10k-images-idx3-ubyte\(\.gz\)$/,
    );
  });

  it('names a missing file', () => {
    const { testLabels: _, ...three } = files(false);
    expect(messageOf(() => mnistFromFileBytes(three as ReturnType<typeof files>, source))).toMatch(/^test-labels: missing; expected the MNIST-format t10k-labels-idx1-ubyte\(\.gz\)$/);
  });
});
