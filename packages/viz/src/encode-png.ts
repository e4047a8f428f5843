import { encode } from 'fast-png';
import { assertRasterImage, type RasterImage } from './gray-image.js';
import { expandGray, expandRgb } from './gray-to-rgba.js';

export interface EncodePngOptions {
  /**
   * Colour type of the PNG: 1 = 8-bit grayscale (smallest), 3 = RGB, 4 = RGBA (opaque).
   * Default: the image's own, 1 for gray and 3 for RGB. An RGB image cannot be written as gray.
   */
  channels?: 1 | 3 | 4;
}

/**
 * Encodes an 8-bit gray or RGB image (e.g. from `imageGrid`) as PNG file bytes, in Node or a
 * browser (pure JS, via fast-png).
 *
 * @returns the file's bytes, in an array that owns its whole `ArrayBuffer` (so `bytes.buffer`
 * is exactly the file and `new Blob([bytes], { type: 'image/png' })` works).
 *
 * @example
 * import { writeFileSync } from 'node:fs';
 * writeFileSync('samples.png', encodePng(imageGrid(decoded, { count: 64 })));
 */
export function encodePng(image: RasterImage, options: EncodePngOptions = {}): Uint8Array<ArrayBuffer> {
  assertRasterImage(image, 'encodePng');
  const own = image.channels ?? 1;
  const { channels = own } = options;
  if (channels !== 1 && channels !== 3 && channels !== 4) {
    throw new RangeError(`encodePng: options.channels must be 1, 3 or 4, got ${String(channels)}`);
  }
  if (own === 3 && channels === 1) throw new RangeError('encodePng: options.channels 1 (grayscale) for an RGB image; expected 3 or 4');
  const data = channels === own ? image.pixels : own === 3 ? expandRgb(image.pixels, Uint8Array) : expandGray(image.pixels, channels, Uint8Array);
  const bytes = encode({ width: image.width, height: image.height, data, depth: 8, channels });
  // fast-png hands back a view into its (larger) growable buffer; copy out just the file.
  return bytes.slice();
}
