import { encode } from 'fast-png';
import { assertGrayImage, type GrayImage } from './gray-image.js';
import { expandGray } from './gray-to-rgba.js';

export interface EncodePngOptions {
  /**
   * Colour type of the PNG: 1 = 8-bit grayscale (smallest), 3 = RGB, 4 = RGBA (opaque).
   * Default 1.
   */
  channels?: 1 | 3 | 4;
}

/**
 * Encodes an 8-bit gray image (e.g. from `imageGrid`) as PNG file bytes, in Node or a browser
 * (pure JS, via fast-png).
 *
 * @returns the file's bytes, in an array that owns its whole `ArrayBuffer` (so `bytes.buffer`
 * is exactly the file and `new Blob([bytes], { type: 'image/png' })` works).
 *
 * @example
 * import { writeFileSync } from 'node:fs';
 * writeFileSync('samples.png', encodePng(imageGrid(decoded, { count: 64 })));
 */
export function encodePng(image: GrayImage, options: EncodePngOptions = {}): Uint8Array<ArrayBuffer> {
  assertGrayImage(image, 'encodePng');
  const { channels = 1 } = options;
  if (channels !== 1 && channels !== 3 && channels !== 4) {
    throw new RangeError(`encodePng: options.channels must be 1, 3 or 4, got ${String(channels)}`);
  }
  const data = channels === 1 ? image.pixels : expandGray(image.pixels, channels, Uint8Array);
  const bytes = encode({ width: image.width, height: image.height, data, depth: 8, channels });
  // fast-png hands back a view into its (larger) growable buffer; copy out just the file.
  return bytes.slice();
}
