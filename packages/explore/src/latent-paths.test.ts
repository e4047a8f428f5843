import { describe, expect, it } from 'vitest';
import { interpolateLatents, manifoldGridLatents } from './latent-paths.js';
import { normalQuantile } from './normal-quantile.js';

const row = (z: Float32Array, dim: number, s: number) => Array.from(z.subarray(s * dim, (s + 1) * dim));
const norm = (v: number[]) => Math.hypot(...v);

describe('interpolateLatents', () => {
  const a = new Float32Array([0.3, -1.7, 2.2]);
  const b = new Float32Array([1.1, 0.4, -0.9]);

  it.each(['linear', 'spherical'] as const)('%s: has exactly a and b at the ends, [steps, dim]', (mode) => {
    const z = interpolateLatents(a, b, 10, mode);
    expect(z.length).toBe(30);
    expect(row(z, 3, 0)).toEqual(Array.from(a));
    expect(row(z, 3, 9)).toEqual(Array.from(b));
  });

  it('linear: evenly spaced on the straight line', () => {
    const z = interpolateLatents(new Float32Array([0, 0]), new Float32Array([4, -8]), 5, 'linear');
    expect(Array.from(z)).toEqual([0, 0, 1, -2, 2, -4, 3, -6, 4, -8]);
  });

  it('spherical: keeps the norm when the endpoints have equal norms, and sweeps equal angles', () => {
    const p = new Float32Array([3, 4, 0, 0]);
    const q = new Float32Array([0, 0, 5, 0]);
    const z = interpolateLatents(p, q, 7, 'spherical');
    for (let s = 0; s < 7; s++) expect(norm(row(z, 4, s))).toBeCloseTo(5, 5);
    const angle = (u: number[], v: number[]) => Math.acos((u[0]! * v[0]! + u[1]! * v[1]! + u[2]! * v[2]! + u[3]! * v[3]!) / 25);
    for (let s = 1; s < 7; s++) expect(angle(row(z, 4, s - 1), row(z, 4, s))).toBeCloseTo(Math.PI / 2 / 6, 5);
  });

  it('spherical: a straight line shrinks the norm in the middle, the arc does not', () => {
    const p = new Float32Array([1, 0]);
    const q = new Float32Array([0, 1]);
    expect(norm(row(interpolateLatents(p, q, 3, 'linear'), 2, 1))).toBeCloseTo(Math.SQRT1_2, 6);
    expect(norm(row(interpolateLatents(p, q, 3, 'spherical'), 2, 1))).toBeCloseTo(1, 6);
  });

  it('spherical: falls back to linear for parallel, antiparallel or zero endpoints', () => {
    for (const [p, q] of [
      [[1, 2], [2, 4]],
      [[1, 2], [-1, -2]],
      [[0, 0], [1, 1]],
    ]) {
      const pa = new Float32Array(p!);
      const qa = new Float32Array(q!);
      const z = interpolateLatents(pa, qa, 5, 'spherical');
      expect(Array.from(z).every(Number.isFinite)).toBe(true);
      expect(z).toEqual(interpolateLatents(pa, qa, 5, 'linear'));
    }
  });

  it('steps = 1 gives a', () => {
    expect(Array.from(interpolateLatents(a, b, 1, 'spherical'))).toEqual(Array.from(a));
  });

  it('rejects mismatched lengths', () => {
    expect(() => interpolateLatents(a, new Float32Array(2), 4, 'linear')).toThrow(/same length/);
  });
});

