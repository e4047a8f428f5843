import { createRng } from '@vae/data';
import { describe, expect, it } from 'vitest';
import { sampleIndices } from './sample-indices.js';

describe('sampleIndices', () => {
  it('draws k distinct indices in range, reproducibly for a seed', () => {
    const picks = sampleIndices(10_000, 16, createRng(1));
    expect(picks.length).toBe(16);
    expect(new Set(picks).size).toBe(16);
    expect(picks.every((i) => Number.isInteger(i) && i >= 0 && i < 10_000)).toBe(true);
    expect(sampleIndices(10_000, 16, createRng(1))).toEqual(picks);
    expect(sampleIndices(10_000, 16, createRng(2))).not.toEqual(picks);
  });

  it('returns a permutation of everything when k ≥ count', () => {
    expect(sampleIndices(5, 9, createRng(3)).sort()).toEqual([0, 1, 2, 3, 4]);
  });

  it('is roughly uniform', () => {
    const rng = createRng(4);
    const hits = new Array<number>(10).fill(0);
    for (let n = 0; n < 2000; n++) for (const i of sampleIndices(10, 3, rng)) hits[i]!++;
    for (const h of hits) expect(h).toBeGreaterThan(500);
  });
});
