import { constants, crc32, deflateRawSync } from 'node:zlib';
import { gzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { fixtureImages, fixtureLabels } from '../test-support/fixtures.js';
import { DataError } from './errors.js';
import { gunzipChecked } from './gunzip.js';
import { encodeIdx, parseIdx } from './idx.js';
import { mnistFromFileBytes } from './mnist-file-bytes.js';

const MiB = 2 ** 20;

/** An IDX images header (16 bytes) with the given dims, and no data. */
function imagesHeader(dims: [number, number, number]): Uint8Array {
  const header = new Uint8Array(16);
  const view = new DataView(header.buffer);
  view.setUint32(0, 0x00000803, false);
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  return header;
}

/**
 * A valid gzip file (right CRC-32 and length) of `header` then `zeroMiB` MiB of zeros, about 1 KB
 * per MiB: built from one deflated MiB rather than by compressing 1 GiB, which takes seconds.
 */
function gzipBomb(header: Uint8Array, zeroMiB: number): Uint8Array {
  const zeros = new Uint8Array(MiB);
  // A sync flush ends the segment on a byte boundary without a final block, and it refers only
  // to its own bytes, so copies of it can follow one another in one deflate stream.
  const segment = deflateRawSync(zeros, { level: 9, finishFlush: constants.Z_SYNC_FLUSH });
  const n = header.length;
  const storedHeader = [0x00, n & 0xff, n >> 8, ~n & 0xff, (~n >> 8) & 0xff]; // a non-final stored block
  const lastBlock = [0x01, 0x00, 0x00, 0xff, 0xff]; // an empty final stored block
  let crc = crc32(header);
  for (let i = 0; i < zeroMiB; i++) crc = crc32(zeros, crc);
  const out = new Uint8Array(10 + storedHeader.length + n + zeroMiB * segment.length + lastBlock.length + 8);
  out.set([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff]);
  let at = 10;
  for (const part of [storedHeader, header, ...Array<Uint8Array>(zeroMiB).fill(segment), lastBlock]) {
    out.set(part, at);
    at += part.length;
  }
  const trailer = new DataView(out.buffer, at, 8);
  trailer.setUint32(0, crc, true);
  trailer.setUint32(4, (n + zeroMiB * MiB) % 2 ** 32, true);
  return out;
}

function dataErrorOf(fn: () => unknown): DataError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(DataError);
    return err as DataError;
  }
  throw new Error('expected a DataError, nothing was thrown');
}

