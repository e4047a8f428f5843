/**
 * Formats a coordinate for SVG output: at most 2 decimals, no trailing zeros, never
 * `NaN`/`Infinity` (non-finite values are a bug upstream, so they throw).
 */
export function svgNumber(value: number): string {
  if (!Number.isFinite(value)) {
    throw new RangeError(`svgNumber: expected a finite coordinate, got ${value}`);
  }
  const rounded = Math.round(value * 100) / 100;
  return Object.is(rounded, -0) ? '0' : String(rounded);
}
