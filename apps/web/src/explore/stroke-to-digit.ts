/** A square-ish drawing read back from a canvas: white ink on black (or on transparent). */
export interface InkBuffer {
  /** `[height, width, channels]` row-major bytes, e.g. `ImageData.data`. */
  data: Uint8Array | Uint8ClampedArray;
  width: number;
  height: number;
  /** 4 for RGBA (`ImageData`; ink = gray × alpha), 1 for a plain ink/alpha mask. Default 4. */
  channels?: 1 | 4;
}

export interface StrokeToDigitOptions {
  /** Side of the output frame. Default 28 (MNIST). */
  side?: number;
  /** The ink's longer side is scaled to this many pixels. Default 20 (MNIST). */
  box?: number;
  /** Pixels with ink above this (0..255) count for the bounding box. Default 0. */
  threshold?: number;
}

export interface DigitImage {
  /** `[side, side]` row-major, 0..255 ink (white digit on black, as in MNIST). */
  pixels: Uint8Array;
  /** True when there was no ink at all (then `pixels` are all zero). */
  empty: boolean;
}

/**
 * Turns a drawing into an MNIST-style digit the way the NIST digits were normalised (LeCun et al.,
 * "The MNIST database"): crop to the ink's bounding box, scale so the longer side is `box` px
 * keeping the aspect ratio (area averaging, which gives the grey, anti-aliased edges MNIST has),
 * and place it in a `side × side` frame so that its centre of mass is at the frame's centre.
 *
 * One departure: a placement that would push ink out of the frame is clamped so that the whole
 * box stays inside (MNIST would have cut it off); it only happens for very lopsided drawings.
 */
export function strokeToDigit(drawing: InkBuffer, options: StrokeToDigitOptions = {}): DigitImage {
  const { width, height, data } = drawing;
  const channels = drawing.channels ?? 4;
  const { side = 28, box = 20, threshold = 0 } = options;
  if (!Number.isInteger(width) || width < 1 || !Number.isInteger(height) || height < 1) {
    throw new RangeError(`strokeToDigit: width and height must be positive integers, got ${width} × ${height}`);
  }
  if (data.length !== width * height * channels) {
    throw new RangeError(`strokeToDigit: data must hold width * height * channels = ${width * height * channels} bytes, got ${data.length}`);
  }
  if (!Number.isInteger(side) || !Number.isInteger(box) || box < 1 || box > side) {
    throw new RangeError(`strokeToDigit: need integers 1 ≤ box ≤ side, got box ${box}, side ${side}`);
  }

  const ink = inkOf(data, width * height, channels);
  const bounds = inkBounds(ink, width, height, threshold);
  const pixels = new Uint8Array(side * side);
  if (bounds === null) return { pixels, empty: true };

  const cropWidth = bounds.right - bounds.left + 1;
  const cropHeight = bounds.bottom - bounds.top + 1;
  const scale = box / Math.max(cropWidth, cropHeight);
  const outWidth = Math.max(1, Math.min(box, Math.round(cropWidth * scale)));
  const outHeight = Math.max(1, Math.min(box, Math.round(cropHeight * scale)));
  const scaled = areaResample(ink, width, bounds, cropWidth, cropHeight, outWidth, outHeight);

  // Centre of mass in pixel-index coordinates; the frame's centre is at (side − 1) / 2.
  let mass = 0;
  let mx = 0;
  let my = 0;
  for (let y = 0; y < outHeight; y++) {
    for (let x = 0; x < outWidth; x++) {
      const v = scaled[y * outWidth + x]!;
      mass += v;
      mx += x * v;
      my += y * v;
    }
  }
  const centre = (side - 1) / 2;
  const left = clamp(Math.round(centre - mx / mass), 0, side - outWidth);
  const top = clamp(Math.round(centre - my / mass), 0, side - outHeight);
  for (let y = 0; y < outHeight; y++) {
    for (let x = 0; x < outWidth; x++) {
      pixels[(top + y) * side + left + x] = clamp(Math.round(scaled[y * outWidth + x]!), 0, 255);
    }
  }
  return { pixels, empty: false };
}

/** Ink per pixel, 0..255: gray × alpha for RGBA (works on opaque black and on transparent canvases). */
function inkOf(data: Uint8Array | Uint8ClampedArray, count: number, channels: 1 | 4): Float32Array {
  const ink = new Float32Array(count);
  if (channels === 1) {
    ink.set(data);
    return ink;
  }
  for (let i = 0; i < count; i++) {
    const gray = (data[4 * i]! + data[4 * i + 1]! + data[4 * i + 2]!) / 3;
    ink[i] = (gray * data[4 * i + 3]!) / 255;
  }
  return ink;
}

interface Bounds {
  left: number;
  top: number;
  right: number;
  bottom: number;
}

function inkBounds(ink: Float32Array, width: number, height: number, threshold: number): Bounds | null {
  let left = width;
  let top = height;
  let right = -1;
  let bottom = -1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (ink[y * width + x]! > threshold) {
        if (x < left) left = x;
        if (x > right) right = x;
        if (y < top) top = y;
        bottom = y;
      }
    }
  }
  return right < 0 ? null : { left, top, right, bottom };
}

/**
 * Box-filter resampling of the cropped ink to `outWidth × outHeight`: each output pixel is the
 * area-weighted mean of the source pixels its footprint covers (separable: rows, then columns).
 */
function areaResample(
  ink: Float32Array,
  stride: number,
  bounds: Bounds,
  cropWidth: number,
  cropHeight: number,
  outWidth: number,
  outHeight: number,
): Float32Array {
  const xWeights = areaWeights(cropWidth, outWidth);
  const yWeights = areaWeights(cropHeight, outHeight);
  const rows = new Float32Array(cropHeight * outWidth);
  for (let y = 0; y < cropHeight; y++) {
    const src = (bounds.top + y) * stride + bounds.left;
    for (let x = 0; x < outWidth; x++) {
      let sum = 0;
      for (const [i, w] of xWeights[x]!) sum += ink[src + i]! * w;
      rows[y * outWidth + x] = sum;
    }
  }
  const out = new Float32Array(outHeight * outWidth);
  for (let y = 0; y < outHeight; y++) {
    for (let x = 0; x < outWidth; x++) {
      let sum = 0;
      for (const [i, w] of yWeights[y]!) sum += rows[i * outWidth + x]! * w;
      out[y * outWidth + x] = sum;
    }
  }
  return out;
}

/** For each of `outSize` cells: the source indices it overlaps and their weights (summing to 1). */
function areaWeights(inSize: number, outSize: number): Array<Array<[number, number]>> {
  const step = inSize / outSize;
  const cells: Array<Array<[number, number]>> = [];
  for (let o = 0; o < outSize; o++) {
    const start = o * step;
    const end = Math.min(inSize, (o + 1) * step);
    const cell: Array<[number, number]> = [];
    for (let i = Math.floor(start); i < end; i++) {
      const overlap = Math.min(end, i + 1) - Math.max(start, i);
      if (overlap > 0) cell.push([i, overlap / (end - start)]);
    }
    cells.push(cell);
  }
  return cells;
}

function clamp(value: number, lo: number, hi: number): number {
  return value < lo ? lo : value > hi ? hi : value;
}
