import { decode } from 'fast-png';
import { describe, expect, it } from 'vitest';
import { encodePng } from './encode-png.js';
import { imageGrid } from './image-grid.js';

function gradient(width: number, height: number) {
  const pixels = new Uint8Array(width * height);
  for (let i = 0; i < pixels.length; i++) pixels[i] = (i * 37) % 256;
  return { width, height, pixels };
}

describe('encodePng', () => {
  it('writes an 8-bit grayscale PNG that decodes to the same pixels', () => {
    const image = gradient(7, 5);
    const bytes = encodePng(image);
    expect(bytes).toBeInstanceOf(Uint8Array);
    expect([...bytes.subarray(0, 8)]).toEqual([137, 80, 78, 71, 13, 10, 26, 10]);
    expect(bytes.byteOffset).toBe(0);
    expect(bytes.buffer.byteLength).toBe(bytes.byteLength);
    const png = decode(bytes);
    expect(png.width).toBe(7);
    expect(png.height).toBe(5);
    expect(png.channels).toBe(1);
    expect(png.depth).toBe(8);
    expect([...png.data]).toEqual([...image.pixels]);
  });

  it('writes opaque RGBA with 4 channels', () => {
    const image = gradient(3, 4);
    const png = decode(encodePng(image, { channels: 4 }));
    expect(png.channels).toBe(4);
    expect([png.width, png.height]).toEqual([3, 4]);
    const expected = [...image.pixels].flatMap((g) => [g, g, g, 255]);
    expect([...png.data]).toEqual(expected);
  });

  it('writes RGB with 3 channels', () => {
    const image = gradient(2, 2);
    const png = decode(encodePng(image, { channels: 3 }));
    expect(png.channels).toBe(3);
    expect([...png.data]).toEqual([...image.pixels].flatMap((g) => [g, g, g]));
  });

  it('writes an RGB image (an imageGrid of 3 channels) as an RGB PNG, or RGBA, never gray', () => {
    const rgb = { width: 2, height: 1, channels: 3 as const, pixels: Uint8Array.of(255, 0, 0, 1, 2, 3) };
    const png = decode(encodePng(rgb));
    expect([png.width, png.height, png.channels, png.depth]).toEqual([2, 1, 3, 8]);
    expect([...png.data]).toEqual([255, 0, 0, 1, 2, 3]);
    expect([...decode(encodePng(rgb, { channels: 4 })).data]).toEqual([255, 0, 0, 255, 1, 2, 3, 255]);
    expect(() => encodePng(rgb, { channels: 1 })).toThrow(/options\.channels 1 \(grayscale\) for an RGB image/);
    expect(() => encodePng({ ...rgb, pixels: new Uint8Array(2) })).toThrow(/image\.pixels must have width \* height \* 3 = 2 \* 1 \* 3 = 6 entries \(RGB\), got 2/);
    const grid = imageGrid(Float32Array.of(1, 0, 0, 0, 0, 1), { count: 2, width: 1, height: 1, channels: 3, padding: 0 });
    expect([...decode(encodePng(grid)).data]).toEqual([255, 0, 0, 0, 0, 255]);
  });

  it('round-trips an imageGrid', () => {
    const grid = imageGrid(new Float32Array(9 * 784).map((_, i) => (i % 97) / 96), { count: 9 });
    const png = decode(encodePng(grid));
    expect([png.width, png.height]).toEqual([92, 92]);
    expect([...png.data]).toEqual([...grid.pixels]);
  });

  it('rejects a pixel buffer that does not fill width * height, and bad channels', () => {
    expect(() => encodePng({ width: 4, height: 4, pixels: new Uint8Array(15) })).toThrow(
      /image\.pixels must have width \* height = 4 \* 4 = 16 entries, got 15/,
    );
    expect(() => encodePng({ width: 0, height: 4, pixels: new Uint8Array(0) })).toThrow(/image\.width/);
    expect(() => encodePng(gradient(1, 1), { channels: 2 as 1 })).toThrow(/options\.channels must be 1, 3 or 4, got 2/);
  });
});
