import { describe, expect, it } from 'vitest';
import { lossCurveSvg } from './loss-curve-svg.js';
import { isOneTwoFive } from '@vae/test-helpers/one-two-five';
import { assertWellFormedXml } from '@vae/test-helpers/well-formed-xml';

const train = { name: 'train', points: Array.from({ length: 20 }, (_, i) => ({ x: i + 1, y: 200 / (i + 1) + 95 })) };
const test = { name: 'test', points: Array.from({ length: 20 }, (_, i) => ({ x: i + 1, y: 190 / (i + 1) + 100 })), color: '#000' };

/** Point counts of every `<polyline points="…">`. */
const polylineCounts = (svg: string) =>
  [...svg.matchAll(/<polyline[^>]* points="([^"]*)"/g)].map((m) => (m[1]!.trim() === '' ? 0 : m[1]!.trim().split(/\s+/).length));

/** Tick labels of one axis, as numbers. */
const tickValues = (svg: string, axis: 'x' | 'y') => {
  const group = new RegExp(`<g class="axis ${axis}-axis"[\\s\\S]*?</g>`).exec(svg)![0];
  return [...group.matchAll(/<text class="tick"[^>]*>([^<]*)<\/text>/g)].map((m) => Number(m[1]));
};

const noBadNumbers = (svg: string) => {
  expect(svg).not.toMatch(/NaN|Infinity|undefined/);
};

describe('lossCurveSvg', () => {
  const svg = lossCurveSvg([train, test], { title: 'VAE on MNIST' });

  it('is a well-formed standalone SVG document', () => {
    expect(assertWellFormedXml(svg)).toBe('svg');
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" width="640" height="400" viewBox="0 0 640 400"/);
    noBadNumbers(svg);
  });

  it('names both series, titles and labels the axes', () => {
    expect(svg).toContain('>train</text>');
    expect(svg).toContain('>test</text>');
    expect(svg).toContain('>VAE on MNIST</text>');
    expect(svg).toContain('>epoch</text>');
    expect(svg).toContain('>loss (nats / image)</text>');
  });

  it('draws one polyline per series with one vertex and one marker per data point', () => {
    expect(polylineCounts(svg)).toEqual([20, 20]);
    expect(svg.match(/<circle /g)).toHaveLength(40);
    expect(svg).toContain('stroke="#000"');
    expect(lossCurveSvg([train], { markers: false })).not.toContain('<circle');
  });

  it('puts ticks at 1-2-5 steps that cover the data', () => {
    for (const axis of ['x', 'y'] as const) {
      const ticks = tickValues(svg, axis);
      expect(ticks.length).toBeGreaterThanOrEqual(3);
      const steps = ticks.slice(1).map((t, i) => t - ticks[i]!);
      for (const step of steps) {
        expect(isOneTwoFive(step)).toBe(true);
        expect(step).toBeCloseTo(steps[0]!, 9);
      }
    }
    const yTicks = tickValues(svg, 'y');
    expect(Math.min(...yTicks)).toBeGreaterThanOrEqual(100); // data 104.5..295, margin 5%
    expect(Math.max(...yTicks)).toBeLessThanOrEqual(305);
  });

  it('keeps points inside the plot area', () => {
    const coords = [...svg.matchAll(/<circle cx="([^"]+)" cy="([^"]+)"/g)].map((m) => [Number(m[1]), Number(m[2])] as const);
    for (const [cx, cy] of coords) {
      expect(cx).toBeGreaterThanOrEqual(72);
      expect(cx).toBeLessThanOrEqual(620);
      expect(cy).toBeGreaterThanOrEqual(40);
      expect(cy).toBeLessThanOrEqual(348);
    }
  });

  it('escapes <, & and > in names, title and labels', () => {
    const out = lossCurveSvg([{ name: 'β<1 & "KL">0', points: [{ x: 0, y: 1 }] }], {
      title: "<script>alert('x')</script>",
      xLabel: 'a & b',
      yLabel: '<y>',
    });
    expect(assertWellFormedXml(out)).toBe('svg');
    expect(out).toContain('β&lt;1 &amp; &quot;KL&quot;&gt;0');
    expect(out).toContain('&lt;script&gt;alert(&apos;x&apos;)&lt;/script&gt;');
    expect(out).toContain('>a &amp; b</text>');
    expect(out).toContain('>&lt;y&gt;</text>');
    expect(out).not.toContain('<script');
    expect(out).not.toContain('<y>');
  });

  it('skips non-finite values when sizing and drawing', () => {
    const out = lossCurveSvg([
      { name: 'diverged', points: [{ x: 1, y: 10 }, { x: 2, y: NaN }, { x: 3, y: Infinity }, { x: 4, y: 8 }, { x: -Infinity, y: 1 }] },
    ]);
    assertWellFormedXml(out);
    noBadNumbers(out);
    expect(polylineCounts(out)).toEqual([2]);
    const yTicks = tickValues(out, 'y');
    expect(Math.max(...yTicks)).toBeLessThanOrEqual(10.1);
    expect(Math.min(...yTicks)).toBeGreaterThanOrEqual(7.9);
  });

  it('handles a single point, an empty series and no series at all without NaN', () => {
    const single = lossCurveSvg([{ name: 'one', points: [{ x: 1, y: 150 }] }, { name: 'none', points: [] }]);
    assertWellFormedXml(single);
    noBadNumbers(single);
    expect(polylineCounts(single)).toEqual([1, 0]);
    expect(single).toContain('>none</text>');
    expect(tickValues(single, 'y').length).toBeGreaterThanOrEqual(2);

    for (const out of [lossCurveSvg([]), lossCurveSvg([{ name: 'nan', points: [{ x: NaN, y: NaN }] }])]) {
      assertWellFormedXml(out);
      noBadNumbers(out);
    }
    const flat = lossCurveSvg([{ name: 'flat', points: [{ x: 1, y: 0 }, { x: 2, y: 0 }] }]);
    noBadNumbers(flat);
    expect(tickValues(flat, 'y')).toContain(0);
  });

  it('honours width and height and rejects bad input with the field name', () => {
    expect(lossCurveSvg([train], { width: 300, height: 200 })).toContain('viewBox="0 0 300 200"');
    expect(() => lossCurveSvg([train], { width: 0 })).toThrow(/options\.width must be a positive finite number/);
    expect(() => lossCurveSvg([{ name: 'x', points: [{ x: 1, y: '2' }] }] as never)).toThrow(/series\[0\]\.points\[0\] must be \{ x: number, y: number \}/);
    expect(() => lossCurveSvg([{ points: [] }] as never)).toThrow(/series\[0\]\.name must be a string/);
    expect(() => lossCurveSvg({} as never)).toThrow(/series must be an array/);
  });
});
