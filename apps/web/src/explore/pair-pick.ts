/** Which two items the user has picked as the ends of an interpolation (indices, or null). */
export interface PairPick {
  a: number | null;
  b: number | null;
}

export const NO_PICK: PairPick = Object.freeze({ a: null, b: null });

/**
 * The pick after clicking item `index`: the first click picks A, the next B; a click once both
 * are picked starts over with a new A. Clicking A again before B un-picks it (an interpolation
 * from a digit to itself shows nothing).
 */
export function nextPairPick(pick: PairPick, index: number): PairPick {
  if (pick.a === null) return { a: index, b: null };
  if (pick.b === null) return index === pick.a ? { a: null, b: null } : { a: pick.a, b: index };
  return { a: index, b: null };
}
