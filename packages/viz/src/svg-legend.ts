import { escapeXml } from './escape-xml.js';
import { FONT, textWidth } from './plot-frame.js';
import { svgNumber as n } from './svg-number.js';

export interface LegendEntry {
  label: string;
  color: string;
}

export interface LegendOptions {
  /** `'line'`: a short line with a dot (for series); `'swatch'`: a filled square (for classes). */
  marker: 'line' | 'swatch';
  fontSize?: number;
}

const ROW = 18;
const PAD = 8;

/** Width and height of the legend box for `entries`. */
export function legendSize(entries: readonly LegendEntry[], { marker, fontSize = 12 }: LegendOptions): { width: number; height: number } {
  const markerWidth = marker === 'line' ? 22 : 12;
  const longest = entries.reduce((w, e) => Math.max(w, textWidth(e.label, fontSize)), 0);
  return { width: PAD * 2 + markerWidth + 6 + longest, height: PAD * 2 + entries.length * ROW - (ROW - fontSize) };
}

/** A boxed legend whose top-left corner is at (`x`, `y`). Empty `entries` give an empty string. */
export function svgLegend(entries: readonly LegendEntry[], x: number, y: number, options: LegendOptions): string {
  if (entries.length === 0) return '';
  const { marker, fontSize = 12 } = options;
  const { width, height } = legendSize(entries, options);
  const parts = [
    `<g class="legend" ${FONT} font-size="${fontSize}" fill="#222">`,
    `<rect x="${n(x)}" y="${n(y)}" width="${n(width)}" height="${n(height)}" fill="#fff" fill-opacity="0.85" stroke="#ccc" rx="3"/>`,
  ];
  entries.forEach((entry, i) => {
    const cy = y + PAD + fontSize / 2 + i * ROW;
    const color = escapeXml(entry.color);
    const left = x + PAD;
    let textX: number;
    if (marker === 'line') {
      parts.push(`<line x1="${n(left)}" y1="${n(cy)}" x2="${n(left + 22)}" y2="${n(cy)}" stroke="${color}" stroke-width="2"/>`);
      parts.push(`<rect x="${n(left + 8)}" y="${n(cy - 3)}" width="6" height="6" fill="${color}"/>`);
      textX = left + 28;
    } else {
      parts.push(`<rect x="${n(left)}" y="${n(cy - 6)}" width="12" height="12" fill="${color}"/>`);
      textX = left + 18;
    }
    parts.push(`<text class="legend-label" x="${n(textX)}" y="${n(cy)}" dominant-baseline="middle">${escapeXml(entry.label)}</text>`);
  });
  parts.push('</g>');
  return parts.join('\n');
}
