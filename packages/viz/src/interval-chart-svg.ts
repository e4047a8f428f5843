import { escapeXml } from './escape-xml.js';
import { paddedExtent } from './padded-extent.js';
import { assertPositiveSize } from './plot-frame.js';
import { svgAxes } from './svg-axes.js';
import { svgDocument } from './svg-document.js';
import { svgNumber as n } from './svg-number.js';

/** One category: its values (e.g. the final loss of each seed), their mean and an interval around it. */
export interface IntervalGroup {
  label: string;
  values: readonly number[];
  mean: number;
  /** The interval's ends (e.g. a 95 % confidence interval); equal to `mean` for none. */
  low: number;
  high: number;
}

export interface IntervalChartOptions {
  title?: string;
  xLabel?: string;
  /** Default `'loss (nats / image)'`. */
  yLabel?: string;
  /** Default 640. */
  width?: number;
  /** Default 400. */
  height?: number;
  /** Colour of the means and intervals (the values are drawn grey). Default `'#1f77b4'`. */
  color?: string;
}

const WHERE = 'intervalChartSvg';

/**
 * A dot-and-whisker chart as a standalone SVG string: one column per group, its values as small
 * grey dots, its mean as a bar and its interval as a whisker (`<g class="group">`). For a sweep:
 * the final test loss per configuration, a dot per seed, the 95 % interval of the mean.
 *
 * @example
 * intervalChartSvg([{ label: 'beta 1', values: [101.2, 101.9], mean: 101.55, low: 97.1, high: 106.0 }]);
 */
export function intervalChartSvg(groups: readonly IntervalGroup[], options: IntervalChartOptions = {}): string {
  const { title, xLabel, yLabel = 'loss (nats / image)', width = 640, height = 400, color = '#1f77b4' } = options;
  assertPositiveSize(width, 'options.width', WHERE);
  assertPositiveSize(height, 'options.height', WHERE);
  if (!Array.isArray(groups)) throw new TypeError(`${WHERE}: groups must be an array of { label, values, mean, low, high }, got ${typeof groups}`);
  groups.forEach((g, i) => {
    if (g === null || typeof g !== 'object' || typeof g.label !== 'string' || !Array.isArray(g.values)) {
      throw new TypeError(`${WHERE}: groups[${i}] must be { label: string, values: number[], mean, low, high }`);
    }
  });
  const finite = (v: number) => typeof v === 'number' && Number.isFinite(v);
  const yDomain = paddedExtent(groups.flatMap((g) => [...g.values, g.mean, g.low, g.high].filter(finite)), 0.08);
  const top = title ? 40 : 16;
  const rect = { left: 72, top, width: Math.max(1, width - 72 - 20), height: Math.max(1, height - top - 52) };
  const xDomain: [number, number] = [0.5, Math.max(1, groups.length) + 0.5];
  const axes = svgAxes({ rect, xDomain, yDomain, xLabel, yLabel, xCategories: groups.map((g, i) => ({ value: i + 1, label: g.label })) });
  const body: string[] = [axes.svg];
  const half = Math.min(18, rect.width / Math.max(1, groups.length) / 4);
  groups.forEach((g, i) => {
    const cx = axes.x(i + 1);
    body.push(`<g class="group" data-label="${escapeXml(g.label)}">`);
    (g.values as readonly number[]).filter(finite).forEach((v: number, j: number) => {
      const dx = g.values.length > 1 ? ((j / (g.values.length - 1)) - 0.5) * half : 0;
      body.push(`<circle class="value" cx="${n(cx + dx)}" cy="${n(axes.y(v))}" r="2.5" fill="#999"/>`);
    });
    if (finite(g.low) && finite(g.high)) {
      const c = escapeXml(color);
      body.push(`<line class="interval" x1="${n(cx)}" y1="${n(axes.y(g.low))}" x2="${n(cx)}" y2="${n(axes.y(g.high))}" stroke="${c}" stroke-width="2"/>`);
      for (const end of [g.low, g.high]) body.push(`<line x1="${n(cx - half / 2)}" y1="${n(axes.y(end))}" x2="${n(cx + half / 2)}" y2="${n(axes.y(end))}" stroke="${c}" stroke-width="2"/>`);
    }
    if (finite(g.mean)) body.push(`<line class="mean" x1="${n(cx - half)}" y1="${n(axes.y(g.mean))}" x2="${n(cx + half)}" y2="${n(axes.y(g.mean))}" stroke="${escapeXml(color)}" stroke-width="3"/>`);
    body.push('</g>');
  });
  return svgDocument(width, height, body.join('\n'), title);
}
