/** A tick step written as `mantissa * 10^exponent` with mantissa 1, 2 or 5. */
export interface TickStep {
  mantissa: 1 | 2 | 5;
  exponent: number;
  /** `mantissa * 10^exponent` as a number. */
  step: number;
}

/**
 * The 1-2-5 step that splits `span` into about `count` intervals (Heckbert's "nice numbers",
 * with the same thresholds as d3's `tickStep`).
 */
export function niceStep(span: number, count = 5): TickStep {
  if (!Number.isFinite(span) || span <= 0) {
    throw new RangeError(`niceStep: span must be a positive finite number, got ${span}`);
  }
  if (!Number.isFinite(count) || count < 1) {
    throw new RangeError(`niceStep: count must be a finite number >= 1, got ${count}`);
  }
  const raw = span / count;
  let exponent = Math.floor(Math.log10(raw));
  const fraction = raw / 10 ** exponent;
  let mantissa: 1 | 2 | 5;
  if (fraction >= Math.sqrt(50)) {
    mantissa = 1;
    exponent += 1;
  } else if (fraction >= Math.sqrt(10)) {
    mantissa = 5;
  } else if (fraction >= Math.sqrt(2)) {
    mantissa = 2;
  } else {
    mantissa = 1;
  }
  return { mantissa, exponent, step: scaled(mantissa, exponent) };
}

/**
 * Tick values inside `[lo, hi]` at multiples of a 1-2-5 step (…, 0.1, 0.2, 0.5, 1, 2, 5, 10, …),
 * about `count` intervals apart. Values are exact decimals (`0.3`, not `0.30000000000000004`).
 * `lo === hi` gives `[lo]`.
 *
 * @example niceTicks(0, 1)      // [0, 0.2, 0.4, 0.6, 0.8, 1]
 * @example niceTicks(93, 547)   // [100, 200, 300, 400, 500]
 */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) {
    throw new RangeError(`niceTicks: lo and hi must be finite numbers, got lo=${lo}, hi=${hi}`);
  }
  if (lo > hi) [lo, hi] = [hi, lo];
  if (lo === hi) return [lo];
  return ticksWithStep(lo, hi, niceStep(hi - lo, count));
}

/** Multiples of `step` inside `[lo, hi]` (lo <= hi), computed without accumulating error. */
export function ticksWithStep(lo: number, hi: number, { mantissa, exponent }: TickStep): number[] {
  const step = scaled(mantissa, exponent);
  const epsilon = 1e-9;
  const first = Math.ceil(lo / step - epsilon);
  const last = Math.floor(hi / step + epsilon);
  const ticks: number[] = [];
  for (let i = first; i <= last; i++) {
    const value = scaled(i * mantissa, exponent);
    ticks.push(Object.is(value, -0) ? 0 : value);
  }
  return ticks;
}

/** A tick label with just enough decimals for the step: `formatTick(0.5, step(5e-1))` → `"0.5"`. */
export function formatTick(value: number, { exponent }: TickStep): string {
  const decimals = Math.min(100, Math.max(0, -exponent));
  const text = value.toFixed(decimals);
  return /^-0(\.0*)?$/.test(text) ? text.slice(1) : text;
}

/** `m * 10^e`, dividing for negative `e` so `3 * 10^-1` is exactly `0.3`. */
function scaled(m: number, e: number): number {
  return e >= 0 ? m * 10 ** e : m / 10 ** -e;
}
