import { normalQuantile } from './normal-quantile.js';
import { checkPositiveInteger } from '@vae/internal';

export type InterpolationMode = 'linear' | 'spherical';

/** Below this sin(angle) between the endpoints, slerp is numerically meaningless; use a straight line. */
const NEARLY_PARALLEL = 1e-6;

/**
 * `steps` latent vectors from `a` to `b` (both `[dim]`), endpoints included: `[steps, dim]`.
 *
 * `'spherical'` is slerp (White 2016, "Sampling Generative Networks"): in a high-dimensional
 * Gaussian prior almost all mass lies near a sphere, and the straight line between two codes cuts
 * through the low-density middle, so slerp's arc gives more typical codes. It falls back to the
 * straight line when the endpoints are (anti)parallel or one is zero, where the arc is undefined.
 * The first and last rows are copies of `a` and `b`.
 */
export function interpolateLatents(a: Float32Array, b: Float32Array, steps: number, mode: InterpolationMode): Float32Array {
  if (a.length !== b.length) throw new RangeError(`interpolateLatents: a and b must have the same length, got ${a.length} and ${b.length}`);
  checkPositiveInteger(steps, 'interpolateLatents: steps');
  if (mode !== 'linear' && mode !== 'spherical') throw new RangeError(`interpolateLatents: mode must be 'linear' or 'spherical', got ${String(mode)}`);
  const dim = a.length;
  const out = new Float32Array(steps * dim);

  let normA = 0;
  let normB = 0;
  let dot = 0;
  for (let i = 0; i < dim; i++) {
    normA += a[i]! * a[i]!;
    normB += b[i]! * b[i]!;
    dot += a[i]! * b[i]!;
  }
  const cosine = normA > 0 && normB > 0 ? Math.min(1, Math.max(-1, dot / Math.sqrt(normA * normB))) : 1;
  const omega = Math.acos(cosine);
  const sinOmega = Math.sin(omega);
  const spherical = mode === 'spherical' && sinOmega > NEARLY_PARALLEL;

  for (let s = 0; s < steps; s++) {
    const t = steps === 1 ? 0 : s / (steps - 1);
    const wa = spherical ? Math.sin((1 - t) * omega) / sinOmega : 1 - t;
    const wb = spherical ? Math.sin(t * omega) / sinOmega : t;
    for (let i = 0; i < dim; i++) out[s * dim + i] = wa * a[i]! + wb * b[i]!;
  }
  out.set(a, 0);
  if (steps > 1) out.set(b, (steps - 1) * dim);
  return out;
}

export interface ManifoldGridOptions {
  /** The two latent dimensions that vary: `[x, y]`, distinct, each in `[0, latentDim)`. Default `[0, 1]`. */
  dims?: readonly [number, number];
  /** `[latentDim]`: the value of every other dimension (the two in `dims` are overwritten). Default zeros. */
  base?: Float32Array;
  /**
   * `[lo, hi]`, `0 < lo < hi < 1`: the probabilities whose standard normal quantiles span each axis.
   * Default `[0.05, 0.95]` (0 and 1 would map to ±∞), as in the Keras VAE example's version of the figure.
   */
  range?: readonly [number, number];
}

/** Default probability range of `manifoldGridLatents`: `[0.05, 0.95]`. */
export const MANIFOLD_GRID_RANGE: readonly [number, number] = Object.freeze([0.05, 0.95]) as readonly [number, number];

/**
 * The latent codes of a `gridSize × gridSize` picture of the learned manifold: `[gridSize², latentDim]`,
 * one row per cell, row-major in grid order (cell `(r, c)` is row `r * gridSize + c`; `r` runs top to
 * bottom, `c` left to right), ready to decode and tile with `imageGrid({ columns: gridSize })`.
 *
 * As in Kingma & Welling's manifold figure (2014, "Auto-Encoding Variational Bayes", figure 4), evenly
 * spaced probabilities over `range` go through the standard normal's inverse CDF (`normalQuantile`),
 * so each cell covers an equal share of the prior N(0, 1) along each axis rather than an equal distance. The first of `dims` is the picture's
 * x axis, increasing to the right; the second is its y axis, increasing upward (the top row has the
 * largest value). Every other dimension keeps its value from `base`. With `gridSize = 1` the one cell
 * sits at the middle probability of `range`.
 *
 * @example
 * const z = manifoldGridLatents(20, 2); // Float32Array(400 * 2): decode, then imageGrid(x, { count: 400, columns: 20 })
 */
export function manifoldGridLatents(gridSize: number, latentDim: number, options: ManifoldGridOptions = {}): Float32Array {
  const where = 'manifoldGridLatents';
  checkPositiveInteger(gridSize, `${where}: gridSize`);
  if (!Number.isInteger(latentDim) || latentDim < 2) {
    throw new RangeError(`${where}: latentDim must be an integer ≥ 2 (two dimensions vary), got ${latentDim}`);
  }
  const { dims = [0, 1], base, range = MANIFOLD_GRID_RANGE } = options;
  const [dx, dy] = dims;
  if ((dims as readonly number[]).length !== 2 || ![dx, dy].every((d) => Number.isInteger(d) && d >= 0 && d < latentDim)) {
    throw new RangeError(
      `${where}: dims [${dims.join(', ')}] out of range: each must be an integer in [0, ${latentDim - 1}] for latentDim ${latentDim}`,
    );
  }
  if (dx === dy) throw new RangeError(`${where}: dims [${dx}, ${dy}] must be two different dimensions`);
  if (base !== undefined && base.length !== latentDim) {
    throw new RangeError(`${where}: base must hold latentDim = ${latentDim} values, got ${base.length}`);
  }
  const [lo, hi] = range;
  if (!(lo > 0 && lo < hi && hi < 1)) {
    throw new RangeError(`${where}: range must be [lo, hi] probabilities with 0 < lo < hi < 1, got [${lo}, ${hi}]`);
  }

  // quantiles[i]: Φ⁻¹ of the i-th of gridSize evenly spaced probabilities, lowest first. Weighting both
  // ends (rather than lo + step · i) hits lo and hi exactly.
  const last = gridSize - 1;
  const probability = (i: number) => (last === 0 ? (lo + hi) / 2 : (lo * (last - i) + hi * i) / last);
  const quantiles = Array.from({ length: gridSize }, (_, i) => normalQuantile(probability(i)));
  const out = new Float32Array(gridSize * gridSize * latentDim);
  for (let r = 0; r < gridSize; r++) {
    for (let c = 0; c < gridSize; c++) {
      const offset = (r * gridSize + c) * latentDim;
      if (base) out.set(base, offset);
      out[offset + dx] = quantiles[c]!;
      out[offset + dy] = quantiles[gridSize - 1 - r]!;
    }
  }
  return out;
}
