import { describe, expect, it } from 'vitest';
import { fixtureImages, fixtureLabels, fixturePixel, PIXELS } from '../test-support/fixtures.js';
import { batches, gatherBatchInto } from './batches.js';
import type { MnistSplit } from './dataset.js';
import { createRng } from './rng.js';

const COUNT = 103;
const split: MnistSplit = { images: fixtureImages(COUNT), labels: fixtureLabels(COUNT), count: COUNT, rows: 28, cols: 28, channels: 1 };

describe('batches', () => {
  it('visits every row exactly once per epoch, with matching pixels and labels', () => {
    const seen = new Array<number>(COUNT).fill(0);
    const sizes: number[] = [];
    for (const { x, labels, size, indices } of batches(split, { batchSize: 10, rng: createRng(1), normalization: 'unit' })) {
      sizes.push(size);
      expect([x.length, labels.length, indices.length]).toEqual([size * PIXELS, size, size]);
      indices.forEach((row, k) => {
        seen[row]!++;
        expect(labels[k]).toBe(row % 10);
        for (const p of [0, 1, 400, PIXELS - 1]) expect(x[k * PIXELS + p]).toBe(Math.fround(fixturePixel(row, p) / 255));
      });
    }
    expect(seen.every((n) => n === 1)).toBe(true);
    expect(sizes).toEqual([10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 3]);
  });

  it('reuses one batch-sized buffer instead of copying the dataset', () => {
    const buffers = new Set<ArrayBufferLike>();
    for (const { x } of batches(split, { batchSize: 16, rng: createRng(1), normalization: 'unit' })) {
      buffers.add(x.buffer);
      expect(x.buffer.byteLength).toBe(16 * PIXELS * Float32Array.BYTES_PER_ELEMENT);
    }
    expect(buffers.size).toBe(1);
  });

  it('drops the short last batch with dropLast', () => {
    const sizes = [...batches(split, { batchSize: 10, rng: createRng(1), normalization: 'unit', dropLast: true })].map((b) => b.size);
    expect(sizes).toEqual(new Array(10).fill(10));
  });

  it('shuffles reproducibly by seed, differently each epoch, and not at all with shuffle: false', () => {
    const order = (rng: ReturnType<typeof createRng>) =>
      [...batches(split, { batchSize: 32, rng, normalization: 'binary' })].flatMap((b) => [...b.indices]);
    const rng = createRng(4);
    const epoch1 = order(rng);
    const epoch2 = order(rng);
    expect(order(createRng(4))).toEqual(epoch1);
    expect(epoch2).not.toEqual(epoch1);
    const inOrder = [...batches(split, { batchSize: 32, normalization: 'unit', shuffle: false })].flatMap((b) => [...b.indices]);
    expect(inOrder).toEqual(Array.from({ length: COUNT }, (_, i) => i));
  });

  it('dynamic-binary batches are reproducible from a saved rng state', () => {
    const rng = createRng(11);
    const state = rng.getState();
    const first = [...batches(split, { batchSize: 50, rng, normalization: 'dynamic-binary' })].map((b) => b.x.slice());
    const again = createRng(0);
    again.setState(state);
    const second = [...batches(split, { batchSize: 50, rng: again, normalization: 'dynamic-binary' })].map((b) => b.x.slice());
    expect(second).toEqual(first);
  });

  it('checks its options when called', () => {
    expect(() => batches(split, { batchSize: 0, rng: createRng(1), normalization: 'unit' })).toThrow(/batchSize must be a positive integer/);
    expect(() => batches(split, { batchSize: 8, normalization: 'unit' })).toThrow(/an rng is required/);
    expect(() => batches(split, { batchSize: 8, normalization: 'dynamic-binary', shuffle: false })).toThrow(/an rng is required/);
  });
});

describe('gatherBatchInto', () => {
  it('gathers the chosen rows, normalized, and returns the filled part', () => {
    const dst = new Float32Array(4 * PIXELS).fill(NaN);
    const out = gatherBatchInto(split, Uint32Array.of(5, 99, 7, 0), 1, 3, 'symmetric', dst);
    expect(out.length).toBe(2 * PIXELS);
    expect(out.buffer).toBe(dst.buffer);
    expect(out[0]).toBeCloseTo(fixturePixel(99, 0) / 127.5 - 1, 6);
    expect(out[PIXELS + 3]).toBeCloseTo(fixturePixel(7, 3) / 127.5 - 1, 6);
    expect(Number.isNaN(dst[2 * PIXELS])).toBe(true); // untouched beyond the batch
  });

  it('gathers images with channels whole: rows·cols·channels values each, channels last', () => {
    // 2 images of 2×3 pixels, 3 channels: image i, pixel p, channel c holds 100·i + 10·p + c.
    const images = Uint8Array.from({ length: 2 * 6 * 3 }, (_, j) => 100 * Math.floor(j / 18) + 10 * Math.floor((j % 18) / 3) + (j % 3));
    const rgb: MnistSplit = { images, labels: Uint8Array.of(0, 1), count: 2, rows: 2, cols: 3, channels: 3 };
    const out = gatherBatchInto(rgb, Uint32Array.of(1, 0), 0, 2, 'unit', new Float32Array(2 * 18));
    expect([...out]).toEqual([...images.subarray(18), ...images.subarray(0, 18)].map((v) => Math.fround(v / 255)));
    expect(out[3 * 4 + 2]).toBe(Math.fround(142 / 255)); // image 1, pixel (1, 1), blue
    const sizes = [...batches(rgb, { batchSize: 2, normalization: 'unit', shuffle: false })].map((b) => b.x.length);
    expect(sizes).toEqual([36]);
  });

  it('reads a split without channels (code written before they existed) as grey', () => {
    const { channels: _, ...old } = split;
    const out = gatherBatchInto(old as MnistSplit, Uint32Array.of(2), 0, 1, 'unit', new Float32Array(PIXELS));
    expect(out.length).toBe(PIXELS);
    expect(out[5]).toBe(Math.fround(fixturePixel(2, 5) / 255));
  });

  it('rejects bad ranges, small buffers and out-of-range rows', () => {
    const dst = new Float32Array(2 * PIXELS);
    expect(() => gatherBatchInto(split, Uint32Array.of(1, 2), 1, 3, 'unit', dst)).toThrow(/expected 0 <= start <= end <= 2/);
    expect(() => gatherBatchInto(split, Uint32Array.of(1, 2, 3), 0, 3, 'unit', dst)).toThrow(/at least 2352/);
    expect(() => gatherBatchInto(split, Uint32Array.of(COUNT), 0, 1, 'unit', dst)).toThrow(/index 103 .*out of range/);
  });
});
