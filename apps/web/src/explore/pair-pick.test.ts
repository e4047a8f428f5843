import { describe, expect, it } from 'vitest';
import { NO_PICK, nextPairPick } from './pair-pick.js';

describe('nextPairPick', () => {
  it('picks A, then B, then starts over', () => {
    const first = nextPairPick(NO_PICK, 3);
    expect(first).toEqual({ a: 3, b: null });
    const second = nextPairPick(first, 7);
    expect(second).toEqual({ a: 3, b: 7 });
    expect(nextPairPick(second, 1)).toEqual({ a: 1, b: null });
  });

  it('un-picks A when it is clicked again before B', () => {
    expect(nextPairPick({ a: 5, b: null }, 5)).toEqual(NO_PICK);
  });
});