// What the refusals below promise is counted in bytes, not timed: the number of bytes inflated
// (which the message reports) bounds both the time and the memory spent, and does not depend on
// the machine's load or on which tests ran before in the process.
describe('a gzip bomb: a 1 MB file with a 2000×28×28 header that inflates to 1 GiB', () => {
  const bomb = gzipBomb(imagesHeader([2000, 28, 28]), 1024);

  it('is refused after inflating at most one piece past its declared size, naming the file and the declared size', () => {
    expect(bomb.length).toBeLessThan(1.1 * MiB);
    const m = { error: dataErrorOf(() => parseIdx(bomb, 'train-images-idx3-ubyte.gz')) };
    expect(m.error.message).toMatch(
      /^train-images-idx3-ubyte\.gz: the gzip data inflates to at least \d+ bytes, more than the 1568016 bytes declared by its IDX header \(images, dims 2000×28×28: 16 bytes of header and 1568000 of data\); stopped inflating there/,
    );
    expect(m.error.message).not.toContain('\n');
    // Inflating stopped within one 16 KiB piece of input (≤ 17 MB of output) past the limit.
    expect(Number(/at least (\d+) bytes/.exec(m.error.message)![1])).toBeLessThan(1568016 + 17 * MiB);
  });

  it('is refused before inflating when its header declares more than the file could ever inflate to', () => {
    // 10^9 images: 784 GB, more than 1032 × 1 MB; without this check, all 1 GiB would be inflated first.
    const huge = gzipBomb(imagesHeader([1_000_000_000, 28, 28]), 1024);
    const m = { error: dataErrorOf(() => parseIdx(huge, 'huge.gz')) };
    expect(m.error.message).toMatch(
      /^huge\.gz: the 784000000016 bytes declared by its IDX header \(images, dims 1000000000×28×28: .*\) cannot come from \d+ bytes of gzip data \(deflate inflates at most 1032 bytes per byte\); expected the complete file/,
    );
  });

  it('is refused as a dropped or fetched file too (mnistFromFileBytes)', () => {
    const small = (n: number) => encodeIdx({ kind: 'labels', dims: [n], data: fixtureLabels(n) });
    const files = {
      trainImages: bomb,
      trainLabels: small(2000),
      testImages: encodeIdx({ kind: 'images', dims: [1, 28, 28], data: fixtureImages(1) }),
      testLabels: small(1),
    };
    const { message } = dataErrorOf(() => mnistFromFileBytes(files, { kind: 'files', description: 'dropped' }));
    expect(message).toMatch(/^train-images: the gzip data inflates to at least \d+ bytes, more than the 1568016 bytes declared/);
    expect(Number(/at least (\d+) bytes/.exec(message)![1])).toBeLessThan(1568016 + 17 * MiB);
    expect(message).toMatch(/; expected the MNIST-format train-images-idx3-ubyte\(\.gz\)$/);
  });
});

describe('gunzipChecked', () => {
  it('builds valid gzip bombs: a small one inflates fully, passes the CRC-32 check and parses', () => {
    const file = parseIdx(gzipBomb(imagesHeader([8, 1024, 1024]), 8), 'eight.gz');
    expect(file.dims).toEqual([8, 1024, 1024]);
    expect(file.data.length).toBe(8 * MiB);
    expect(file.data.every((v) => v === 0)).toBe(true);
  });

  it('inflates a file of many 16 KiB pieces exactly (the limit only stops what passes it)', () => {
    const data = new Uint8Array(300 * 784);
    let s = 7;
    for (let i = 0; i < data.length; i++) data[i] = (s = (Math.imul(s, 1103515245) + 12345) >>> 0) >>> 24; // incompressible
    const gz = encodeIdx({ kind: 'images', dims: [300, 28, 28], data }, { gzip: true });
    expect(gz.length).toBeGreaterThan(10 * 16 * 1024);
    expect(Buffer.compare(parseIdx(gz, 'x.gz').data, data)).toBe(0); // toEqual takes a second on 235 KB
  });

  it('refuses a few extra bytes after the declared data, naming both sizes', () => {
    const raw = encodeIdx({ kind: 'labels', dims: [3], data: fixtureLabels(3) });
    const long = new Uint8Array(raw.length + 5);
    long.set(raw);
    expect(dataErrorOf(() => parseIdx(gzipSync(long), 'long.gz')).message).toMatch(
      /^long\.gz: the gzip data inflates to at least 16 bytes, more than the 11 bytes declared by its IDX header \(labels, dims 3: 8 bytes of header and 3 of data\)/,
    );
  });

  it('refuses a wrong magic number from the first inflated bytes, without inflating the rest', () => {
    const header = imagesHeader([2000, 28, 28]);
    header[3] = 0x02;
    const bad = gzipBomb(header, 256);
    const start = performance.now();
    expect(dataErrorOf(() => parseIdx(bad, 'bad.gz')).message).toMatch(/^bad\.gz: wrong magic number: .*found 2050/);
    expect(performance.now() - start).toBeLessThan(2000);
  });

  it('without a limit, inflates everything (other gzip data)', () => {
    const bytes = new TextEncoder().encode('not IDX at all');
    expect(gunzipChecked(gzipSync(bytes), 'plain.gz')).toEqual(bytes);
  });
});
