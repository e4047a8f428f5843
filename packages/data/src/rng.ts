/**
 * A small seeded generator, so that shuffles and dynamic binarization are reproducible and a
 * training run can be resumed bit for bit (save `getState()`, later `setState()` it).
 */
export interface Rng {
  /** Uniform in [0, 1), 32 bits of resolution. */
  next(): number;
  /** Uniform integer in [0, 2³²). */
  nextUint32(): number;
  /** Standard normal N(0, 1) by Box–Muller. Uses two `next()` draws per call and keeps no spare, so the state stays just the four words. */
  normal(): number;
  /** The full state: four unsigned 32-bit integers, JSON-serializable. */
  getState(): number[];
  /** Restores a state from `getState()`; the sequence continues exactly from there. */
  setState(state: readonly number[]): void;
}

/**
 * sfc32 (Chris Doty-Humphrey's Small Fast Counting generator, from PractRand): 128 bits of state,
 * passes PractRand and BigCrush, and needs only 32-bit integer ops, which JavaScript does exactly.
 * The seed (any safe integer) is expanded into the state by splitmix32, then 12 outputs are skipped
 * as sfc32's author recommends.
 */
export function createRng(seed: number): Rng {
  if (!Number.isSafeInteger(seed)) throw new RangeError(`createRng: seed must be a safe integer, got ${seed}`);
  let a = 0;
  let b = 0;
  let c = 0;
  let d = 0;

  const nextUint32 = (): number => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return t >>> 0;
  };
  const next = (): number => nextUint32() / 4294967296;

  // splitmix32 over the low and high 32 bits of the seed, so seeds differing only above 2³² differ.
  let s = (seed >>> 0) ^ Math.imul(Math.floor(seed / 4294967296) >>> 0, 0x9e3779b9);
  const splitmix32 = (): number => {
    s = (s + 0x9e3779b9) | 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x21f0aaad);
    z = Math.imul(z ^ (z >>> 15), 0x735a2d97);
    return (z ^ (z >>> 15)) >>> 0;
  };
  a = splitmix32();
  b = splitmix32();
  c = splitmix32();
  d = splitmix32();
  for (let i = 0; i < 12; i++) nextUint32();

  return {
    next,
    nextUint32,
    normal() {
      const u1 = 1 - next(); // (0, 1]: log(0) would be -Infinity
      const u2 = next();
      return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
    },
    getState: () => [a >>> 0, b >>> 0, c >>> 0, d >>> 0],
    setState(state) {
      if (state.length !== 4 || !state.every((w) => Number.isInteger(w) && w >= 0 && w <= 0xffffffff)) {
        throw new RangeError(`Rng.setState: expected 4 unsigned 32-bit integers from getState(), got ${JSON.stringify(state)}`);
      }
      [a, b, c, d] = state.map((w) => w | 0) as [number, number, number, number];
    },
  };
}
