import { describe, expect, it } from 'vitest';
import { isNormalization, normalizationRange, normalizationTable, normalizeInto, NORMALIZATIONS, type Normalization } from './normalization.js';
import { createRng } from './rng.js';

const ALL_BYTES = Uint8Array.from({ length: 256 }, (_, v) => v);

function normalize(mode: Normalization, src = ALL_BYTES, seed = 1): Float32Array {
  const dst = new Float32Array(src.length);
  normalizeInto(src, dst, mode, createRng(seed));
  return dst;
}

describe('normalizeInto', () => {
  it.each(NORMALIZATIONS)('%s stays inside normalizationRange for every byte', (mode) => {
    const [lo, hi] = normalizationRange(mode);
    const out = normalize(mode);
    expect(Math.min(...out)).toBe(lo);
    expect(Math.max(...out)).toBe(hi);
  });

  it('unit is v/255', () => {
    const out = normalize('unit');
    for (let v = 0; v < 256; v++) expect(out[v]).toBe(Math.fround(v / 255));
  });

  it('symmetric is v/127.5 − 1', () => {
    const out = normalize('symmetric');
    expect([out[0], out[255]]).toEqual([-1, 1]);
    for (let v = 0; v < 256; v++) expect(out[v]).toBeCloseTo(v / 127.5 - 1, 6);
  });

  it('binary thresholds v/255 at 0.5', () => {
    const out = normalize('binary');
    expect(out[127]).toBe(0);
    expect(out[128]).toBe(1);
    expect(new Set(out)).toEqual(new Set([0, 1]));
  });

  it('dynamic-binary samples Bernoulli(v/255), reproducibly by seed and afresh on each call', () => {
    const src = new Uint8Array(20_000).fill(64);
    const a = normalize('dynamic-binary', src, 7);
    expect(normalize('dynamic-binary', src, 7)).toEqual(a);
    expect(normalize('dynamic-binary', src, 8)).not.toEqual(a);
    expect(new Set(a)).toEqual(new Set([0, 1]));
    expect(a.reduce((s, v) => s + v, 0) / src.length).toBeCloseTo(64 / 255, 1.5);

    const rng = createRng(7);
    const first = new Float32Array(src.length);
    const second = new Float32Array(src.length);
    normalizeInto(src, first, 'dynamic-binary', rng);
    normalizeInto(src, second, 'dynamic-binary', rng);
    expect(second).not.toEqual(first); // resampled each call
  });

  it('dynamic-binary keeps 0 at 0 and 255 at 1', () => {
    const src = new Uint8Array(1000).fill(0).fill(255, 500);
    const out = normalize('dynamic-binary', src);
    expect(out.subarray(0, 500).every((v) => v === 0)).toBe(true);
    expect(out.subarray(500).every((v) => v === 1)).toBe(true);
  });

  it('rejects a length mismatch, a missing rng for dynamic-binary, and unknown modes', () => {
    expect(() => normalizeInto(ALL_BYTES, new Float32Array(3), 'unit')).toThrow(/dst has 3 elements but src has 256/);
    expect(() => normalizeInto(ALL_BYTES, new Float32Array(256), 'dynamic-binary')).toThrow(/needs an rng/);
    expect(() => normalizeInto(ALL_BYTES, new Float32Array(256), 'gray' as Normalization)).toThrow(/unknown normalization "gray"/);
  });
});

describe('isNormalization', () => {
  it('accepts exactly the four modes', () => {
    for (const mode of NORMALIZATIONS) expect(isNormalization(mode)).toBe(true);
    for (const other of ['', 'Unit', 'binarized', 1, undefined, null]) expect(isNormalization(other)).toBe(false);
  });
});

describe('normalizationRange', () => {
  it('gives [lo, hi] per mode', () => {
    expect(normalizationRange('unit')).toEqual([0, 1]);
    expect(normalizationRange('symmetric')).toEqual([-1, 1]);
    expect(normalizationRange('binary')).toEqual([0, 1]);
    expect(normalizationRange('dynamic-binary')).toEqual([0, 1]);
    expect(() => normalizationRange('x' as Normalization)).toThrow(/unknown normalization/);
  });
});

describe('normalizationTable', () => {
  it('is what normalizeInto writes for every pixel value of the deterministic modes', () => {
    const all = Uint8Array.from({ length: 256 }, (_, v) => v);
    for (const mode of ['unit', 'symmetric', 'binary'] as const) {
      const table = normalizationTable(mode);
      expect(table).toBeInstanceOf(Float32Array);
      expect(table!.length).toBe(256);
      const expected = new Float32Array(256);
      normalizeInto(all, expected, mode);
      expect(Array.from(table!)).toEqual(Array.from(expected));
      expect(normalizationTable(mode)).toBe(table); // shared, not rebuilt
    }
  });

  it('is undefined for dynamic-binary and rejects unknown modes', () => {
    expect(normalizationTable('dynamic-binary')).toBeUndefined();
    expect(() => normalizationTable('gray' as Normalization)).toThrow(/normalizationTable: unknown normalization "gray"/);
  });
});
