import { describe, expect, it } from 'vitest';
import { imageGrid } from './image-grid.js';

/** Gray value at (x, y) of a grid. */
const at = (g: { width: number; pixels: Uint8Array }, x: number, y: number) => g.pixels[y * g.width + x];

describe('imageGrid', () => {
  it('lays 256 MNIST tiles out as a 16 × 16 grid of 482 × 482 px (padding around the border too)', () => {
    const grid = imageGrid(new Float32Array(256 * 784), { count: 256 });
    expect(grid.width).toBe(16 * (28 + 2) + 2);
    expect(grid.width).toBe(482);
    expect(grid.height).toBe(482);
    expect(grid.pixels).toBeInstanceOf(Uint8Array);
    expect(grid.pixels.length).toBe(482 * 482);
  });

  it('puts tile k at (padding + col * (w + padding), padding + row * (h + padding))', () => {
    const count = 256;
    const k = 37; // row 2, column 5 of 16
    const images = new Float32Array(count * 784);
    for (let j = 0; j < 784; j++) images[k * 784 + j] = ((j * 7) % 256) / 255;
    const grid = imageGrid(images, { count });

    const left = 2 + 5 * 30;
    const top = 2 + 2 * 30;
    for (let y = 0; y < 28; y++) {
      for (let x = 0; x < 28; x++) {
        expect(at(grid, left + x, top + y)).toBe(((y * 28 + x) * 7) % 256);
      }
    }
    // Nothing else is lit: the sum of the grid is the sum of the tile.
    const tileSum = Array.from({ length: 784 }, (_, j) => (j * 7) % 256).reduce((a, b) => a + b, 0);
    expect(grid.pixels.reduce((a, b) => a + b, 0)).toBe(tileSum);
    // The gap just outside the tile is background.
    expect(at(grid, left - 1, top)).toBe(0);
    expect(at(grid, left + 28, top)).toBe(0);
    expect(at(grid, left, top + 28)).toBe(0);
  });

  it('handles non-square tiles, explicit columns and a partial last row', () => {
    // 5 tiles of 3 × 2 in 2 columns → 3 rows; 1 px padding.
    const count = 5;
    const images = new Uint8Array(count * 6);
    for (let k = 0; k < count; k++) images.fill(10 * (k + 1), k * 6, (k + 1) * 6);
    const grid = imageGrid(images, { count, width: 3, height: 2, columns: 2, padding: 1, background: 1 });
    expect(grid.width).toBe(2 * 4 + 1);
    expect(grid.height).toBe(3 * 3 + 1);
    expect(at(grid, 0, 0)).toBe(255); // border
    expect(at(grid, 1, 1)).toBe(10); // tile 0
    expect(at(grid, 5, 1)).toBe(20); // tile 1
    expect(at(grid, 4, 1)).toBe(255); // gap between tiles 0 and 1
    expect(at(grid, 1, 4)).toBe(30); // tile 2
    expect(at(grid, 3, 8)).toBe(50); // tile 4: row 2, column 0
    expect(at(grid, 5, 7)).toBe(255); // empty cell (row 2, column 1)
  });

  it('pads with zero when padding is 0', () => {
    const grid = imageGrid(new Float32Array(4 * 784).fill(1), { count: 4, padding: 0 });
    expect(grid.width).toBe(56);
    expect(grid.height).toBe(56);
    expect(grid.pixels.every((v) => v === 255)).toBe(true);
  });

  it('clamps to the range and sends NaN to black', () => {
    const images = new Float32Array([-0.5, 0, 0.5, 1, 1.5, NaN, Infinity, -Infinity, 0.25]);
    const grid = imageGrid(images, { count: 1, width: 9, height: 1, padding: 0 });
    expect([...grid.pixels]).toEqual([0, 0, 128, 255, 255, 0, 255, 0, 64]);
  });

  it('maps a custom range onto 0..255', () => {
    const images = new Float32Array([-1, 0, 1, 3]);
    const grid = imageGrid(images, { count: 1, width: 4, height: 1, padding: 0, range: [-1, 1] });
    expect([...grid.pixels]).toEqual([0, 128, 255, 255]);
  });

  it('takes Uint8 input as 0..255 by default (raw IDX bytes) and honours a range for it', () => {
    const raw = new Uint8Array([0, 1, 128, 255]);
    expect([...imageGrid(raw, { count: 1, width: 2, height: 2, padding: 0 }).pixels]).toEqual([0, 1, 128, 255]);
    const binary = new Uint8Array([0, 1, 1, 0]);
    expect([...imageGrid(binary, { count: 1, width: 2, height: 2, padding: 0, range: [0, 1] }).pixels]).toEqual([0, 255, 255, 0]);
  });

  it('lays a strip of m tiles out as one row', () => {
    const images = new Uint8Array(7 * 4).map((_, j) => 10 + Math.floor(j / 4));
    const strip = imageGrid(images, { count: 7, width: 2, height: 2, columns: 7, padding: 1, background: 1 });
    expect(strip.width).toBe(7 * 3 + 1);
    expect(strip.height).toBe(2 + 2);
    for (let k = 0; k < 7; k++) expect(at(strip, 1 + 3 * k, 1)).toBe(10 + k);
  });

  it('groups columns for (original | reconstruction) pairs: a wider gap between pairs, none added inside', () => {
    // 3 pairs a row, 2 rows: tiles interleaved a₀ b₀ a₁ b₁ …, 2 × 1 px each, padding 1, group gap 3.
    const count = 12;
    const images = new Uint8Array(count * 2).map((_, j) => 1 + Math.floor(j / 2));
    const grid = imageGrid(images, { count, width: 2, height: 1, columns: 6, padding: 1, groupColumns: 2, groupGap: 3, background: 1 });
    expect(grid.width).toBe(6 * 3 + 1 + 2 * 3);
    expect(grid.height).toBe(2 * 2 + 1);
    const lefts = [1, 4, 10, 13, 19, 22]; // pair p starts at 1 + p * (2 * 3 + 3)
    for (let row = 0; row < 2; row++) {
      lefts.forEach((x, column) => {
        const k = row * 6 + column;
        expect([at(grid, x, 1 + row * 2), at(grid, x + 1, 1 + row * 2)]).toEqual([k + 1, k + 1]);
      });
    }
    // The group gaps (and padding) are background: columns 7..9 and 16..18.
    for (const x of [0, 3, 6, 7, 8, 9, 12, 15, 16, 17, 18, 21, 24]) expect(at(grid, x, 1)).toBe(255);
    // The default gap is 4 px; without groupColumns the layout is the plain grid.
    expect(imageGrid(images, { count, width: 2, height: 1, columns: 6, padding: 1, groupColumns: 2 }).width).toBe(19 + 2 * 4);
    expect(imageGrid(images, { count, width: 2, height: 1, columns: 6, padding: 1, groupColumns: 6 }).width).toBe(19);
    expect(imageGrid(images, { count, width: 2, height: 1, columns: 6, padding: 1, groupColumns: 4 }).width).toBe(19 + 4);
  });

  it('draws 3-channel images in colour: an RgbImage, each tile row its source row, channels last', () => {
    // 2 tiles of 2 × 1 px (x = 0, 1), RGB, 1 px padding, gray background 0.2 (51).
    const images = Uint8Array.of(255, 0, 0, 0, 255, 0, /* tile 1 */ 0, 0, 255, 10, 20, 30);
    const grid = imageGrid(images, { count: 2, width: 2, height: 1, channels: 3, columns: 2, padding: 1, background: 0.2 });
    expect(grid.channels).toBe(3);
    expect([grid.width, grid.height]).toEqual([2 * 3 + 1, 1 + 2]);
    const g = [51, 51, 51];
    expect([...grid.pixels]).toEqual([
      ...[g, g, g, g, g, g, g].flat(),
      ...[g, [255, 0, 0], [0, 255, 0], g, [0, 0, 255], [10, 20, 30], g].flat(),
      ...[g, g, g, g, g, g, g].flat(),
    ]);
    // Floats in [0, 1] (decoded samples) the same way, clamped per channel.
    const floats = Float32Array.of(1, 0, 0.5, -1, 2, NaN);
    expect([...imageGrid(floats, { count: 1, width: 2, height: 1, channels: 3, padding: 0 }).pixels]).toEqual([255, 0, 128, 0, 255, 0]);
  });

  it('keeps gray tiles gray: channels 1 is the default and gives the same one-byte pixels', () => {
    const images = new Uint8Array(3 * 4).map((_, j) => 20 * j);
    const plain = imageGrid(images, { count: 3, width: 2, height: 2, padding: 1 });
    const explicit = imageGrid(images, { count: 3, width: 2, height: 2, padding: 1, channels: 1 });
    expect(explicit).toEqual(plain);
    expect(plain.channels).toBeUndefined();
    expect(plain.pixels.length).toBe(plain.width * plain.height);
  });

  it('draws other channel counts as gray panels side by side, channel 0 leftmost', () => {
    // One 2 × 2 image with 2 channels: pixel p has channel c = 10·p + c.
    const images = Uint8Array.from({ length: 8 }, (_, j) => 10 * Math.floor(j / 2) + (j % 2));
    const grid = imageGrid(images, { count: 1, width: 2, height: 2, channels: 2, padding: 0 });
    expect([grid.width, grid.height, grid.channels]).toEqual([4, 2, undefined]);
    expect([...grid.pixels]).toEqual([0, 10, 1, 11, 20, 30, 21, 31]);
    // 4 channels (RGBA or not): four panels; tiles are 4·width px wide in the layout.
    const four = imageGrid(new Uint8Array(2 * 3 * 1 * 4), { count: 2, width: 3, height: 1, channels: 4, padding: 1 });
    expect([four.width, four.height]).toEqual([2 * (12 + 1) + 1, 3]);
  });

  it('rejects images of the wrong length, naming images and both lengths', () => {
    expect(() => imageGrid(new Float32Array(255 * 784), { count: 256 })).toThrow(
      /images must have count \* width \* height = 256 \* 28 \* 28 = 200704 values, got length 199920/,
    );
    expect(() => imageGrid(new Float32Array(784), { count: 1, channels: 3 })).toThrow(
      /images must have count \* width \* height \* channels = 1 \* 28 \* 28 \* 3 = 2352 values, got length 784/,
    );
  });

  it('rejects bad options with the field name', () => {
    const one = new Float32Array(784);
    expect(() => imageGrid(one, { count: 0 })).toThrow(/options\.count must be a positive integer/);
    expect(() => imageGrid(one, { count: 1.5 })).toThrow(/options\.count/);
    expect(() => imageGrid(one, { count: 1, columns: 0 })).toThrow(/options\.columns/);
    expect(() => imageGrid(one, { count: 1, padding: -1 })).toThrow(/options\.padding/);
    expect(() => imageGrid(one, { count: 1, background: 2 })).toThrow(/options\.background must be a number in \[0, 1\]/);
    expect(() => imageGrid(one, { count: 1, range: [1, 1] })).toThrow(/options\.range/);
    expect(() => imageGrid(one, { count: 1, groupColumns: 0 })).toThrow(/options\.groupColumns must be a positive integer/);
    expect(() => imageGrid(one, { count: 1, channels: 0 })).toThrow(/options\.channels must be a positive integer, got 0/);
    expect(() => imageGrid(one, { count: 1, groupColumns: 1, groupGap: -1 })).toThrow(/options\.groupGap must be a non-negative integer/);
    expect(() => imageGrid(one, { count: 1, groupGap: 2 })).toThrow(/options\.groupGap needs options\.groupColumns/);
    expect(() => imageGrid([0] as unknown as Float32Array, { count: 1, width: 1, height: 1 })).toThrow(
      /images must be a Float32Array or Uint8Array, got Array/,
    );
  });
});
