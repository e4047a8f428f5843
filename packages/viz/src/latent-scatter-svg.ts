import { categoricalColor } from './categorical-palette.js';
import { paddedExtent } from './padded-extent.js';
import { assertPositiveSize } from './plot-frame.js';
import { svgAxes } from './svg-axes.js';
import { svgDocument } from './svg-document.js';
import { legendSize, svgLegend, type LegendEntry } from './svg-legend.js';
import { svgNumber as n } from './svg-number.js';

export interface LatentScatterOptions {
  /** SVG width in px, legend included. Default 560. */
  width?: number;
  /** SVG height in px. Default 480. */
  height?: number;
  /** Heading above the plot. Default: none. */
  title?: string;
  /** Default `'z₁'`. */
  xLabel?: string;
  /** Default `'z₂'`. */
  yLabel?: string;
  /** Legend text for class `k` is `classNames[k]` (default: the digit `k`). */
  classNames?: readonly string[];
  /** Dot radius in px. Default 2.5. */
  radius?: number;
  /** Dot opacity, 0..1. Default 0.7. */
  opacity?: number;
}

const WHERE = 'latentScatterSvg';

/**
 * A scatter plot of 2-D latent codes coloured by class, as a standalone SVG string.
 *
 * `points` is `[n, 2]` row-major (`z₁, z₂, z₁, z₂, …`, e.g. the encoder means for a test set);
 * `labels[i]` (a non-negative integer) picks the colour of point `i` from the 10-colour
 * categorical palette (class `k` → `categoricalPalette[k % 10]`). Each point is one `<circle>`,
 * drawn in the given order; points with a non-finite coordinate are skipped. Axes are sized to
 * the finite points plus 5% and carry 1-2-5 ticks; the legend, right of the plot, lists each
 * class that occurs in `labels`, in ascending order.
 *
 * @example
 * const svg = latentScatterSvg(zMean, testLabels, { title: '2-D latent space, MNIST test set' });
 */
export function latentScatterSvg(
  points: Float32Array | Float64Array | readonly number[],
  labels: Uint8Array | readonly number[],
  options: LatentScatterOptions = {},
): string {
  const {
    width = 560,
    height = 480,
    title,
    xLabel = 'z₁',
    yLabel = 'z₂',
    classNames,
    radius = 2.5,
    opacity = 0.7,
  } = options;
  assertPositiveSize(width, 'options.width', WHERE);
  assertPositiveSize(height, 'options.height', WHERE);
  assertPositiveSize(radius, 'options.radius', WHERE);
  if (typeof opacity !== 'number' || !(opacity >= 0 && opacity <= 1)) {
    throw new RangeError(`${WHERE}: options.opacity must be a number in [0, 1], got ${String(opacity)}`);
  }
  if (points === null || typeof points !== 'object' || typeof points.length !== 'number') {
    throw new TypeError(`${WHERE}: points must be a Float32Array, Float64Array or number[] of [n, 2] codes, got ${String(points)}`);
  }
  if (points.length % 2 !== 0) {
    throw new RangeError(`${WHERE}: points must hold n * 2 numbers (z₁, z₂ per point), got length ${points.length}`);
  }
  const count = points.length / 2;
  if (labels === null || typeof labels !== 'object' || labels.length !== count) {
    throw new RangeError(
      `${WHERE}: labels must have one entry per point, expected length ${count} (points.length / 2), got ${labels === null || typeof labels !== 'object' ? String(labels) : labels.length}`,
    );
  }
  const classes = new Set<number>();
  for (let i = 0; i < count; i++) {
    const label = labels[i]!;
    if (!Number.isInteger(label) || label < 0) {
      throw new RangeError(`${WHERE}: labels[${i}] must be a non-negative integer class, got ${label}`);
    }
    classes.add(label);
  }

  const xs: number[] = [];
  const ys: number[] = [];
  for (let i = 0; i < count; i++) {
    const x = points[2 * i]!;
    const y = points[2 * i + 1]!;
    if (Number.isFinite(x) && Number.isFinite(y)) {
      xs.push(x);
      ys.push(y);
    }
  }

  const legend: LegendEntry[] = [...classes]
    .sort((a, b) => a - b)
    .map((k) => ({ label: classNames?.[k] ?? String(k), color: categoricalColor(k) }));
  const legendBox = legendSize(legend, { marker: 'swatch' });

  const top = title ? 40 : 16;
  const right = (legend.length > 0 ? legendBox.width + 16 : 0) + 16;
  const rect = { left: 72, top, width: Math.max(1, width - 72 - right), height: Math.max(1, height - top - 52) };
  const axes = svgAxes({ rect, xDomain: paddedExtent(xs), yDomain: paddedExtent(ys), xLabel, yLabel });

  const body: string[] = [axes.svg, `<g class="points" fill-opacity="${n(opacity)}">`];
  const r = n(radius);
  for (let i = 0; i < count; i++) {
    const x = points[2 * i]!;
    const y = points[2 * i + 1]!;
    if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
    body.push(`<circle cx="${n(axes.x(x))}" cy="${n(axes.y(y))}" r="${r}" fill="${categoricalColor(labels[i]!)}"/>`);
  }
  body.push('</g>');
  body.push(svgLegend(legend, rect.left + rect.width + 16, rect.top, { marker: 'swatch' }));
  return svgDocument(width, height, body.join('\n'), title);
}
