import { describe, expect, it } from 'vitest';
import { intervalChartSvg } from './interval-chart-svg.js';
import { assertWellFormedXml } from '@vae/test-helpers/well-formed-xml';

describe('intervalChartSvg', () => {
  const groups = [
    { label: 'beta 0.5', values: [98, 99, 100], mean: 99, low: 96.5, high: 101.5 },
    { label: 'beta 4', values: [130, 131], mean: 130.5, low: 124, high: 137 },
  ];
  const svg = intervalChartSvg(groups, { title: 'Final test loss', xLabel: 'configuration' });

  it('is a well-formed SVG: a column per group, labelled on x, a dot per value, a mean and a whisker', () => {
    expect(assertWellFormedXml(svg)).toBe('svg');
    expect(svg.match(/<g class="group"/g)).toHaveLength(2);
    expect(svg.match(/<circle class="value"/g)).toHaveLength(5);
    expect(svg.match(/<line class="mean"/g)).toHaveLength(2);
    expect(svg.match(/<line class="interval"/g)).toHaveLength(2);
    const xAxis = /<g class="axis x-axis"[\s\S]*?<\/g>/.exec(svg)![0];
    expect([...xAxis.matchAll(/<text class="tick"[^>]*>([^<]*)</g)].map((m) => m[1])).toEqual(['beta 0.5', 'beta 4']);
    expect(svg).not.toMatch(/NaN|Infinity|undefined/);
  });

  it('draws a group without an interval (one seed) as its value and mean only', () => {
    const one = intervalChartSvg([{ label: 'a', values: [5], mean: 5, low: NaN, high: NaN }]);
    expect(one).not.toMatch(/class="interval"|NaN/);
    expect(() => intervalChartSvg([{ label: 3 } as never])).toThrow(/groups\[0\]/);
  });
});
