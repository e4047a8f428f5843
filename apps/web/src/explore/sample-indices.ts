import type { Rng } from '@vae/data';

/**
 * `k` distinct indices drawn uniformly from 0..count−1 (a partial Fisher–Yates shuffle), in draw
 * order; `min(k, count)` of them when `k > count`.
 */
export function sampleIndices(count: number, k: number, rng: Rng): number[] {
  if (!Number.isInteger(count) || count < 0) throw new RangeError(`sampleIndices: count must be a non-negative integer, got ${count}`);
  if (!Number.isInteger(k) || k < 0) throw new RangeError(`sampleIndices: k must be a non-negative integer, got ${k}`);
  const take = Math.min(k, count);
  // Only the swapped positions are stored, so sampling 16 of 10,000 does not allocate 10,000.
  const swapped = new Map<number, number>();
  const out: number[] = [];
  for (let i = 0; i < take; i++) {
    const j = i + Math.floor(rng.next() * (count - i));
    out.push(swapped.get(j) ?? j);
    swapped.set(j, swapped.get(i) ?? i);
  }
  return out;
}
