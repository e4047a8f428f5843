/**
 * Ten distinguishable colours for categorical data (the Tableau 10 / d3 `schemeCategory10`
 * palette). Class `k` gets `categoricalPalette[k % 10]`.
 */
export const categoricalPalette: readonly string[] = Object.freeze([
  '#1f77b4',
  '#ff7f0e',
  '#2ca02c',
  '#d62728',
  '#9467bd',
  '#8c564b',
  '#e377c2',
  '#7f7f7f',
  '#bcbd22',
  '#17becf',
]);

/** The palette colour for category `index` (wraps around after 10). */
export function categoricalColor(index: number): string {
  const n = categoricalPalette.length;
  return categoricalPalette[((Math.trunc(index) % n) + n) % n]!;
}
