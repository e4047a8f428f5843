import { describe, expect, it } from 'vitest';
import { categoricalPalette } from './categorical-palette.js';
import { latentScatterSvg } from './latent-scatter-svg.js';
import { assertWellFormedXml } from '@vae/test-helpers/well-formed-xml';

const legendLabels = (svg: string) =>
  [...svg.matchAll(/<text class="legend-label"[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);

describe('latentScatterSvg', () => {
  const n = 300;
  const points = new Float32Array(n * 2).map((_, i) => Math.sin(i * 12.9898) * 3);
  const labels = new Uint8Array(n).map((_, i) => i % 10);
  const svg = latentScatterSvg(points, labels, { title: '2-D latent space' });

  it('is well-formed and free of NaN', () => {
    expect(assertWellFormedXml(svg)).toBe('svg');
    expect(svg).not.toMatch(/NaN|Infinity|undefined/);
    expect(svg).toContain('>2-D latent space</text>');
  });

  it('draws one circle per point, coloured by class', () => {
    const circles = [...svg.matchAll(/<circle [^>]*fill="([^"]+)"/g)].map((m) => m[1]);
    expect(circles).toHaveLength(n);
    circles.forEach((fill, i) => expect(fill).toBe(categoricalPalette[i % 10]));
  });

  it('lists each class present in the legend, in order', () => {
    expect(legendLabels(svg)).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    const some = latentScatterSvg([0, 0, 1, 1, 2, 2], [7, 3, 7]);
    expect(legendLabels(some)).toEqual(['3', '7']);
    expect(some.match(/<circle /g)).toHaveLength(3);
  });

  it('titles the axes z₁ and z₂ by default, or as given (e.g. principal components)', () => {
    const axisLabels = (out: string) => [...out.matchAll(/<text class="label"[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);
    expect(axisLabels(svg)).toEqual(['z₁', 'z₂']);
    const pca = latentScatterSvg([0, 0, 1, 1], [0, 1], { xLabel: 'PC 1 (31%)', yLabel: 'PC 2 (18%)' });
    expect(axisLabels(pca)).toEqual(['PC 1 (31%)', 'PC 2 (18%)']);
    // The y title is rotated to read bottom to top.
    expect(pca).toMatch(/<text class="label"[^>]*transform="rotate\(-90 [^"]*\)">PC 2 \(18%\)<\/text>/);
  });

  it('draws each legend entry as a swatch in its class colour beside its label', () => {
    const swatches = [...svg.matchAll(/<g class="legend"[\s\S]*?<\/g>/g)][0]![0].match(/<rect [^>]*width="12" height="12" fill="([^"]+)"/g);
    expect(swatches).toHaveLength(10);
    swatches!.forEach((rect, k) => expect(rect).toContain(`fill="${categoricalPalette[k]}"`));
  });

  it('uses class names when given, escaped', () => {
    const out = latentScatterSvg([0, 0, 1, 1], [0, 1], { classNames: ['T-shirt/top', 'Trouser & <b>'] });
    assertWellFormedXml(out);
    expect(legendLabels(out)).toEqual(['T-shirt/top', 'Trouser &amp; &lt;b&gt;']);
  });

  it('skips non-finite points and copes with one point or none', () => {
    const out = latentScatterSvg(new Float32Array([0, 0, NaN, 1, 2, Infinity]), [1, 2, 3]);
    assertWellFormedXml(out);
    expect(out).not.toMatch(/NaN|Infinity/);
    expect(out.match(/<circle /g)).toHaveLength(1);
    expect(legendLabels(out)).toEqual(['1', '2', '3']);
    for (const few of [latentScatterSvg([5, 5], [0]), latentScatterSvg([], [])]) {
      assertWellFormedXml(few);
      expect(few).not.toMatch(/NaN|Infinity/);
    }
  });

  it('rejects mismatched or invalid labels and odd-length points', () => {
    expect(() => latentScatterSvg([0, 0, 1, 1], [0])).toThrow(/labels must have one entry per point, expected length 2 \(points\.length \/ 2\), got 1/);
    expect(() => latentScatterSvg([0, 0, 1], [0])).toThrow(/points must hold n \* 2 numbers/);
    expect(() => latentScatterSvg([0, 0], [-1])).toThrow(/labels\[0\] must be a non-negative integer/);
    expect(() => latentScatterSvg([0, 0], [0], { opacity: 2 })).toThrow(/options\.opacity/);
  });
});
