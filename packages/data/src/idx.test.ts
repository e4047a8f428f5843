import { gzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { fixtureImages, fixtureLabels } from '../test-support/fixtures.js';
import { DataError } from './errors.js';
import { encodeIdx, parseIdx } from './idx.js';

const images = { kind: 'images' as const, dims: [3, 28, 28], data: fixtureImages(3) };
const labels = { kind: 'labels' as const, dims: [3], data: fixtureLabels(3) };

function errorOf(fn: () => unknown): DataError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(DataError);
    return err as DataError;
  }
  throw new Error('expected a DataError, nothing was thrown');
}

describe('parseIdx', () => {
  it('parses raw images and labels, returning a view of the input', () => {
    const raw = encodeIdx(images);
    const parsed = parseIdx(raw, 'x');
    expect(parsed.kind).toBe('images');
    expect(parsed.dims).toEqual([3, 28, 28]);
    expect(parsed.data).toEqual(images.data);
    expect(parsed.data.buffer).toBe(raw.buffer); // no copy
    expect(parsed.data.byteOffset).toBe(16);

    const l = parseIdx(encodeIdx(labels));
    expect(l).toEqual({ kind: 'labels', dims: [3], data: labels.data });
  });

  it('parses 4-dim images [n, rows, cols, channels] (magic 2052), raw or gzipped', () => {
    const rgb = { kind: 'images' as const, dims: [2, 3, 4, 3], data: Uint8Array.from({ length: 72 }, (_, i) => (i * 11) % 256) };
    for (const gzip of [false, true]) {
      const parsed = parseIdx(encodeIdx(rgb, { gzip }), 'rgb');
      expect(parsed).toEqual(rgb);
    }
    const raw = encodeIdx(rgb);
    expect(errorOf(() => parseIdx(raw.subarray(0, raw.length - 2), 'rgb')).message).toBe(
      'rgb: expected 72 bytes of pixels for dims 2×3×4×3, found 70 (file truncated?)',
    );
    expect(errorOf(() => parseIdx(raw.subarray(0, 18), 'hdr')).message).toMatch(/^hdr: file too short .*at least 20 bytes \(magic and 4 dims\), found 18/);
  });

  it('gunzips input that starts with 1f 8b', () => {
    const gz = encodeIdx(images, { gzip: true });
    expect([gz[0], gz[1]]).toEqual([0x1f, 0x8b]);
    const parsed = parseIdx(gz, 'x.gz');
    expect(parsed.dims).toEqual([3, 28, 28]);
    expect(parsed.data).toEqual(images.data);
  });

  it('rejects a wrong magic number, naming the file and both expected values', () => {
    const raw = encodeIdx(labels);
    raw[3] = 0x02; // 2050
    const err = errorOf(() => parseIdx(raw, 'weird.idx'));
    expect(err.message).toMatch(/^weird\.idx: wrong magic number: expected 2049 .* or 2051 .*found 2050/);
  });

  it('says so when the file is an HTML page (a failed download)', () => {
    const html = new TextEncoder().encode('<!DOCTYPE html><html><body>Not here</body></html>');
    expect(errorOf(() => parseIdx(html, 'page.gz')).message).toMatch(/looks like an HTML page/);
  });

  it('rejects a truncated gzip file (cut in half)', () => {
    const gz = encodeIdx(images, { gzip: true });
    const err = errorOf(() => parseIdx(gz.subarray(0, gz.length >> 1), 'half.gz'));
    expect(err.message).toMatch(/^half\.gz: corrupt or truncated gzip data/);
  });

  it('rejects a gzip file that lost its trailer', () => {
    const gz = encodeIdx(images, { gzip: true });
    for (const cut of [3, 8]) {
      expect(errorOf(() => parseIdx(gz.subarray(0, gz.length - cut), 'cut.gz')).message).toMatch(/^cut\.gz: corrupt or truncated gzip data/);
    }
  });

  it('rejects corrupt gzip data wherever a byte is flipped (inflate error or CRC mismatch)', () => {
    const gz = encodeIdx(images, { gzip: true });
    // Every byte after the 10-byte header: some flips break inflate, some change the IDX dims (and
    // inflating stops at the size they declare), the rest are caught by the CRC-32 or length.
    const refusals = /^flip\.gz: (corrupt or truncated gzip data|the gzip data inflates to at least \d+ bytes, more than|the \d+ bytes declared by its IDX header .* cannot come from)/;
    for (let at = 10; at < gz.length; at++) {
      const bad = gz.slice();
      bad[at]! ^= 0xff;
      expect(errorOf(() => parseIdx(bad, 'flip.gz')).message).toMatch(refusals);
    }
  });

  it('rejects dims that do not match the byte count', () => {
    const raw = encodeIdx(images);
    expect(errorOf(() => parseIdx(raw.subarray(0, raw.length - 1), 'short')).message).toBe(
      'short: expected 2352 bytes of pixels for dims 3×28×28, found 2351 (file truncated?)',
    );
    const long = new Uint8Array(raw.length + 5);
    long.set(raw);
    expect(errorOf(() => parseIdx(long, 'long')).message).toMatch(/expected 2352 bytes of pixels for dims 3×28×28, found 2357/);
    // The same check applies after gunzip.
    expect(errorOf(() => parseIdx(gzipSync(raw.subarray(0, 100)), 'g.gz')).message).toMatch(/^g\.gz: expected 2352 bytes of pixels/);
  });

  it('rejects files too short for the header', () => {
    expect(errorOf(() => parseIdx(new Uint8Array([0, 0]), 'tiny')).message).toMatch(/^tiny: file too short .*at least 4 bytes.*found 2/);
    const headerOnly = encodeIdx(images).subarray(0, 10);
    expect(errorOf(() => parseIdx(headerOnly, 'hdr')).message).toMatch(/^hdr: file too short .*at least 16 bytes \(magic and 3 dims\), found 10/);
  });

  it('uses a default name when none is given', () => {
    expect(errorOf(() => parseIdx(new Uint8Array(1))).message).toMatch(/^IDX data: /);
  });
});

describe('encodeIdx', () => {
  it('checks dims against kind and data', () => {
    expect(() => encodeIdx({ kind: 'images', dims: [3, 784], data: images.data })).toThrow(/images need 3 or 4 dims, got \[3, 784\]/);
    expect(() => encodeIdx({ kind: 'labels', dims: [3, 1], data: labels.data })).toThrow(/labels need 1 dims/);
    expect(() => encodeIdx({ kind: 'labels', dims: [4], data: labels.data })).toThrow(/need 4 bytes, got 3/);
  });

  it('writes the big-endian header MNIST uses', () => {
    expect([...encodeIdx(labels).subarray(0, 8)]).toEqual([0, 0, 8, 1, 0, 0, 0, 3]);
  });

  it('writes 4-dim images with magic 2052 (0x00000804)', () => {
    const rgb = encodeIdx({ kind: 'images', dims: [2, 3, 1, 3], data: new Uint8Array(18) });
    expect([...rgb.subarray(0, 20)]).toEqual([0, 0, 8, 4, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 1, 0, 0, 0, 3]);
  });
});
