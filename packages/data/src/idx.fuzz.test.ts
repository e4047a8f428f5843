import fc from 'fast-check';
import { gzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { fixtureImages, fixtureLabels } from '../test-support/fixtures.js';
import { DataError } from './errors.js';
import { encodeIdx, parseIdx, type IdxKind } from './idx.js';
import { mnistFromFileBytes } from './mnist-file-bytes.js';
import { MNIST_FILE_ROLES } from './mnist-files.js';

// Seeded and bounded: the same 300 inputs on every run, and never more than 20 s per property.
const RUNS = { seed: 20_261_202, numRuns: 300, interruptAfterTimeLimit: 20_000 };

const images = encodeIdx({ kind: 'images', dims: [3, 5, 4], data: fixtureImages(1).subarray(0, 60) });
const labels = encodeIdx({ kind: 'labels', dims: [3], data: fixtureLabels(3) });
/** Real small files to mutate: raw, gzipped (fixed Huffman, stored blocks, a file name in the header). */
const BASES = [images, labels, gzipSync(images), gzipSync(labels), gzipSync(images, { level: 0 }), gzipSync(labels, { filename: 'labels.idx' })];

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

/** An IDX header with any dims (up to 2^32 − 1 each) before some bytes, gzipped or not: sizes that lie. */
const lyingHeader = fc
  .record({
    kind: fc.constantFrom<IdxKind>('images', 'labels'),
    dims: fc.array(fc.oneof(fc.nat(8), fc.nat(0xffffffff)), { minLength: 3, maxLength: 3 }),
    data: fc.uint8Array({ maxLength: 300 }),
    gzip: fc.boolean(),
  })
  .map(({ kind, dims, data, gzip }) => {
    const ndims = kind === 'images' ? 3 : 1;
    const out = new Uint8Array(4 + 4 * ndims + data.length);
    const view = new DataView(out.buffer);
    view.setUint32(0, kind === 'images' ? 0x803 : 0x801, false);
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
          expect(file.dims).toHaveLength(file.kind === 'images' ? 3 : 1);
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
  const names = ['train-images', 'train-labels', 'test-images', 'test-labels', 'train', 'test'];

  it('loads or throws a DataError naming the file (or split) whichever file is replaced by any input', () => {
    fc.assert(
      fc.property(fc.constantFrom(...MNIST_FILE_ROLES), anyInput, (role, bytes) => {
        returnsOrRefuses(() => mnistFromFileBytes({ ...valid, [role]: bytes }, { kind: 'files', description: 'fuzz' }), names);
      }),
      RUNS,
    );
  });
});
