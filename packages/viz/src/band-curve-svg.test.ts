import { describe, expect, it } from 'vitest';
import { bandCurveSvg } from './band-curve-svg.js';
import { assertWellFormedXml } from '@vae/test-helpers/well-formed-xml';

const series = (name: string, base: number) => ({
  name,
  points: Array.from({ length: 5 }, (_, i) => ({ x: i + 1, y: base + 10 / (i + 1), low: base + 10 / (i + 1) - 1, high: base + 10 / (i + 1) + 2 })),
});

describe('bandCurveSvg', () => {
  const svg = bandCurveSvg([series('beta 1', 100), series('beta 4', 120)], { title: 'Test loss over 3 seeds' });

  it('is a well-formed SVG with a band and a line per series, and a legend', () => {
    expect(assertWellFormedXml(svg)).toBe('svg');
    expect(svg.match(/<polygon class="band"/g)).toHaveLength(2);
    expect(svg.match(/<polyline /g)).toHaveLength(2);
    expect(svg).toContain('>beta 4</text>');
    expect(svg).toContain('>Test loss over 3 seeds</text>');
    expect(svg).not.toMatch(/NaN|Infinity|undefined/);
  });

  it('closes each band: the upper edge forward, the lower back (2 × points vertices)', () => {
    const band = /<polygon class="band"[^>]* points="([^"]*)"/.exec(svg)![1]!;
    expect(band.trim().split(/\s+/)).toHaveLength(10);
  });

  it('the y axis covers the bands, not only the curves', () => {
    const ys = [...svg.matchAll(/<g class="axis y-axis"[\s\S]*?<\/g>/g)][0]![0];
    const ticks = [...ys.matchAll(/<text class="tick"[^>]*>([^<]*)</g)].map((m) => Number(m[1]));
    expect(Math.max(...ticks)).toBeGreaterThanOrEqual(130);
  });

  it('leaves out points that are not finite and refuses bad options', () => {
    const out = bandCurveSvg([{ name: 'a', points: [{ x: 1, y: 1, low: 0, high: 2 }, { x: 2, y: NaN, low: 0, high: 2 }] }]);
    expect(out).not.toMatch(/NaN/);
    expect(() => bandCurveSvg([], { bandOpacity: 0 })).toThrow(/bandOpacity/);
    expect(() => bandCurveSvg([{ name: 1 } as never])).toThrow(/series\[0\]/);
  });
});
