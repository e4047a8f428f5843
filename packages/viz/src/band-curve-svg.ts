import { categoricalColor } from './categorical-palette.js';
import { escapeXml } from './escape-xml.js';
import { paddedExtent } from './padded-extent.js';
import { assertPositiveSize } from './plot-frame.js';
import { svgAxes } from './svg-axes.js';
import { svgDocument } from './svg-document.js';
import { legendSize, svgLegend, type LegendEntry } from './svg-legend.js';
import { svgNumber as n } from './svg-number.js';

/** A curve with a band around it, e.g. the mean test loss over seeds per epoch (`y`) between their lowest and highest (`low`, `high`). */
export interface BandSeries {
  name: string;
  points: readonly { x: number; y: number; low: number; high: number }[];
  /** Any CSS colour; default: the series' index in the categorical palette. */
  color?: string;
}

export interface BandCurveOptions {
  title?: string;
  /** Default `'epoch'`. */
  xLabel?: string;
  /** Default `'loss (nats / image)'`. */
  yLabel?: string;
  /** Default 640. */
  width?: number;
  /** Default 400. */
  height?: number;
  /** Opacity of the bands, in (0, 1]. Default 0.2. */
  bandOpacity?: number;
}

const WHERE = 'bandCurveSvg';

/**
 * Curves with shaded bands as a standalone SVG string: per series a `<polygon class="band">`
 * from `low` to `high` and a `<polyline>` through `y`, in `<g class="series">`; points with a
 * value that is not finite are left out. The y range covers the bands. For a sweep: the test
 * loss per epoch of each configuration, its band the spread over seeds.
 *
 * @example
 * bandCurveSvg([{ name: 'beta 1', points: [{ x: 1, y: 120, low: 119.5, high: 120.4 }, …] }], { title: 'Test loss over 5 seeds' });
 */
export function bandCurveSvg(series: readonly BandSeries[], options: BandCurveOptions = {}): string {
  const { title, xLabel = 'epoch', yLabel = 'loss (nats / image)', width = 640, height = 400, bandOpacity = 0.2 } = options;
  assertPositiveSize(width, 'options.width', WHERE);
  assertPositiveSize(height, 'options.height', WHERE);
  if (!Array.isArray(series)) throw new TypeError(`${WHERE}: series must be an array of { name, points }, got ${typeof series}`);
  if (typeof bandOpacity !== 'number' || !(bandOpacity > 0 && bandOpacity <= 1)) throw new RangeError(`${WHERE}: options.bandOpacity must be in (0, 1], got ${String(bandOpacity)}`);
  type Point = BandSeries['points'][number];
  const finite: Point[][] = series.map((s, i) => {
    if (s === null || typeof s !== 'object' || typeof s.name !== 'string' || !Array.isArray(s.points)) {
      throw new TypeError(`${WHERE}: series[${i}] must be { name: string, points: { x, y, low, high }[] }`);
    }
    return (s.points as readonly Point[]).filter((p) => [p.x, p.y, p.low, p.high].every((v) => typeof v === 'number' && Number.isFinite(v)));
  });
  const xDomain = paddedExtent(finite.flatMap((ps) => ps.map((p) => p.x)), 0.02);
  const yDomain = paddedExtent(finite.flatMap((ps) => ps.flatMap((p) => [p.low, p.high, p.y])), 0.05);
  const top = title ? 40 : 16;
  const rect = { left: 72, top, width: Math.max(1, width - 72 - 20), height: Math.max(1, height - top - 52) };
  const axes = svgAxes({ rect, xDomain, yDomain, xLabel, yLabel });
  const body: string[] = [axes.svg];
  const legend: LegendEntry[] = [];
  series.forEach((s, i) => {
    const color = s.color ?? categoricalColor(i);
    legend.push({ label: s.name, color });
    const ps = finite[i]!;
    const upper = ps.map((p) => `${n(axes.x(p.x))},${n(axes.y(p.high))}`);
    const lower = [...ps].reverse().map((p) => `${n(axes.x(p.x))},${n(axes.y(p.low))}`);
    body.push(`<g class="series" data-name="${escapeXml(s.name)}">`);
    body.push(`<polygon class="band" fill="${escapeXml(color)}" fill-opacity="${n(bandOpacity)}" stroke="none" points="${[...upper, ...lower].join(' ')}"/>`);
    body.push(`<polyline fill="none" stroke="${escapeXml(color)}" stroke-width="2" stroke-linejoin="round" points="${ps.map((p) => `${n(axes.x(p.x))},${n(axes.y(p.y))}`).join(' ')}"/>`);
    body.push('</g>');
  });
  const size = legendSize(legend, { marker: 'line' });
  body.push(svgLegend(legend, rect.left + rect.width - size.width - 8, rect.top + 8, { marker: 'line' }));
  return svgDocument(width, height, body.join('\n'), title);
}
