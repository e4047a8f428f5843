import { escapeXml } from './escape-xml.js';
import { linearScale } from './linear-scale.js';
import { formatTick, niceStep, ticksWithStep } from './nice-ticks.js';
import { FONT, type PlotRect } from './plot-frame.js';
import { svgNumber as n } from './svg-number.js';

export interface AxesOptions {
  rect: PlotRect;
  xDomain: readonly [number, number];
  yDomain: readonly [number, number];
  xLabel?: string;
  yLabel?: string;
  /** Light grid lines at each tick. Default true. */
  grid?: boolean;
  /** Categories on x instead of numbers: these ticks, each with its label (e.g. a setting per tick at 1, 2, 3). */
  xCategories?: readonly { value: number; label: string }[];
}

export interface Axes {
  /** SVG fragment: grid, frame, ticks, tick labels, axis labels. */
  svg: string;
  /** Data x → SVG x. */
  x: (value: number) => number;
  /** Data y → SVG y (up is up). */
  y: (value: number) => number;
  xTicks: number[];
  yTicks: number[];
}

/**
 * A pair of linear axes around `rect`: 1-2-5 ticks (about 1 per 80 px on x, 1 per 50 px on y),
 * optional grid lines, and axis labels (x below, y rotated on the left). Domains must be
 * finite with `lo < hi`.
 */
export function svgAxes({ rect, xDomain, yDomain, xLabel, yLabel, grid = true, xCategories }: AxesOptions): Axes {
  const { left, top, width, height } = rect;
  const right = left + width;
  const bottom = top + height;
  const x = linearScale(xDomain, [left, right]);
  const y = linearScale(yDomain, [bottom, top]);

  const xStep = niceStep(xDomain[1] - xDomain[0], Math.max(2, Math.round(width / 80)));
  const yStep = niceStep(yDomain[1] - yDomain[0], Math.max(2, Math.round(height / 50)));
  const xTicks = xCategories ? xCategories.map((c) => c.value) : ticksWithStep(xDomain[0], xDomain[1], xStep);
  const xTickLabel = (t: number, i: number) => (xCategories ? xCategories[i]!.label : formatTick(t, xStep));
  const yTicks = ticksWithStep(yDomain[0], yDomain[1], yStep);

  const parts: string[] = [];
  if (grid) {
    parts.push('<g class="grid" stroke="#e6e6e6" stroke-width="1">');
    for (const t of xTicks) parts.push(`<line x1="${n(x(t))}" y1="${n(top)}" x2="${n(x(t))}" y2="${n(bottom)}"/>`);
    for (const t of yTicks) parts.push(`<line x1="${n(left)}" y1="${n(y(t))}" x2="${n(right)}" y2="${n(y(t))}"/>`);
    parts.push('</g>');
  }

  parts.push(`<g class="axis x-axis" ${FONT} font-size="11" fill="#333" text-anchor="middle">`);
  parts.push(`<line x1="${n(left)}" y1="${n(bottom)}" x2="${n(right)}" y2="${n(bottom)}" stroke="#333"/>`);
  xTicks.forEach((t, i) => {
    const px = n(x(t));
    parts.push(`<line x1="${px}" y1="${n(bottom)}" x2="${px}" y2="${n(bottom + 5)}" stroke="#333"/>`);
    parts.push(`<text class="tick" x="${px}" y="${n(bottom + 18)}">${escapeXml(xTickLabel(t, i))}</text>`);
  });
  if (xLabel) {
    parts.push(`<text class="label" x="${n(left + width / 2)}" y="${n(bottom + 38)}" font-size="12">${escapeXml(xLabel)}</text>`);
  }
  parts.push('</g>');

  parts.push(`<g class="axis y-axis" ${FONT} font-size="11" fill="#333" text-anchor="end">`);
  parts.push(`<line x1="${n(left)}" y1="${n(top)}" x2="${n(left)}" y2="${n(bottom)}" stroke="#333"/>`);
  for (const t of yTicks) {
    const py = n(y(t));
    parts.push(`<line x1="${n(left - 5)}" y1="${py}" x2="${n(left)}" y2="${py}" stroke="#333"/>`);
    parts.push(`<text class="tick" x="${n(left - 8)}" y="${py}" dominant-baseline="middle">${escapeXml(formatTick(t, yStep))}</text>`);
  }
  if (yLabel) {
    const cx = n(left - 50);
    const cy = n(top + height / 2);
    parts.push(
      `<text class="label" x="${cx}" y="${cy}" font-size="12" text-anchor="middle" transform="rotate(-90 ${cx} ${cy})">${escapeXml(yLabel)}</text>`,
    );
  }
  parts.push('</g>');

  return { svg: parts.join('\n'), x, y, xTicks, yTicks };
}
