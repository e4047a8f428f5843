import { createRng } from '@vae/data';
import { describe, expect, it } from 'vitest';
import { fitScatterProjection } from './scatter-projection.js';

describe('fitScatterProjection', () => {
  it('uses the latent axes themselves for a 2-D latent space', () => {
    const mu = new Float32Array([1, 2, -3, 4, 0.5, -0.5]);
    const projection = fitScatterProjection(mu, 3, 2);
    expect(projection.coords).toEqual(mu);
    expect(projection.project(new Float32Array([7, 8]))).toEqual([7, 8]);
    expect([projection.xLabel, projection.yLabel]).toEqual(['z₁', 'z₂']);
  });

  it('draws a 1-D latent space along z₁', () => {
    const projection = fitScatterProjection(new Float32Array([1, 2]), 2, 1);
    expect(Array.from(projection.coords)).toEqual([1, 0, 2, 0]);
  });

  it('projects larger spaces on PCA, marks extra points consistently, and says how much variance it keeps', () => {
    const rng = createRng(1);
    const dim = 8;
    const mu = new Float32Array(100 * dim).map((_, i) => rng.normal() * (i % dim === 0 ? 5 : 1));
    const projection = fitScatterProjection(mu, 100, dim);
    expect(projection.coords.length).toBe(200);
    const [x, y] = projection.project(mu.subarray(10 * dim, 11 * dim));
    expect(x).toBeCloseTo(projection.coords[20]!, 5);
    expect(y).toBeCloseTo(projection.coords[21]!, 5);
    expect(projection.xLabel).toBe('PC1');
    expect(projection.description).toMatch(/^PCA of the 8-D means: PC1 and PC2 keep \d+\.\d% and \d+\.\d% of their variance/);
  });
});
