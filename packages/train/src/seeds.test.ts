import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { deriveSeed, standardNormalNoise } from './seeds.js';

describe('standardNormalNoise', () => {
  it('is N(0, 1): mean, variance, tails and quartiles of 200,000 draws', () => {
    const draws = standardNormalNoise(deriveSeed(1, 2), 200_000);
    const n = draws.length;
    const mean = draws.reduce((a, b) => a + b, 0) / n;
    const variance = draws.reduce((a, b) => a + (b - mean) ** 2, 0) / n;
    expect(Math.abs(mean)).toBeLessThan(0.01);
    expect(Math.abs(variance - 1)).toBeLessThan(0.01);
    const share = (f: (v: number) => boolean) => draws.filter(f).length / n;
    expect(share((v) => Math.abs(v) > 1.96)).toBeCloseTo(0.05, 2);
    expect(share((v) => v < -0.6745)).toBeCloseTo(0.25, 2);
    expect(share((v) => v > 0.6745)).toBeCloseTo(0.25, 2);
    // Both outputs of each Box–Muller pair are used: neighbours must not be correlated.
    let products = 0;
    for (let i = 0; i + 1 < n; i += 2) products += draws[i]! * draws[i + 1]!;
    expect(Math.abs(products / (n / 2))).toBeLessThan(0.01);
  });

  it('is exactly what tf.randomNormal gives for the seed (so runs keep their trajectories)', () => {
    for (const [seed, count] of [[1, 1], [2, 7], [deriveSeed(0, 2, 0), 64 * 20], [deriveSeed(5, 2, 123), 1000 * 20], [0x5eed, 3]] as const) {
      const t = tf.randomNormal([count], 0, 1, 'float32', seed);
      expect(Array.from(standardNormalNoise(seed, count))).toEqual(Array.from(t.dataSync()));
      t.dispose();
    }
  });

  it('is the same numbers for the same seed, other numbers for another, and fills odd counts', () => {
    expect(standardNormalNoise(7, 5)).toEqual(standardNormalNoise(7, 5));
    expect(standardNormalNoise(7, 5)).not.toEqual(standardNormalNoise(8, 5));
    expect(Array.from(standardNormalNoise(7, 5))).toEqual(Array.from(standardNormalNoise(7, 6).subarray(0, 5)));
    const out = new Float32Array(3);
    expect(standardNormalNoise(7, 3, out)).toBe(out);
    expect(out.every(Number.isFinite)).toBe(true);
  });
});
