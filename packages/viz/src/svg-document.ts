import { escapeXml } from './escape-xml.js';
import { FONT } from './plot-frame.js';
import { svgNumber as n } from './svg-number.js';

/**
 * Wraps `body` in a standalone `<svg>` root (white background; with a `<title>` for screen
 * readers and a centred heading when `title` is given).
 */
export function svgDocument(width: number, height: number, body: string, title?: string): string {
  const lines = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${n(width)}" height="${n(height)}" viewBox="0 0 ${n(width)} ${n(height)}" role="img">`,
  ];
  if (title) lines.push(`<title>${escapeXml(title)}</title>`);
  lines.push(`<rect width="100%" height="100%" fill="#fff"/>`);
  if (title) {
    lines.push(
      `<text class="title" x="${n(width / 2)}" y="22" ${FONT} font-size="15" font-weight="600" fill="#111" text-anchor="middle">${escapeXml(title)}</text>`,
    );
  }
  lines.push(body, '</svg>', '');
  return lines.join('\n');
}
