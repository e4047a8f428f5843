import type { Rng } from './rng.js';

/**
 * How raw pixels 0..255 become model inputs:
 * - `unit`: v/255 in [0, 1] (for a Bernoulli or continuous-Bernoulli decoder on grey levels)
 * - `symmetric`: v/127.5 − 1 in [−1, 1] (for a tanh / Gaussian decoder)
 * - `binary`: 1 when v/255 > 0.5 else 0 (fixed binarization)
 * - `dynamic-binary`: a fresh Bernoulli(v/255) sample on every call (the stochastic binarization
 *   of Salakhutdinov & Murray 2008, standard for VAE likelihood numbers)
 */
export type Normalization = 'unit' | 'symmetric' | 'binary' | 'dynamic-binary';

/** All normalizations, e.g. for a CLI's help text. */
export const NORMALIZATIONS: readonly Normalization[] = Object.freeze(['unit', 'symmetric', 'binary', 'dynamic-binary']);

/** For validating user input such as a CLI flag. */
export function isNormalization(s: unknown): s is Normalization {
  return typeof s === 'string' && (NORMALIZATIONS as readonly string[]).includes(s);
}

/** The closed range `[lo, hi]` of values a normalization produces. */
export function normalizationRange(mode: Normalization): [lo: number, hi: number] {
  switch (mode) {
    case 'symmetric':
      return [-1, 1];
    case 'unit':
    case 'binary':
    case 'dynamic-binary':
      return [0, 1];
    default:
      throw new RangeError(`unknown normalization ${JSON.stringify(mode)}; expected one of ${NORMALIZATIONS.join(', ')}`);
  }
}

// Lookup tables: one load per pixel instead of a division, and results identical to v/255 in float32.
const UNIT = /*#__PURE__*/ Float32Array.from({ length: 256 }, (_, v) => v / 255);
const SYMMETRIC = /*#__PURE__*/ Float32Array.from({ length: 256 }, (_, v) => v / 127.5 - 1);
const BINARY = /*#__PURE__*/ Float32Array.from({ length: 256 }, (_, v) => (v / 255 > 0.5 ? 1 : 0));

/**
 * The 256-entry lookup table of a deterministic normalization (`table[v]` = the model input for
 * pixel value v, exactly what `normalizeInto` writes), or undefined for `dynamic-binary`, which
 * samples. Shared, not copied: do not modify it. For engines that normalize pixels themselves.
 */
export function normalizationTable(mode: Normalization): Float32Array | undefined {
  if (!isNormalization(mode)) {
    throw new RangeError(`normalizationTable: unknown normalization ${JSON.stringify(mode)}; expected one of ${NORMALIZATIONS.join(', ')}`);
  }
  return tableOf(mode);
}

function tableOf(mode: Normalization): Float32Array | undefined {
  return mode === 'unit' ? UNIT : mode === 'symmetric' ? SYMMETRIC : mode === 'binary' ? BINARY : undefined;
}

/**
 * Writes `normalize(src[i])` into `dst[i]` for every i. `rng` is required for `dynamic-binary`
 * (one `rng.next()` per pixel, in order, so a seed reproduces the samples) and unused otherwise.
 */
export function normalizeInto(src: Uint8Array, dst: Float32Array, mode: Normalization, rng?: Rng): void {
  if (dst.length !== src.length) {
    throw new RangeError(`normalizeInto: dst has ${dst.length} elements but src has ${src.length}; expected the same length`);
  }
  if (mode === 'dynamic-binary') {
    if (!rng) throw new RangeError("normalizeInto: 'dynamic-binary' needs an rng (createRng(seed))");
    // next()·255 < v has probability exactly v/255 (next() is in [0, 1)): 0 stays 0 and 255 stays 1.
    for (let i = 0; i < src.length; i++) dst[i] = rng.next() * 255 < src[i]! ? 1 : 0;
    return;
  }
  const table = tableOf(mode);
  if (!table) throw new RangeError(`normalizeInto: unknown normalization ${JSON.stringify(mode)}; expected one of ${NORMALIZATIONS.join(', ')}`);
  for (let i = 0; i < src.length; i++) dst[i] = table[src[i]!]!;
}
