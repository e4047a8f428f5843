import seedrandom from 'seedrandom';

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

/**
 * `count` draws of N(0, 1) for the seed, from the project's own seeded generator: Alea (the
 * `seedrandom` package) and Marsaglia's polar method, as float32 — exactly the numbers
 * `tf.randomNormal([count], 0, 1, 'float32', seed)` gives (tfjs draws them the same way), so runs
 * keep the trajectories they had when the engines called tfjs. The reparameterization noise of every
 * training step and evaluation, on every engine, and the importance samples of
 * `estimateLogLikelihood`: the same numbers on every backend, and no device call (1,280 values for a
 * batch of 64 and 20 latents: microseconds). `seed` must not be 0 (tfjs takes 0 as "no seed";
 * `deriveSeed` never gives it).
 */
export function standardNormalNoise(seed: number, count: number, out: Float32Array = new Float32Array(count)): Float32Array {
  const random = seedrandom.alea(seed.toString());
  for (let i = 0; i < count; i += 2) {
    let v1: number;
    let v2: number;
    let s: number;
    do {
      v1 = 2 * random() - 1;
      v2 = 2 * random() - 1;
      s = v1 * v1 + v2 * v2;
    } while (s >= 1 || s === 0);
    const scale = Math.sqrt((-2 * Math.log(s)) / s);
    out[i] = v1 * scale;
    if (i + 1 < count) out[i + 1] = v2 * scale;
  }
  return out;
}
