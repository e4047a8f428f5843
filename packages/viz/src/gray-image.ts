import { checkPositiveInteger } from '@vae/internal';

/**
 * An 8-bit grayscale raster: `pixels[y * width + x]`, 0 = black, 255 = white.
 * `pixels.length === width * height`.
 */
export interface GrayImage {
  width: number;
  height: number;
  /** Absent or 1: one byte per pixel (what tells a gray image from an `RgbImage`). */
  channels?: 1;
  /** `[height, width]`, row-major, one byte per pixel. */
  pixels: Uint8Array;
}

/** An 8-bit RGB raster: `pixels[(y * width + x) * 3 + c]`, c = 0 red, 1 green, 2 blue. */
export interface RgbImage {
  width: number;
  height: number;
  channels: 3;
  /** `[height, width, 3]`, row-major, channels last. */
  pixels: Uint8Array;
}

/** What `imageGrid` makes and `encodePng` and `grayToRgba` take: gray (1 byte a pixel) or RGB (3). */
export type RasterImage = GrayImage | RgbImage;

/** Throws unless `image` is a gray or RGB image whose `pixels` fill `width * height * channels`. */
export function assertRasterImage(image: RasterImage, where: string): void {
  if (image === null || typeof image !== 'object') {
    throw new TypeError(`${where}: image must be an object { width, height, pixels }, got ${String(image)}`);
  }
  const channels = image.channels ?? 1;
  if (channels !== 1 && channels !== 3) {
    throw new RangeError(`${where}: image.channels must be 1 (gray) or 3 (RGB), got ${String(channels)}`);
  }
  assertRaster(image, where, channels);
}

/** Throws unless `image` is a GrayImage whose `pixels` fill `width * height`. */
export function assertGrayImage(image: GrayImage, where: string): void {
  if (image === null || typeof image !== 'object') {
    throw new TypeError(`${where}: image must be an object { width, height, pixels }, got ${String(image)}`);
  }
  assertRaster(image, where, 1);
}

function assertRaster(image: RasterImage, where: string, channels: 1 | 3): void {
  const { width, height, pixels } = image;
  checkPositiveInteger(width, `${where}: image.width`);
  checkPositiveInteger(height, `${where}: image.height`);
  if (!(pixels instanceof Uint8Array)) {
    throw new TypeError(`${where}: image.pixels must be a Uint8Array (8-bit ${channels === 1 ? 'gray' : 'RGB'}), got ${describe(pixels)}`);
  }
  if (pixels.length !== width * height * channels) {
    const need = channels === 1 ? `width * height = ${width} * ${height}` : `width * height * 3 = ${width} * ${height} * 3`;
    throw new RangeError(
      `${where}: image.pixels must have ${need} = ${width * height * channels} entries${channels === 1 ? '' : ' (RGB)'}, got ${pixels.length}`,
    );
  }
}

function describe(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  return (value as object).constructor?.name ?? typeof value;
}
