import { describe, expect, it } from 'vitest';
import { fitScatterScale } from './scatter-scale.js';

const rect = { left: 40, top: 10, width: 200, height: 100 };

describe('fitScatterScale', () => {
  it('maps the padded extent onto the rect, y up', () => {
    const scale = fitScatterScale(new Float32Array([0, 0, 10, 20]), rect, 0);
    expect(scale.xDomain).toEqual([0, 10]);
    expect(scale.yDomain).toEqual([0, 20]);
    expect([scale.x(0), scale.y(0)]).toEqual([40, 110]);
    expect([scale.x(10), scale.y(20)]).toEqual([240, 10]);
  });

  it('pads by the margin and ignores non-finite points', () => {
    const scale = fitScatterScale(new Float32Array([0, 0, 10, 10, NaN, 1e9, Infinity, 0]), rect);
    expect(scale.xDomain).toEqual([-0.5, 10.5]);
    expect(scale.yDomain).toEqual([-0.5, 10.5]);
  });

  it('never gives an empty domain', () => {
    expect(fitScatterScale(new Float32Array([3, 3]), rect).xDomain).toEqual([2.5, 3.5]);
    expect(fitScatterScale(new Float32Array([]), rect).yDomain).toEqual([0, 1]);
  });
});
