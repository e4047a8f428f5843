import { describe, expect, it } from 'vitest';
import { normalQuantile } from './normal-quantile.js';

// Reference values: Φ⁻¹ to 16+ digits (mpmath / SciPy's ndtri agree).
describe('normalQuantile', () => {
  it('matches known quantiles to ~1e-15 in each of the three regions of AS241', () => {
    // Central region (|p − ½| ≤ 0.425).
    expect(normalQuantile(0.5)).toBe(0);
    expect(normalQuantile(0.975)).toBeCloseTo(1.959963984540054, 13);
    expect(normalQuantile(0.025)).toBeCloseTo(-1.959963984540054, 13);
    expect(normalQuantile(0.8413447460685429)).toBeCloseTo(1, 13); // Φ(1)
    expect(normalQuantile(0.9)).toBeCloseTo(1.2815515655446004, 13);
    // Intermediate tails (r ≤ 5).
    expect(normalQuantile(0.05)).toBeCloseTo(-1.6448536269514727, 13);
    expect(normalQuantile(0.995)).toBeCloseTo(2.5758293035489008, 13);
    expect(normalQuantile(0.999)).toBeCloseTo(3.0902323061678135, 13);
    expect(normalQuantile(1e-5)).toBeCloseTo(-4.264890793922825, 12);
    // Far tails (r > 5, p < ~1.4e-11).
    expect(normalQuantile(1e-20)).toBeCloseTo(-9.262340089798408, 11);
  });

  it('is odd about ½ and increasing', () => {
    for (const p of [0.001, 0.01, 0.1, 0.3, 0.45]) {
      expect(normalQuantile(p)).toBeCloseTo(-normalQuantile(1 - p), 12);
    }
    const ps = Array.from({ length: 99 }, (_, i) => (i + 1) / 100);
    const zs = ps.map(normalQuantile);
    for (let i = 1; i < zs.length; i++) expect(zs[i]).toBeGreaterThan(zs[i - 1]!);
  });

  it('gives ±∞ at 0 and 1 and NaN outside [0, 1]', () => {
    expect(normalQuantile(0)).toBe(-Infinity);
    expect(normalQuantile(1)).toBe(Infinity);
    expect(normalQuantile(-0.1)).toBeNaN();
    expect(normalQuantile(1.5)).toBeNaN();
    expect(normalQuantile(NaN)).toBeNaN();
  });
});
