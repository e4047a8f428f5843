import fc from 'fast-check';
import { gzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { fixtureImages, fixtureLabels } from '../test-support/fixtures.js';
import { DataError } from './errors.js';
import { encodeIdx, parseIdx } from './idx.js';
import { mnistFromFileBytes } from './mnist-file-bytes.js';
import { MNIST_FILE_ROLES } from './mnist-files.js';

// Seeded and bounded: the same 300 inputs on every run, and never more than 20 s per property.
const RUNS = { seed: 20_261_202, numRuns: 300, interruptAfterTimeLimit: 20_000 };

const images = encodeIdx({ kind: 'images', dims: [3, 5, 4], data: fixtureImages(1).subarray(0, 60) });
const labels = encodeIdx({ kind: 'labels', dims: [3], data: fixtureLabels(3) });
/** Images with channels: 4 dims `[3, 5, 4, 3]`, magic 2052. */
const colourImages = encodeIdx({ kind: 'images', dims: [3, 5, 4, 3], data: fixtureImages(1).subarray(0, 180) });
/** Real small files to mutate: raw, gzipped (fixed Huffman, stored blocks, a file name in the header). */
const BASES = [
  images,
  labels,
  colourImages,
  gzipSync(images),
  gzipSync(labels),
  gzipSync(colourImages),
  gzipSync(images, { level: 0 }),
  gzipSync(labels, { filename: 'labels.idx' }),
];

/** `base` with bytes overwritten (positions taken modulo its length), cut short, then extended. */
const mutated = fc
  .record({
    base: fc.constantFrom(...BASES),
    writes: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }),
    cut: fc.option(fc.nat(), { nil: undefined }),
    tail: fc.uint8Array({ maxLength: 40 }),
  })
  .map(({ base, writes, cut, tail }) => {
    const bytes = base.slice();
    for (const [at, value] of writes) bytes[at % bytes.length] = value;
    const kept = bytes.subarray(0, cut === undefined ? bytes.length : cut % (bytes.length + 1));
    const out = new Uint8Array(kept.length + tail.length);
    out.set(kept);
    out.set(tail, kept.length);
    return out;
  });

/** An IDX header (labels: 1 dim, images: 3, or 4 with channels) with any dims (up to 2^32 − 1 each) before some bytes, gzipped or not: sizes that lie. */
const lyingHeader = fc
  .record({
    ndims: fc.constantFrom(1, 3, 4),
    dims: fc.array(fc.oneof(fc.nat(8), fc.nat(0xffffffff)), { minLength: 4, maxLength: 4 }),
    data: fc.uint8Array({ maxLength: 300 }),
    gzip: fc.boolean(),
  })
  .map(({ ndims, dims, data, gzip }) => {
    const out = new Uint8Array(4 + 4 * ndims + data.length);
    const view = new DataView(out.buffer);
    view.setUint32(0, 0x800 + ndims, false);
    for (let i = 0; i < ndims; i++) view.setUint32(4 + 4 * i, dims[i]!, false);
    out.set(data, 4 + 4 * ndims);
    return gzip ? gzipSync(out) : out;
  });

const anyInput = fc.oneof(
  fc.uint8Array({ maxLength: 300 }),
  fc.uint8Array({ maxLength: 300 }).map((rest) => Uint8Array.of(0x1f, 0x8b, 0x08, ...rest)), // gzip magic, then anything
  mutated,
  lyingHeader,
);

/** Throws unless `fn` returns or throws a one-line `DataError` whose message starts with one of `names`. */
function returnsOrRefuses(fn: () => unknown, names: readonly string[]): void {
  try {
    fn();
  } catch (err) {
    if (!(err instanceof DataError)) throw new Error(`expected a DataError, got ${String(err)}`, { cause: err });
    expect(names.some((name) => err.message.startsWith(`${name}: `)), err.message).toBe(true);
    expect(err.message).not.toContain('\n');
  }
}

describe('fuzz: parseIdx', () => {
  it('parses every input into consistent dims and data, or throws a DataError naming the file', () => {
    fc.assert(
      fc.property(anyInput, (bytes) => {
        returnsOrRefuses(() => {
          const file = parseIdx(bytes, 'fuzz.idx');
          expect(file.kind === 'images' ? [3, 4] : [1]).toContain(file.dims.length);
          expect(file.data.length).toBe(file.dims.reduce((a, b) => a * b, 1));
        }, ['fuzz.idx']);
      }),
      RUNS,
    );
  });

  it('parses the unmutated bases (so the property sees successes too)', () => {
    for (const base of BASES) expect(parseIdx(base, 'base').dims[0]).toBe(3);
  });
});

describe('fuzz: mnistFromFileBytes', () => {
  const valid = { trainImages: images, trainLabels: labels, testImages: images, testLabels: labels };
  const validColour = { trainImages: colourImages, trainLabels: labels, testImages: colourImages, testLabels: labels };
  const names = ['train-images', 'train-labels', 'test-images', 'test-labels', 'train', 'test'];

  it('loads or throws a DataError naming the file (or split) whichever file is replaced by any input', () => {
    fc.assert(
      fc.property(fc.constantFrom(valid, validColour), fc.constantFrom(...MNIST_FILE_ROLES), anyInput, (set, role, bytes) => {
        returnsOrRefuses(() => {
          const data = mnistFromFileBytes({ ...set, [role]: bytes }, { kind: 'files', description: 'fuzz' });
          // Whatever loaded, both splits hold whole images of one shape.
          for (const split of [data.train, data.test]) expect(split.images.length).toBe(split.count * split.rows * split.cols * split.channels);
          expect(data.test.channels).toBe(data.train.channels);
        }, names);
      }),
      RUNS,
    );
  });

  it('loads the unmutated sets, grey and with channels', () => {
    expect(mnistFromFileBytes(valid, { kind: 'files', description: 'base' }).train.channels).toBe(1);
    expect(mnistFromFileBytes(validColour, { kind: 'files', description: 'base' }).test.channels).toBe(3);
  });
});
