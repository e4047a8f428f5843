/** Maps `domain[0]..domain[1]` linearly onto `range[0]..range[1]` (no clamping). */
export function linearScale(
  domain: readonly [number, number],
  range: readonly [number, number],
): (value: number) => number {
  const [d0, d1] = domain;
  const [r0, r1] = range;
  const span = d1 - d0;
  if (!Number.isFinite(span) || span === 0) {
    throw new RangeError(`linearScale: domain must be two distinct finite numbers, got [${d0}, ${d1}]`);
  }
  const k = (r1 - r0) / span;
  return (value) => r0 + (value - d0) * k;
}
