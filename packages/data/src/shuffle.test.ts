import { describe, expect, it } from 'vitest';
import { createRng } from './rng.js';
import { shuffledIndices } from './shuffle.js';

describe('shuffledIndices', () => {
  it('is a permutation of 0..count−1', () => {
    const p = shuffledIndices(1000, createRng(1));
    expect(p).toBeInstanceOf(Uint32Array);
    expect([...p].sort((a, b) => a - b)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect([...p]).not.toEqual(Array.from({ length: 1000 }, (_, i) => i));
  });

  it('is deterministic for a seed and differs between seeds', () => {
    expect(shuffledIndices(100, createRng(9))).toEqual(shuffledIndices(100, createRng(9)));
    expect(shuffledIndices(100, createRng(9))).not.toEqual(shuffledIndices(100, createRng(10)));
  });

  it('handles empty and single-element inputs', () => {
    expect([...shuffledIndices(0, createRng(1))]).toEqual([]);
    expect([...shuffledIndices(1, createRng(1))]).toEqual([0]);
    expect(() => shuffledIndices(-1, createRng(1))).toThrow(RangeError);
  });

  it('puts each element in each position about equally often', () => {
    const rng = createRng(2);
    const counts = new Array<number>(4).fill(0);
    const trials = 20_000;
    for (let t = 0; t < trials; t++) counts[shuffledIndices(4, rng).indexOf(0)]!++;
    for (const c of counts) expect(c / trials).toBeCloseTo(0.25, 1.5);
  });
});
