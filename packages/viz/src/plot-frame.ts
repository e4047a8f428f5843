/** The rectangle, in SVG user units, where data is drawn (axes sit on its left and bottom edges). */
export interface PlotRect {
  left: number;
  top: number;
  width: number;
  height: number;
}

/** Font used by every chart in this package. */
export const FONT = 'font-family="system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif"';

/** Approximate rendered width of `text` at `fontSize` (for laying out legends without a DOM). */
export function textWidth(text: string, fontSize: number): number {
  return [...text].length * fontSize * 0.6;
}

/** Throws unless `value` is a positive finite number; `field` names it in the message. */
export function assertPositiveSize(value: unknown, field: string, where: string): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new RangeError(`${where}: ${field} must be a positive finite number, got ${String(value)}`);
  }
}
