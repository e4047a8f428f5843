import { describe, expect, it } from 'vitest';
import { seedStatistics } from './seed-statistics.js';

describe('seedStatistics', () => {
  it('mean, sample sd and the t interval of the mean (R: t.test(c(1,2,3,4,5))$conf.int = 1.036757 4.963243)', () => {
    const s = seedStatistics([1, 2, 3, 4, 5]);
    expect(s.mean).toBe(3);
    expect(s.sd).toBeCloseTo(Math.sqrt(2.5), 12);
    expect(s.low).toBeCloseTo(1.036757, 3);
    expect(s.high).toBeCloseTo(4.963243, 3);
  });
  it('one value has a mean and no spread; none has nothing', () => {
    expect(seedStatistics([7])).toEqual({ n: 1, mean: 7, sd: NaN, low: NaN, high: NaN });
    expect(seedStatistics([]).n).toBe(0);
  });
});
