import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { latentScatterSvg } from '@vae/viz';
import { decode } from 'fast-png';
import { describe, expect, it } from 'vitest';
import { svgToPng } from './svg-to-png.js';

interface PixelCounts {
  light: number;
  dark: number;
  coloured: number;
}

/**
 * Decodes `png` and counts its near-white pixels, its dark ones (every channel below 160: text, and
 * the 1-px #333 axes even where antialiasing spreads them over two pixels) and its clearly coloured ones.
 */
function pixelCounts(png: Uint8Array): PixelCounts & { width: number; height: number } {
  const { width, height, data, channels } = decode(png);
  expect(channels).toBeGreaterThanOrEqual(3);
  const counts = { light: 0, dark: 0, coloured: 0 };
  for (let i = 0; i < width * height; i++) {
    const [r, g, b] = [data[i * channels]!, data[i * channels + 1]!, data[i * channels + 2]!];
    const max = Math.max(r, g, b);
    const min = Math.min(r, g, b);
    if (min > 230) counts.light++;
    if (max < 160) counts.dark++;
    if (max - min > 80) counts.coloured++;
  }
  return { width, height, ...counts };
}

/** True when the system has font files where resvg looks on Linux (macOS and Windows always do). */
function systemHasFonts(): boolean {
  if (process.platform !== 'linux') return true;
  const walk = (dir: string): boolean => {
    try {
      return readdirSync(dir, { withFileTypes: true }).some((entry) =>
        entry.isDirectory() ? walk(join(dir, entry.name)) : /\.(ttf|otf|ttc)$/i.test(entry.name),
      );
    } catch {
      return false;
    }
  };
  return ['/usr/share/fonts', '/usr/local/share/fonts'].some(walk);
}

/** Black text on white, nothing else: dark pixels appear only if a font drew the glyphs. */
const TEXT_ONLY = [
  '<svg xmlns="http://www.w3.org/2000/svg" width="240" height="60" viewBox="0 0 240 60">',
  '<rect width="100%" height="100%" fill="#fff"/>',
  '<text x="10" y="42" font-family="system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif" font-size="32" fill="#000">z₁ 0123</text>',
  '</svg>',
].join('');

describe('svgToPng', () => {
  const n = 400;
  const points = new Float32Array(n * 2).map((_, i) => Math.sin(i * 12.9898) * 3);
  const labels = new Uint8Array(n).map((_, i) => i % 10);
  const scatter = latentScatterSvg(points, labels, { title: 'Latent space', width: 560, height: 480 });

  it("renders latentScatterSvg at the SVG's size: white ground, dark axes and text, coloured dots", () => {
    const png = svgToPng(scatter);
    expect(Array.from(png.subarray(0, 8))).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    const counts = pixelCounts(png);
    expect([counts.width, counts.height]).toEqual([560, 480]);
    expect(counts.light).toBeGreaterThan(560 * 480 * 0.5);
    expect(counts.dark).toBeGreaterThan(1000);
    expect(counts.coloured).toBeGreaterThan(1000);
  });

  it('scales the output', () => {
    const counts = pixelCounts(svgToPng(scatter, { scale: 2 }));
    expect([counts.width, counts.height]).toEqual([1120, 960]);
    expect(counts.coloured).toBeGreaterThan(4000);
  });

  it.skipIf(!systemHasFonts())('draws text with the system fonts (needs font files: skipped on a system without any)', () => {
    expect(pixelCounts(svgToPng(TEXT_ONLY)).dark).toBeGreaterThan(100);
    // The labels add dark pixels to the scatter plot's axes and dots.
    const withText = pixelCounts(svgToPng(scatter)).dark;
    const withoutText = pixelCounts(svgToPng(scatter, { loadSystemFonts: false })).dark;
    expect(withText).toBeGreaterThan(withoutText + 200);
  });

  it('draws the shapes without throwing when no font is found, leaving the text out', () => {
    expect(pixelCounts(svgToPng(TEXT_ONLY, { loadSystemFonts: false })).dark).toBe(0);
    expect(pixelCounts(svgToPng(TEXT_ONLY, { loadSystemFonts: false, fontFamily: 'No Such Font' })).dark).toBe(0);
    const counts = pixelCounts(svgToPng(scatter, { loadSystemFonts: false }));
    expect([counts.width, counts.height]).toEqual([560, 480]);
    expect(counts.coloured).toBeGreaterThan(1000);
    expect(counts.dark).toBeGreaterThan(0); // the axes
  });

  it.skipIf(!systemHasFonts())('falls back to an installed font when the requested family is missing', () => {
    expect(pixelCounts(svgToPng(TEXT_ONLY, { fontFamily: 'No Such Font' })).dark).toBeGreaterThan(100);
  });

  it('rejects a bad scale', () => {
    expect(() => svgToPng(scatter, { scale: 0 })).toThrow(/options\.scale must be a positive number, got 0/);
  });
});
