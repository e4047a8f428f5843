import type { GrayImage, RasterImage, RgbImage } from './gray-image.js';
import { checkPositiveInteger } from '@vae/internal';

export interface ImageGridOptions {
  /** Number of tiles in `images`. */
  count: number;
  /** Image width in px: the tile's, but for side-by-side channel panels (see `channels`). Default 28 (MNIST). */
  width?: number;
  /** Tile height in px. Default 28 (MNIST). */
  height?: number;
  /**
   * Values per pixel, channels last: 1 (default) draws gray, 3 draws RGB (the result is an
   * `RgbImage`). Any other count (2, 4, …) is drawn as gray panels side by side, one per channel,
   * channel 0 leftmost, with no gap between them: each tile is `width * channels` px wide. (A
   * 4-channel image is not taken for RGBA: its channels may mean anything.)
   */
  channels?: number;
  /** Tiles per row. Default `ceil(sqrt(count))`. */
  columns?: number;
  /** Gap in px between tiles and around the border. Default 2. */
  padding?: number;
  /** Gray level of the gaps, 0 (black) .. 1 (white); in RGB, that gray. Default 0. */
  background?: number;
  /**
   * Columns per group: the grid's columns are split into groups of this many, `groupGap` px further
   * apart than the tiles inside a group. E.g. 2 for (original | reconstruction) pairs side by side:
   * `columns: 16, groupColumns: 2` shows 8 pairs a row. Default: no groups.
   */
  groupColumns?: number;
  /** Extra px of `background` between column groups, on top of `padding`. Default 4; needs `groupColumns`. */
  groupGap?: number;
  /**
   * Input values mapped to black and white; values outside are clamped, NaN becomes black.
   * Default `[0, 1]` for Float32Array (Bernoulli means), `[0, 255]` for Uint8Array (raw IDX bytes).
   */
  range?: readonly [number, number];
}

const WHERE = 'imageGrid';

/**
 * Tiles `count` images into one 8-bit image, row by row, left to right: gray, or RGB for
 * `channels: 3` (see `ImageGridOptions.channels` for other counts).
 *
 * `images` is `[count, height, width, channels]` row-major (channels last; `[count, height, width]`
 * for gray), e.g. 256 decoded samples of 784 floats. `width` below is the tile's width in px:
 * `width * channels` for the side-by-side panels of channel counts other than 1 and 3.
 * Like torchvision's `make_grid`, `padding` separates tiles *and* frames the border, so the
 * result is `columns * (width + padding) + padding` px wide and
 * `rows * (height + padding) + padding` px tall, with `rows = ceil(count / columns)`:
 * 256 MNIST tiles with the defaults give a 16 × 16 grid of 482 × 482 px. Tile `k` has its
 * top-left corner at `(padding + (k % columns) * (width + padding),
 * padding + floor(k / columns) * (height + padding))`. Unused cells of the last row and the
 * gaps are filled with `background`.
 *
 * With `groupColumns = g`, every g columns form a group and each later group is shifted right by
 * `groupGap` px: tile `k` moves by `floor((k % columns) / g) * groupGap`, and the image is
 * `(ceil(columns / g) - 1) * groupGap` px wider. The layouts this covers: an n × n grid (the default
 * `columns`), a strip of m tiles (`columns: m`), and pairs side by side (images interleaved as
 * `a₀, b₀, a₁, b₁, …` with an even `columns` and `groupColumns: 2`).
 *
 * @example
 * const grid = imageGrid(decoded, { count: 256 }); // decoded: Float32Array(256 * 784)
 * writeFileSync('samples.png', encodePng(grid));
 */
