/** Test helper (not published): true when `step` is 1, 2 or 5 times a power of ten (within float error). */
export function isOneTwoFive(step: number): boolean {
  if (!(step > 0) || !Number.isFinite(step)) return false;
  const exponent = Math.floor(Math.log10(step) + 1e-9);
  const mantissa = step / 10 ** exponent;
  return [1, 2, 5, 10].some((m) => Math.abs(mantissa - m) < 1e-6);
}
