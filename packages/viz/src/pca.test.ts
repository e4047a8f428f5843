import { createRng } from '@vae/data';
import { describe, expect, it } from 'vitest';
import { pcaProject, pcaTransform } from './pca.js';

/** `count` points along `direction` (spread ±`along`) plus small noise in every coordinate. */
function elongatedCloud(count: number, direction: number[], along: number, noise: number, seed = 1): Float32Array {
  const rng = createRng(seed);
  const dim = direction.length;
  const norm = Math.hypot(...direction);
  const out = new Float32Array(count * dim);
  for (let n = 0; n < count; n++) {
    const t = rng.normal() * along;
    for (let i = 0; i < dim; i++) out[n * dim + i] = 5 + (t * direction[i]!) / norm + rng.normal() * noise;
  }
  return out;
}

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

describe('pcaProject', () => {
  it('finds the obvious principal axis of 3-D data, with a positive largest entry', () => {
    const points = elongatedCloud(500, [-1, -2, 0.5], 3, 0.05);
    const { axes, explainedVarianceRatio, coords } = pcaProject(points, 500, 3);
    const expected = [1, 2, -0.5].map((x) => x / Math.hypot(1, 2, 0.5));
    expect(Array.from(axes.subarray(0, 3)).map((x) => +x.toFixed(2))).toEqual(expected.map((x) => +x.toFixed(2)));
    expect(explainedVarianceRatio[0]).toBeGreaterThan(0.99);
    expect(coords.length).toBe(1000);
  });

  it('returns orthonormal axes and variance ratios that sum to at most 1', () => {
    const rng = createRng(7);
    const dim = 16;
    const points = new Float32Array(300 * dim).map((_, i) => rng.normal() * (1 + (i % dim)));
    const { axes, explainedVarianceRatio } = pcaProject(points, 300, dim, 3);
    for (let a = 0; a < 3; a++) {
      for (let b = 0; b < 3; b++) {
        const d = dot(axes.subarray(a * dim, (a + 1) * dim), axes.subarray(b * dim, (b + 1) * dim));
        expect(d).toBeCloseTo(a === b ? 1 : 0, 5);
      }
    }
    const sum = explainedVarianceRatio.reduce((s, r) => s + r, 0);
    expect(sum).toBeLessThanOrEqual(1 + 1e-9);
    expect(explainedVarianceRatio[0]).toBeGreaterThanOrEqual(explainedVarianceRatio[1]!);
    expect(explainedVarianceRatio[1]).toBeGreaterThanOrEqual(explainedVarianceRatio[2]!);
    // The largest-variance coordinate (index 15, std 16) dominates the first axis.
    expect(Math.abs(axes[15]!)).toBeGreaterThan(0.9);
  });

  it('agrees with the exact answer for a 2-D covariance in 3-D', () => {
    // Points on the x = y diagonal and along z, centred at the origin: variances 2·1 and 0.25.
    const points = new Float32Array([1, 1, 0, -1, -1, 0, 0, 0, 0.5, 0, 0, -0.5]);
    const { axes, explainedVarianceRatio, coords, mean } = pcaProject(points, 4, 3);
    expect(Array.from(mean)).toEqual([0, 0, 0]);
    expect(axes[0]).toBeCloseTo(Math.SQRT1_2, 6);
    expect(axes[1]).toBeCloseTo(Math.SQRT1_2, 6);
    expect(axes[2]).toBeCloseTo(0, 6);
    expect(Math.abs(axes[5]!)).toBeCloseTo(1, 6);
    expect(explainedVarianceRatio[0]).toBeCloseTo(2 / 2.25, 6);
    expect(explainedVarianceRatio[1]).toBeCloseTo(0.25 / 2.25, 6);
    expect(coords[0]).toBeCloseTo(Math.SQRT2, 5);
  });

  it('is deterministic', () => {
    const points = elongatedCloud(200, [3, 1, 4, 1, 5], 2, 0.5, 3);
    expect(pcaProject(points, 200, 5)).toEqual(pcaProject(points, 200, 5));
  });

  it('returns the points themselves when dim ≤ components', () => {
    const points = new Float32Array([0, 0, 2, 0, 0, 1, 2, 1]);
    const { coords, axes, explainedVarianceRatio, mean } = pcaProject(points, 4, 2);
    expect(coords).toEqual(points);
    expect(Array.from(axes)).toEqual([1, 0, 0, 1]);
    expect(Array.from(mean)).toEqual([0, 0]);
    expect(explainedVarianceRatio[0]).toBeCloseTo(0.8, 6);
    expect(explainedVarianceRatio[1]).toBeCloseTo(0.2, 6);
  });

  it('projects new points the same way as the fitted ones', () => {
    const points = elongatedCloud(100, [1, 1, 1, 0], 2, 0.3, 5);
    const pca = pcaProject(points, 100, 4);
    expect(pcaTransform(pca, points.subarray(40, 44), 1)).toEqual(pca.coords.subarray(20, 22));
  });

  it('gives zero ratios, not NaN, for identical points', () => {
    const { explainedVarianceRatio } = pcaProject(new Float32Array(12).fill(3), 4, 3);
    expect(explainedVarianceRatio).toEqual([0, 0]);
  });

  it('rejects a points buffer of the wrong length', () => {
    expect(() => pcaProject(new Float32Array(5), 2, 3)).toThrow(/count \* dim = 6/);
  });
});