export function imageGrid(images: Float32Array | Uint8Array, options: ImageGridOptions & { channels: 3 }): RgbImage;
export function imageGrid(images: Float32Array | Uint8Array, options: ImageGridOptions & { channels?: 1 }): GrayImage;
export function imageGrid(images: Float32Array | Uint8Array, options: ImageGridOptions): RasterImage;
export function imageGrid(images: Float32Array | Uint8Array, options: ImageGridOptions): RasterImage {
  if (!(images instanceof Float32Array) && !(images instanceof Uint8Array)) {
    throw new TypeError(`${WHERE}: images must be a Float32Array or Uint8Array, got ${describe(images)}`);
  }
  if (options === null || typeof options !== 'object') {
    throw new TypeError(`${WHERE}: options must be an object with at least { count }, got ${String(options)}`);
  }
  const { count, width: imageWidth = 28, height = 28, channels = 1, padding = 2, background = 0 } = options;
  checkPositiveInteger(count, `${WHERE}: options.count`);
  checkPositiveInteger(imageWidth, `${WHERE}: options.width`);
  checkPositiveInteger(height, `${WHERE}: options.height`);
  checkPositiveInteger(channels, `${WHERE}: options.channels`);
  const columns = options.columns ?? Math.ceil(Math.sqrt(count));
  checkPositiveInteger(columns, `${WHERE}: options.columns`);
  if (!Number.isInteger(padding) || padding < 0) {
    throw new RangeError(`${WHERE}: options.padding must be a non-negative integer, got ${String(padding)}`);
  }
  if (typeof background !== 'number' || !(background >= 0 && background <= 1)) {
    throw new RangeError(`${WHERE}: options.background must be a number in [0, 1], got ${String(background)}`);
  }
  const { groupColumns } = options;
  if (groupColumns !== undefined) checkPositiveInteger(groupColumns, `${WHERE}: options.groupColumns`);
  else if (options.groupGap !== undefined) {
    throw new RangeError(`${WHERE}: options.groupGap needs options.groupColumns (the columns per group)`);
  }
  const groupGap = groupColumns === undefined ? 0 : (options.groupGap ?? 4);
  if (!Number.isInteger(groupGap) || groupGap < 0) {
    throw new RangeError(`${WHERE}: options.groupGap must be a non-negative integer, got ${String(groupGap)}`);
  }
  const [lo, hi] = options.range ?? (images instanceof Float32Array ? [0, 1] : [0, 255]);
  if (!Number.isFinite(lo) || !Number.isFinite(hi) || !(lo < hi)) {
    throw new RangeError(`${WHERE}: options.range must be [lo, hi] with finite lo < hi, got [${String(lo)}, ${String(hi)}]`);
  }

  const tileSize = imageWidth * height * channels;
  if (images.length !== count * tileSize) {
    const factors = channels === 1 ? `${count} * ${imageWidth} * ${height}` : `${count} * ${imageWidth} * ${height} * ${channels}`;
    throw new RangeError(
      `${WHERE}: images must have count * width * height${channels === 1 ? '' : ' * channels'} = ${factors} = ${count * tileSize} values, got length ${images.length}`,
    );
  }
  // Bytes per output pixel (3 for RGB), and the tile's width in px (wider for side-by-side panels).
  const depth = channels === 3 ? 3 : 1;
  const panels = channels === 1 || channels === 3 ? 1 : channels;
  const width = imageWidth * panels;

  const rows = Math.ceil(count / columns);
  const groupOf = (column: number) => (groupColumns === undefined ? 0 : Math.floor(column / groupColumns));
  const outWidth = columns * (width + padding) + padding + groupOf(columns - 1) * groupGap;
  const outHeight = rows * (height + padding) + padding;
  const pixels = new Uint8Array(outWidth * outHeight * depth).fill(Math.round(background * 255));

  const copyBytes = images instanceof Uint8Array && lo === 0 && hi === 255;
  const scale = 255 / (hi - lo);
  const byte = (value: number) => {
    const v = (value - lo) * scale;
    // `!(v > 0)` also sends NaN to black.
    return !(v > 0) ? 0 : v >= 255 ? 255 : Math.round(v);
  };
  const rowValues = imageWidth * channels;
  for (let k = 0; k < count; k++) {
    const left = padding + (k % columns) * (width + padding) + groupOf(k % columns) * groupGap;
    const top = padding + Math.floor(k / columns) * (height + padding);
    for (let y = 0; y < height; y++) {
      const src = k * tileSize + y * rowValues;
      const dst = ((top + y) * outWidth + left) * depth;
      if (panels > 1) {
        // Channel c of pixel x goes to panel c: x + c·imageWidth.
        for (let c = 0; c < channels; c++) {
          for (let x = 0; x < imageWidth; x++) pixels[dst + c * imageWidth + x] = byte(images[src + x * channels + c]!);
        }
        continue;
      }
      // Gray or RGB: a tile's row is its source row, value for value.
      if (copyBytes) {
        pixels.set(images.subarray(src, src + rowValues), dst);
        continue;
      }
      for (let i = 0; i < rowValues; i++) pixels[dst + i] = byte(images[src + i]!);
    }
  }
  return depth === 3 ? { width: outWidth, height: outHeight, channels: 3, pixels } : { width: outWidth, height: outHeight, pixels };
}

function describe(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (Array.isArray(value)) return 'Array (convert with new Float32Array(array))';
  return (value as object).constructor?.name ?? typeof value;
}
