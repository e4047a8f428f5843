import type { GrayImage } from './gray-image.js';

export interface ImageGridOptions {
  /** Number of tiles in `images`. */
  count: number;
  /** Tile width in px. Default 28 (MNIST). */
  width?: number;
  /** Tile height in px. Default 28 (MNIST). */
  height?: number;
  /** Tiles per row. Default `ceil(sqrt(count))`. */
  columns?: number;
  /** Gap in px between tiles and around the border. Default 2. */
  padding?: number;
  /** Gray level of the gaps, 0 (black) .. 1 (white). Default 0. */
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
 * Tiles `count` grayscale images into one 8-bit image, row by row, left to right.
 *
 * `images` is `[count, height, width]` row-major, e.g. 256 decoded samples of 784 floats.
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
export function imageGrid(images: Float32Array | Uint8Array, options: ImageGridOptions): GrayImage {
  if (!(images instanceof Float32Array) && !(images instanceof Uint8Array)) {
    throw new TypeError(`${WHERE}: images must be a Float32Array or Uint8Array, got ${describe(images)}`);
  }
  if (options === null || typeof options !== 'object') {
    throw new TypeError(`${WHERE}: options must be an object with at least { count }, got ${String(options)}`);
  }
  const { count, width = 28, height = 28, padding = 2, background = 0 } = options;
  positiveInteger(count, 'options.count');
  positiveInteger(width, 'options.width');
  positiveInteger(height, 'options.height');
  const columns = options.columns ?? Math.ceil(Math.sqrt(count));
  positiveInteger(columns, 'options.columns');
  if (!Number.isInteger(padding) || padding < 0) {
    throw new RangeError(`${WHERE}: options.padding must be a non-negative integer, got ${String(padding)}`);
  }
  if (typeof background !== 'number' || !(background >= 0 && background <= 1)) {
    throw new RangeError(`${WHERE}: options.background must be a number in [0, 1], got ${String(background)}`);
  }
  const { groupColumns } = options;
  if (groupColumns !== undefined) positiveInteger(groupColumns, 'options.groupColumns');
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

  const tileSize = width * height;
  if (images.length !== count * tileSize) {
    throw new RangeError(
      `${WHERE}: images must have count * width * height = ${count} * ${width} * ${height} = ${count * tileSize} values, got length ${images.length}`,
    );
  }

  const rows = Math.ceil(count / columns);
  const groupOf = (column: number) => (groupColumns === undefined ? 0 : Math.floor(column / groupColumns));
  const outWidth = columns * (width + padding) + padding + groupOf(columns - 1) * groupGap;
  const outHeight = rows * (height + padding) + padding;
  const pixels = new Uint8Array(outWidth * outHeight).fill(Math.round(background * 255));

  const copyBytes = images instanceof Uint8Array && lo === 0 && hi === 255;
  const scale = 255 / (hi - lo);
  for (let k = 0; k < count; k++) {
    const left = padding + (k % columns) * (width + padding) + groupOf(k % columns) * groupGap;
    const top = padding + Math.floor(k / columns) * (height + padding);
    for (let y = 0; y < height; y++) {
      const src = k * tileSize + y * width;
      const dst = (top + y) * outWidth + left;
      if (copyBytes) {
        pixels.set(images.subarray(src, src + width), dst);
        continue;
      }
      for (let x = 0; x < width; x++) {
        const v = (images[src + x]! - lo) * scale;
        // `!(v > 0)` also sends NaN to black.
        pixels[dst + x] = !(v > 0) ? 0 : v >= 255 ? 255 : Math.round(v);
      }
    }
  }
  return { width: outWidth, height: outHeight, pixels };
}

function positiveInteger(value: unknown, field: string): void {
  if (!Number.isInteger(value) || (value as number) < 1) {
    throw new RangeError(`${WHERE}: ${field} must be a positive integer, got ${String(value)}`);
  }
}

function describe(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (Array.isArray(value)) return 'Array (convert with new Float32Array(array))';
  return (value as object).constructor?.name ?? typeof value;
}
