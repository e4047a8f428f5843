/**
 * An 8-bit grayscale raster: `pixels[y * width + x]`, 0 = black, 255 = white.
 * `pixels.length === width * height`.
 */
export interface GrayImage {
  width: number;
  height: number;
  /** `[height, width]`, row-major, one byte per pixel. */
  pixels: Uint8Array;
}

/** Throws unless `image` is a GrayImage whose `pixels` fill `width * height`. */
export function assertGrayImage(image: GrayImage, where: string): void {
  if (image === null || typeof image !== 'object') {
    throw new TypeError(`${where}: image must be an object { width, height, pixels }, got ${String(image)}`);
  }
  const { width, height, pixels } = image;
  if (!Number.isInteger(width) || width < 1) {
    throw new RangeError(`${where}: image.width must be a positive integer, got ${String(width)}`);
  }
  if (!Number.isInteger(height) || height < 1) {
    throw new RangeError(`${where}: image.height must be a positive integer, got ${String(height)}`);
  }
  if (!(pixels instanceof Uint8Array)) {
    throw new TypeError(`${where}: image.pixels must be a Uint8Array (8-bit gray), got ${describe(pixels)}`);
  }
  if (pixels.length !== width * height) {
    throw new RangeError(
      `${where}: image.pixels must have width * height = ${width} * ${height} = ${width * height} entries, got ${pixels.length}`,
    );
  }
}

function describe(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  return (value as object).constructor?.name ?? typeof value;
}
