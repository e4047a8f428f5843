import type { Rng } from './rng.js';

/** A uniformly random permutation of 0..count−1 (Fisher–Yates), drawing count−1 numbers from `rng`. */
export function shuffledIndices(count: number, rng: Rng): Uint32Array {
  if (!Number.isInteger(count) || count < 0) throw new RangeError(`shuffledIndices: count must be a non-negative integer, got ${count}`);
  const out = new Uint32Array(count);
  for (let i = 0; i < count; i++) out[i] = i;
  for (let i = count - 1; i > 0; i--) {
    // floor(next()·(i+1)) is uniform on 0..i up to a bias below (i+1)/2³², negligible for datasets.
    const j = Math.floor(rng.next() * (i + 1));
    const t = out[i]!;
    out[i] = out[j]!;
    out[j] = t;
  }
  return out;
}
