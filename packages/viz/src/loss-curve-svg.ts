import { categoricalColor } from './categorical-palette.js';
import { escapeXml } from './escape-xml.js';
import { paddedExtent } from './padded-extent.js';
import { assertPositiveSize } from './plot-frame.js';
import { svgAxes } from './svg-axes.js';
import { svgDocument } from './svg-document.js';
import { legendSize, svgLegend, type LegendEntry } from './svg-legend.js';
import { svgNumber as n } from './svg-number.js';

/** One named curve, e.g. `{ name: 'train', points: [{ x: 1, y: 210.4 }, …] }`. */
export interface LossSeries {
  name: string;
  points: readonly { x: number; y: number }[];
  /** Any CSS colour; default: the series' index in the categorical palette. */
  color?: string;
}

export interface LossCurveOptions {
  /** Heading above the plot. Default: none. */
  title?: string;
  /** Default `'epoch'`. */
  xLabel?: string;
  /** Default `'loss (nats / image)'`. */
  yLabel?: string;
  /** SVG width in px. Default 640. */
  width?: number;
  /** SVG height in px. Default 400. */
  height?: number;
  /** Draw a dot at every data point. Default true (turn off for thousands of steps). */
  markers?: boolean;
}

const WHERE = 'lossCurveSvg';

/**
 * A line chart of one or more loss curves as a standalone SVG string.
 *
 * Axes carry 1-2-5 ticks; the y range is the data's range plus 5% on each side, the x range
 * the data's range plus 2%. Points whose `x` or `y` is not finite (NaN, ±Infinity — e.g. a
 * diverged step) are skipped, both when sizing the axes and when drawing. Points are joined
 * in the order given. Each series becomes `<g class="series">` holding one `<polyline>` (empty
 * `points` when the series has no finite points) and, with `markers`, one `<circle>` per point;
 * the legend in the top-right corner lists every series.
 *
 * @example
 * const svg = lossCurveSvg([
 *   { name: 'train', points: history.map((h) => ({ x: h.epoch, y: h.trainLoss })) },
 *   { name: 'test', points: history.map((h) => ({ x: h.epoch, y: h.testLoss })) },
 * ], { title: 'VAE on MNIST' });
 */
export function lossCurveSvg(series: readonly LossSeries[], options: LossCurveOptions = {}): string {
  const {
    title,
    xLabel = 'epoch',
    yLabel = 'loss (nats / image)',
    width = 640,
    height = 400,
    markers = true,
  } = options;
  assertPositiveSize(width, 'options.width', WHERE);
  assertPositiveSize(height, 'options.height', WHERE);
  if (!Array.isArray(series)) {
    throw new TypeError(`${WHERE}: series must be an array of { name, points }, got ${typeof series}`);
  }

  const finite = series.map((s, i) => finitePoints(s, i));
  const xDomain = paddedExtent(finite.flatMap((ps) => ps.map((p) => p.x)), 0.02);
  const yDomain = paddedExtent(finite.flatMap((ps) => ps.map((p) => p.y)), 0.05);

  const top = title ? 40 : 16;
  const rect = { left: 72, top, width: Math.max(1, width - 72 - 20), height: Math.max(1, height - top - 52) };
  const axes = svgAxes({ rect, xDomain, yDomain, xLabel, yLabel });

  const legend: LegendEntry[] = [];
  const body: string[] = [axes.svg];
  series.forEach((s, i) => {
    const color = escapeXml(s.color ?? categoricalColor(i));
    legend.push({ label: s.name, color: s.color ?? categoricalColor(i) });
    const coords = finite[i]!.map((p) => `${n(axes.x(p.x))},${n(axes.y(p.y))}`);
    body.push(`<g class="series" data-name="${escapeXml(s.name)}">`);
    body.push(
      `<polyline fill="none" stroke="${color}" stroke-width="2" stroke-linejoin="round" stroke-linecap="round" points="${coords.join(' ')}"/>`,
    );
    if (markers) {
      for (const c of coords) {
        const [cx, cy] = c.split(',');
        body.push(`<circle cx="${cx}" cy="${cy}" r="3" fill="${color}" stroke="#fff" stroke-width="1"/>`);
      }
    }
    body.push('</g>');
  });

  const size = legendSize(legend, { marker: 'line' });
  body.push(svgLegend(legend, rect.left + rect.width - size.width - 8, rect.top + 8, { marker: 'line' }));
  return svgDocument(width, height, body.join('\n'), title);
}

function finitePoints(s: LossSeries, i: number): { x: number; y: number }[] {
  if (s === null || typeof s !== 'object') {
    throw new TypeError(`${WHERE}: series[${i}] must be an object { name, points }, got ${String(s)}`);
  }
  if (typeof s.name !== 'string') {
    throw new TypeError(`${WHERE}: series[${i}].name must be a string, got ${typeof s.name}`);
  }
  if (!Array.isArray(s.points)) {
    throw new TypeError(`${WHERE}: series[${i}].points must be an array of { x, y }, got ${typeof s.points}`);
  }
  if (s.color !== undefined && typeof s.color !== 'string') {
    throw new TypeError(`${WHERE}: series[${i}].color must be a CSS colour string, got ${typeof s.color}`);
  }
  const out: { x: number; y: number }[] = [];
  s.points.forEach((p, j) => {
    if (p === null || typeof p !== 'object' || typeof p.x !== 'number' || typeof p.y !== 'number') {
      throw new TypeError(`${WHERE}: series[${i}].points[${j}] must be { x: number, y: number }, got ${JSON.stringify(p)}`);
    }
    if (Number.isFinite(p.x) && Number.isFinite(p.y)) out.push({ x: p.x, y: p.y });
  });
  return out;
}
