/** Whether `value` is an integer ≥ 1: a count, a size, a number of steps. */
export function isPositiveInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 1;
}

/** Throws `RangeError("<what> must be a positive integer, got <value>")` unless `value` is one. */
export function checkPositiveInteger(value: unknown, what: string): asserts value is number {
  if (!isPositiveInteger(value)) throw new RangeError(`${what} must be a positive integer, got ${String(value)}`);
}