describe('manifoldGridLatents', () => {
  /** z of cell (r, c) in a grid of `size`. */
  const cell = (z: Float32Array, size: number, dim: number, r: number, c: number) => row(z, dim, r * size + c);
  /** Float32 values against float64 references. */
  const expectClose = (actual: number[], expected: number[]) => {
    expect(actual.length).toBe(expected.length);
    actual.forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 6));
  };

  it('is [gridSize², latentDim], x to the right along dims[0], y upward along dims[1]', () => {
    const z = manifoldGridLatents(5, 2);
    expect(z).toBeInstanceOf(Float32Array);
    expect(z.length).toBe(25 * 2);
    const lo = normalQuantile(0.05);
    const hi = normalQuantile(0.95);
    expect(hi).toBeCloseTo(1.6448536269514727, 12);
    // Top-left: smallest x, largest y; bottom-right: largest x, smallest y; centre: the origin.
    expect(cell(z, 5, 2, 0, 0)).toEqual([Math.fround(lo), Math.fround(hi)]);
    expect(cell(z, 5, 2, 4, 4)).toEqual([Math.fround(hi), Math.fround(lo)]);
    expect(cell(z, 5, 2, 0, 4)).toEqual([Math.fround(hi), Math.fround(hi)]);
    expectClose(cell(z, 5, 2, 2, 2), [0, 0]);
    for (let r = 0; r < 5; r++) {
      for (let c = 1; c < 5; c++) expect(cell(z, 5, 2, r, c)[0]).toBeGreaterThan(cell(z, 5, 2, r, c - 1)[0]!);
    }
    for (let c = 0; c < 5; c++) {
      for (let r = 1; r < 5; r++) expect(cell(z, 5, 2, r, c)[1]).toBeLessThan(cell(z, 5, 2, r - 1, c)[1]!);
    }
  });

  it('places the cells at the quantiles of evenly spaced probabilities over the range', () => {
    const z = manifoldGridLatents(4, 2, { range: [0.1, 0.7] });
    const xs = [0, 1, 2, 3].map((c) => cell(z, 4, 2, 3, c)[0]!);
    expectClose(xs, [0.1, 0.3, 0.5, 0.7].map(normalQuantile));
    const ys = [0, 1, 2, 3].map((r) => cell(z, 4, 2, r, 0)[1]!);
    expectClose(ys, [0.7, 0.5, 0.3, 0.1].map(normalQuantile));
  });

  it('varies only the chosen dims and keeps the others from base', () => {
    const base = new Float32Array([9, 8, 7, 6, 5]);
    const z = manifoldGridLatents(3, 5, { dims: [3, 1], base });
    expect(z.length).toBe(9 * 5);
    const q = [0.05, 0.5, 0.95].map(normalQuantile);
    for (let r = 0; r < 3; r++) {
      for (let c = 0; c < 3; c++) expectClose(cell(z, 3, 5, r, c), [9, q[2 - r]!, 7, q[c]!, 5]);
    }
    expect(Array.from(base)).toEqual([9, 8, 7, 6, 5]); // not modified
    // Without base the other dims are 0.
    const plain = manifoldGridLatents(2, 4, { dims: [2, 0] });
    for (let k = 0; k < 4; k++) expect([plain[k * 4 + 1], plain[k * 4 + 3]]).toEqual([0, 0]);
  });

  it('puts a 1 × 1 grid at the middle of the range', () => {
    expect(Array.from(manifoldGridLatents(1, 2))).toEqual([0, 0]);
    const q = normalQuantile(0.725);
    expectClose(Array.from(manifoldGridLatents(1, 3, { range: [0.5, 0.95] })), [q, q, 0]);
  });

  it('rejects dims out of range or equal, naming them', () => {
    expect(() => manifoldGridLatents(3, 2, { dims: [0, 2] })).toThrow(RangeError);
    expect(() => manifoldGridLatents(3, 2, { dims: [0, 2] })).toThrow(/dims \[0, 2\] out of range.*\[0, 1\] for latentDim 2/);
    expect(() => manifoldGridLatents(3, 20, { dims: [-1, 4] })).toThrow(/dims \[-1, 4\] out of range/);
    expect(() => manifoldGridLatents(3, 20, { dims: [1.5, 4] })).toThrow(/dims \[1\.5, 4\]/);
    expect(() => manifoldGridLatents(3, 20, { dims: [4, 4] })).toThrow(/dims \[4, 4\] must be two different dimensions/);
  });

  it('rejects a bad grid size, latent size, base or range', () => {
    expect(() => manifoldGridLatents(0, 2)).toThrow(/gridSize must be a positive integer, got 0/);
    expect(() => manifoldGridLatents(2.5, 2)).toThrow(/gridSize/);
    expect(() => manifoldGridLatents(3, 1)).toThrow(/latentDim must be an integer ≥ 2/);
    expect(() => manifoldGridLatents(3, 4, { base: new Float32Array(3) })).toThrow(/base must hold latentDim = 4 values, got 3/);
    for (const range of [[0, 0.9], [0.1, 1], [0.6, 0.4], [0.5, 0.5], [NaN, 0.5]] as [number, number][]) {
      expect(() => manifoldGridLatents(3, 2, { range })).toThrow(/range must be \[lo, hi\] probabilities with 0 < lo < hi < 1/);
    }
  });
});
