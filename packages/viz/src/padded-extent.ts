/**
 * `[min, max]` of the finite numbers in `values`, widened by `margin` (a fraction of the
 * span) on each side. Never degenerate: one distinct value `v` gives `v ± max(|v| * 0.1, 0.5)`;
 * no finite values give `fallback`.
 */
export function paddedExtent(
  values: Iterable<number>,
  margin = 0.05,
  fallback: readonly [number, number] = [0, 1],
): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (lo > hi) return [fallback[0], fallback[1]];
  if (lo === hi) {
    const half = Math.max(Math.abs(lo) * 0.1, 0.5);
    return [lo - half, hi + half];
  }
  const pad = (hi - lo) * margin;
  return [lo - pad, hi + pad];
}
