/** Where the data is drawn on the canvas, in CSS pixels. */
export interface PlotRect {
  left: number;
  top: number;
  width: number;
  height: number;
}

/** Data → canvas mapping for a scatter plot (y up). */
export interface ScatterScale {
  xDomain: [number, number];
  yDomain: [number, number];
  x(value: number): number;
  y(value: number): number;
}

/**
 * Fits linear x and y scales to the finite points of `coords` (`[n, 2]`), each widened by `margin`
 * of its span so no dot sits on the frame. A single distinct value gets ±0.5 (or ±10%) around it.
 */
export function fitScatterScale(coords: Float32Array, rect: PlotRect, margin = 0.05): ScatterScale {
  const xDomain = paddedRange(coords, 0, margin);
  const yDomain = paddedRange(coords, 1, margin);
  return {
    xDomain,
    yDomain,
    x: (v) => rect.left + ((v - xDomain[0]) / (xDomain[1] - xDomain[0])) * rect.width,
    y: (v) => rect.top + rect.height - ((v - yDomain[0]) / (yDomain[1] - yDomain[0])) * rect.height,
  };
}

function paddedRange(coords: Float32Array, offset: 0 | 1, margin: number): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i + 1 < coords.length; i += 2) {
    if (!Number.isFinite(coords[i]!) || !Number.isFinite(coords[i + 1]!)) continue;
    const v = coords[i + offset]!;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (lo > hi) return [0, 1];
  if (lo === hi) {
    const half = Math.max(Math.abs(lo) * 0.1, 0.5);
    return [lo - half, hi + half];
  }
  const pad = (hi - lo) * margin;
  return [lo - pad, hi + pad];
}
