import { describe, expect, it } from 'vitest';
import { formatTick, niceStep, niceTicks } from './nice-ticks.js';
import { isOneTwoFive } from '@vae/test-helpers/one-two-five';

describe('niceTicks', () => {
  it('gives round 1-2-5 steps', () => {
    expect(niceTicks(0, 1)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(93, 547)).toEqual([100, 200, 300, 400, 500]);
    expect(niceTicks(0, 10, 2)).toEqual([0, 5, 10]);
    expect(niceTicks(1, 50)).toEqual([10, 20, 30, 40, 50]);
    expect(niceTicks(-3, 3)).toEqual([-3, -2, -1, 0, 1, 2, 3]);
    expect(niceTicks(98.2, 99.1)).toEqual([98.2, 98.4, 98.6, 98.8, 99]);
  });

  it('returns exact decimals, not float noise', () => {
    expect(niceTicks(0.1, 0.35)).toEqual([0.1, 0.15, 0.2, 0.25, 0.3, 0.35]);
    expect(niceTicks(0, 0.0007)).toEqual([0, 0.0001, 0.0002, 0.0003, 0.0004, 0.0005, 0.0006, 0.0007]);
  });

  it('accepts reversed bounds and a single value; rejects non-finite', () => {
    expect(niceTicks(1, 0)).toEqual(niceTicks(0, 1));
    expect(niceTicks(4, 4)).toEqual([4]);
    expect(() => niceTicks(0, Infinity)).toThrow(/finite/);
    expect(() => niceTicks(NaN, 1)).toThrow(/finite/);
  });

  it('always steps by 1, 2 or 5 times a power of ten', () => {
    for (const [lo, hi] of [[0, 1], [83.7, 211.9], [-0.013, 0.02], [1e5, 3.3e6], [7, 7.01]] as const) {
      const ticks = niceTicks(lo, hi);
      expect(ticks.length).toBeGreaterThanOrEqual(2);
      for (let i = 1; i < ticks.length; i++) expect(isOneTwoFive(ticks[i]! - ticks[i - 1]!)).toBe(true);
    }
  });
});

describe('niceStep / formatTick', () => {
  it('picks mantissa and exponent', () => {
    expect(niceStep(1, 5)).toEqual({ mantissa: 2, exponent: -1, step: 0.2 });
    expect(niceStep(100, 10)).toEqual({ mantissa: 1, exponent: 1, step: 10 });
    expect(niceStep(40, 10)).toEqual({ mantissa: 5, exponent: 0, step: 5 });
  });

  it('formats with as many decimals as the step needs', () => {
    expect(formatTick(0.2, niceStep(1, 5))).toBe('0.2');
    expect(formatTick(1, niceStep(1, 5))).toBe('1.0');
    expect(formatTick(300, niceStep(500, 5))).toBe('300');
    expect(formatTick(-0, niceStep(1, 5))).toBe('0.0');
  });
});
