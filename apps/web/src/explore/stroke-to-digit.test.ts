import { describe, expect, it } from 'vitest';
import { strokeToDigit } from './stroke-to-digit.js';

const SIZE = 280;

/** An opaque black RGBA canvas with white filled rectangles `[x, y, w, h]`. */
function rgbaCanvas(rects: Array<[number, number, number, number]>, size = SIZE): Uint8ClampedArray {
  const data = new Uint8ClampedArray(size * size * 4);
  for (let i = 3; i < data.length; i += 4) data[i] = 255;
  for (const [x0, y0, w, h] of rects) {
    for (let y = y0; y < y0 + h; y++) for (let x = x0; x < x0 + w; x++) data.fill(255, (y * size + x) * 4, (y * size + x) * 4 + 3);
  }
  return data;
}

/** Bounding box `[left, top, right, bottom]` of the non-zero pixels of a 28 × 28 digit. */
function bounds(pixels: Uint8Array): [number, number, number, number] {
  let [l, t, r, b] = [28, 28, -1, -1];
  pixels.forEach((v, i) => {
    if (v === 0) return;
    const x = i % 28;
    const y = Math.floor(i / 28);
    [l, t, r, b] = [Math.min(l, x), Math.min(t, y), Math.max(r, x), Math.max(b, y)];
  });
  return [l, t, r, b];
}

function centreOfMass(pixels: Uint8Array): [number, number] {
  let [m, mx, my] = [0, 0, 0];
  pixels.forEach((v, i) => {
    m += v;
    mx += (i % 28) * v;
    my += Math.floor(i / 28) * v;
  });
  return [mx / m, my / m];
}

describe('strokeToDigit', () => {
  it('flags an empty drawing and returns all zeros', () => {
    const { pixels, empty } = strokeToDigit({ data: rgbaCanvas([]), width: SIZE, height: SIZE });
    expect(empty).toBe(true);
    expect(pixels.length).toBe(784);
    expect(pixels.every((v) => v === 0)).toBe(true);
  });

  it('scales a drawn square to 20 × 20 and centres it, wherever it was drawn', () => {
    for (const [x, y] of [[10, 20], [150, 170]] as const) {
      const { pixels, empty } = strokeToDigit({ data: rgbaCanvas([[x, y, 100, 100]]), width: SIZE, height: SIZE });
      expect(empty).toBe(false);
      expect(bounds(pixels)).toEqual([4, 4, 23, 23]);
      expect(pixels.filter((v) => v === 255).length).toBe(400);
    }
  });

  it('keeps the aspect ratio: a 1 : 2 bar becomes 10 × 20, centred', () => {
    const { pixels } = strokeToDigit({ data: rgbaCanvas([[60, 40, 50, 100]]), width: SIZE, height: SIZE });
    expect(bounds(pixels)).toEqual([9, 4, 18, 23]);
  });

  it('centres by centre of mass, not by the box', () => {
    // An L: a vertical bar on the left and a foot to the right; most ink is on the left.
    const { pixels } = strokeToDigit({ data: rgbaCanvas([[40, 40, 40, 200], [80, 180, 160, 60]]), width: SIZE, height: SIZE });
    const [cx, cy] = centreOfMass(pixels);
    expect(Math.abs(cx - 13.5)).toBeLessThanOrEqual(0.5);
    expect(Math.abs(cy - 13.5)).toBeLessThanOrEqual(0.5);
    const [left, , right] = bounds(pixels);
    expect(right - left).toBe(19);
    expect(left).toBeGreaterThan(4); // the box sits right of where box-centring would put it
  });

  it('keeps a very lopsided drawing inside the frame instead of cutting it off', () => {
    const { pixels } = strokeToDigit({ data: rgbaCanvas([[40, 40, 40, 200], [80, 220, 160, 20]]), width: SIZE, height: SIZE });
    const [left, , right] = bounds(pixels);
    expect([left, right]).toEqual([8, 27]); // centre of mass alone would have put it at 9..28
  });

  it('area-averages partial coverage into grey levels within 0..255', () => {
    // A 3-px-wide line in a 140-px-tall drawing: each output column covers 7 source columns.
    const { pixels } = strokeToDigit({ data: rgbaCanvas([[100, 50, 3, 140], [100, 50, 70, 3]]), width: SIZE, height: SIZE });
    const values = new Set(pixels);
    expect([...values].every((v) => v >= 0 && v <= 255)).toBe(true);
    expect([...values].some((v) => v > 0 && v < 255)).toBe(true);
  });

  it('reads a one-channel alpha mask the same as the equivalent RGBA canvas', () => {
    const rgba = rgbaCanvas([[30, 60, 120, 80], [100, 100, 20, 150]]);
    const alpha = new Uint8Array(SIZE * SIZE).map((_, i) => rgba[4 * i]!);
    expect(strokeToDigit({ data: alpha, width: SIZE, height: SIZE, channels: 1 })).toEqual(
      strokeToDigit({ data: rgba, width: SIZE, height: SIZE }),
    );
  });

  it('treats transparent pixels as no ink (white strokes on a cleared canvas)', () => {
    const data = new Uint8ClampedArray(SIZE * SIZE * 4);
    for (let y = 100; y < 200; y++) for (let x = 100; x < 200; x++) data.fill(255, (y * SIZE + x) * 4, (y * SIZE + x) * 4 + 4);
    expect(bounds(strokeToDigit({ data, width: SIZE, height: SIZE }).pixels)).toEqual([4, 4, 23, 23]);
  });

  it('a single dot becomes a centred blob', () => {
    const { pixels } = strokeToDigit({ data: rgbaCanvas([[5, 5, 1, 1]]), width: SIZE, height: SIZE });
    expect(bounds(pixels)).toEqual([4, 4, 23, 23]);
  });

  it('rejects a buffer of the wrong size', () => {
    expect(() => strokeToDigit({ data: new Uint8Array(10), width: 4, height: 4 })).toThrow(/64 bytes/);
  });
});
