import { assertRasterImage, type RasterImage } from './gray-image.js';

/**
 * Expands 8-bit gray to opaque RGBA (`[g, g, g, 255]` per pixel; an RGB image to `[r, g, b, 255]`),
 * the layout of a canvas `ImageData`:
 *
 * @example
 * const grid = imageGrid(samples, { count: 64 });
 * canvas.width = grid.width; canvas.height = grid.height;
 * canvas.getContext('2d')!.putImageData(new ImageData(grayToRgba(grid), grid.width, grid.height), 0, 0);
 *
 * @returns `[height, width, 4]` row-major.
 */
export function grayToRgba(image: RasterImage): Uint8ClampedArray<ArrayBuffer> {
  assertRasterImage(image, 'grayToRgba');
  return image.channels === 3 ? expandRgb(image.pixels, Uint8ClampedArray) : expandGray(image.pixels, 4, Uint8ClampedArray);
}

/** Appends alpha 255 to each RGB triple: `[height, width, 3]` → `[height, width, 4]`. */
export function expandRgb<T extends Uint8Array<ArrayBuffer> | Uint8ClampedArray<ArrayBuffer>>(rgb: Uint8Array, Out: new (length: number) => T): T {
  const out = new Out((rgb.length / 3) * 4);
  for (let i = 0, o = 0; i < rgb.length; i += 3) {
    out[o++] = rgb[i]!;
    out[o++] = rgb[i + 1]!;
    out[o++] = rgb[i + 2]!;
    out[o++] = 255;
  }
  return out;
}

/** Repeats each gray byte into `channels` bytes (alpha 255 when channels is 2 or 4). */
export function expandGray<T extends Uint8Array<ArrayBuffer> | Uint8ClampedArray<ArrayBuffer>>(
  gray: Uint8Array,
  channels: 1 | 2 | 3 | 4,
  Out: new (length: number) => T,
): T {
  const out = new Out(gray.length * channels);
  const hasAlpha = channels === 2 || channels === 4;
  const colour = hasAlpha ? channels - 1 : channels;
  for (let i = 0, o = 0; i < gray.length; i++) {
    const g = gray[i]!;
    for (let c = 0; c < colour; c++) out[o++] = g;
    if (hasAlpha) out[o++] = 255;
  }
  return out;
}
