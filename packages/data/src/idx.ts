import { gzipSync } from 'fflate';
import { DataError } from './errors.js';
import { gunzipChecked, isGzip, type InflateLimit } from './gunzip.js';

/** What an IDX file holds: unsigned-byte labels `[n]` or unsigned-byte images `[n, rows, cols]` or `[n, rows, cols, channels]`. */
export type IdxKind = 'images' | 'labels';

/** A parsed IDX file (the MNIST format). */
export interface IdxFile {
  kind: IdxKind;
  /** `[n]` for labels, `[n, rows, cols]` (grey) or `[n, rows, cols, channels]` (channels last) for images. */
  dims: number[];
  /** The product of the dims (`n·rows·cols`, `n·rows·cols·channels` or `n`) unsigned bytes after the header: a view, not a copy. */
  data: Uint8Array;
}

/** IDX magic numbers: 0x0000 (two zero bytes), 0x08 (type: unsigned byte), number of dims. */
const MAGIC = { labels: 0x00000801, images: 0x00000803, imagesWithChannels: 0x00000804 } as const;

/** The IDX magic number of a kind with `ndims` dims (images: 3, or 4 with channels). */
function magicOf(kind: IdxKind, ndims: number): number {
  return kind === 'labels' ? MAGIC.labels : ndims === 4 ? MAGIC.imagesWithChannels : MAGIC.images;
}

/**
 * Parses an IDX file as used by MNIST (and Fashion-MNIST, EMNIST): magic 2049 (labels, 1 dim),
 * 2051 (images, 3 dims `[n, rows, cols]`) or 2052 (images with channels, 4 dims
 * `[n, rows, cols, channels]`, channels last, as coloured sets store them), then big-endian int32
 * dims, then the bytes. Gzipped input (starting with 1f 8b) is decompressed first. `name` (the
 * file) starts every error message.
 *
 * @throws DataError for corrupt or truncated gzip, a short header, a wrong magic number, or dims
 *   that do not match the number of bytes. Gzip data stops inflating as soon as it passes the size
 *   the header declares, so a gzip bomb costs little more memory than the file it pretends to be.
 */
export function parseIdx(bytes: Uint8Array, name = 'IDX data'): IdxFile {
  const raw = isGzip(bytes) ? gunzipChecked(bytes, name, (head) => idxInflateLimit(head, name)) : bytes;
  if (raw.length < 4) {
    throw new DataError(`${name}: file too short for an IDX header: expected at least 4 bytes (the magic number), found ${raw.length}`);
  }
  const kind = idxKind(raw, name);
  const ndims = ndimsOf(raw);
  const headerBytes = 4 + 4 * ndims;
  if (raw.length < headerBytes) {
    throw new DataError(
      `${name}: file too short for an IDX ${kind} header: expected at least ${headerBytes} bytes (magic and ${ndims} dims), found ${raw.length}`,
    );
  }
  const dims = dimsOf(raw, ndims);
  const expected = dims.reduce((a, b) => a * b, 1);
  const found = raw.length - headerBytes;
  if (found !== expected) {
    const what = kind === 'images' ? 'pixels' : 'labels';
    throw new DataError(
      `${name}: expected ${expected} bytes of ${what} for dims ${dims.join('×')}, found ${found}` +
        (found < expected ? ' (file truncated?)' : ' (extra bytes at the end)'),
    );
  }
  return { kind, dims, data: raw.subarray(headerBytes) };
}

/**
 * How many bytes the IDX file starting with `head` holds in all (header and data), for
 * `gunzipChecked` to stop inflating past it; `undefined` while `head` is shorter than the header.
 *
 * @throws DataError for a wrong magic number: no need to inflate the rest to refuse it.
 */
export function idxInflateLimit(head: Uint8Array, name: string): InflateLimit | undefined {
  if (head.length < 4) return undefined;
  const kind = idxKind(head, name);
  const ndims = ndimsOf(head);
  const headerBytes = 4 + 4 * ndims;
  if (head.length < headerBytes) return undefined;
  const dims = dimsOf(head, ndims);
  const dataBytes = dims.reduce((a, b) => a * b, 1);
  return {
    maxBytes: headerBytes + dataBytes,
    declaredBy: `its IDX header (${kind}, dims ${dims.join('×')}: ${headerBytes} bytes of header and ${dataBytes} of data)`,
  };
}

/** The kind its magic number says, for at least 4 bytes of IDX data. */
function idxKind(raw: Uint8Array, name: string): IdxKind {
  const magic = new DataView(raw.buffer, raw.byteOffset, 4).getUint32(0, false);
  if (magic === MAGIC.images || magic === MAGIC.imagesWithChannels) return 'images';
  if (magic === MAGIC.labels) return 'labels';
  throw new DataError(
    `${name}: wrong magic number: expected 2049 (0x00000801, labels) or 2051 (0x00000803, images) or 2052 (0x00000804, images with channels), found ${magic} (0x${magic
      .toString(16)
      .padStart(8, '0')})${looksLikeHtml(raw) ? '; the file looks like an HTML page, not an IDX file' : ''}`,
  );
}

/** The magic number's last byte. */
function ndimsOf(raw: Uint8Array): number {
  return raw[3]!;
}

/** The big-endian uint32 dims after the magic number. */
function dimsOf(raw: Uint8Array, ndims: number): number[] {
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  return Array.from({ length: ndims }, (_, i) => view.getUint32(4 + 4 * i, false));
}

/**
 * Encodes an IDX file (the inverse of `parseIdx`), gzipped when `options.gzip` is true: images with
 * 4 dims get magic 2052. Useful to write your own MNIST-format data, and for tests.
 */
export function encodeIdx(file: IdxFile, options: { gzip?: boolean } = {}): Uint8Array {
  const ndims = file.dims.length;
  if (file.kind === 'images' ? ndims !== 3 && ndims !== 4 : ndims !== 1) {
    throw new RangeError(`encodeIdx: ${file.kind} need ${file.kind === 'images' ? '3 or 4' : 1} dims, got [${file.dims.join(', ')}]`);
  }
  const expected = file.dims.reduce((a, b) => a * b, 1);
  if (file.data.length !== expected) {
    throw new RangeError(`encodeIdx: dims ${file.dims.join('×')} need ${expected} bytes, got ${file.data.length}`);
  }
  const out = new Uint8Array(4 + 4 * ndims + file.data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, magicOf(file.kind, ndims), false);
  file.dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  out.set(file.data, 4 + 4 * ndims);
  return options.gzip ? gzipSync(out) : out;
}

/** A failed download often saves an error page; say so instead of only "wrong magic". */
function looksLikeHtml(bytes: Uint8Array): boolean {
  const head = String.fromCharCode(...bytes.subarray(0, 64)).trimStart().toLowerCase();
  return head.startsWith('<!doctype html') || head.startsWith('<html') || head.startsWith('<?xml');
}
