import { describe, expect, it } from 'vitest';
import { interpolateLatents } from './interpolation.js';

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
