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
  if (!Number.isInteger(steps) || steps < 1) throw new RangeError(`interpolateLatents: steps must be a positive integer, got ${steps}`);
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
