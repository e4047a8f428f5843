/**
 * A 32-bit seed derived from a run's seed and counters (epoch, step…), by a splitmix-style hash.
 * Every random draw of a run is keyed this way, so resuming at any step replays exactly the same
 * shuffles and noise without saving generator internals.
 */
export function deriveSeed(seed: number, ...parts: number[]): number {
  let h = (seed >>> 0) ^ 0x9e3779b9;
  for (const part of [...parts, parts.length]) {
    h = Math.imul(h ^ (part >>> 0), 0x85ebca6b) >>> 0;
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
    h = (h ^ (h >>> 16)) >>> 0;
  }
  return h || 1; // tfjs treats a seed of 0 as no seed
}

/** Stream names for `deriveSeed`, so no two kinds of draw share a seed. */
export const SeedStream = { shuffle: 1, noise: 2, binarize: 3, evalNoise: 4, importanceSamples: 5, sampleGrid: 100 } as const;
