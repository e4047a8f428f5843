/**
 * tfjs' seeded random ops treat a seed of 0 as "no seed" (`seed ? seed : Math.random()`), so a
 * run with `--seed 0` would silently be unrepeatable. Every seed we hand to tfjs goes through this.
 */
export function tfSeed(seed: number): number {
  return seed === 0 ? 0x5eed : seed;
}
