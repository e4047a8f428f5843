import { describe, expect, it } from 'vitest';
import { paddedExtent } from './padded-extent.js';

describe('paddedExtent', () => {
  it('widens the finite range by the margin on each side', () => {
    expect(paddedExtent([0, 10, NaN, Infinity, 5], 0.1)).toEqual([-1, 11]);
  });

  it('never returns a degenerate range', () => {
    expect(paddedExtent([100, 100])).toEqual([90, 110]);
    expect(paddedExtent([0])).toEqual([-0.5, 0.5]);
    expect(paddedExtent([])).toEqual([0, 1]);
    expect(paddedExtent([NaN], 0.05, [2, 3])).toEqual([2, 3]);
  });
});
