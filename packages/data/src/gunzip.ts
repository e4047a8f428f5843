import { Gunzip } from 'fflate';
// fflate inflates but does not check the gzip trailer, and about one in five flipped bytes inflates
// "successfully" to wrong data, so the trailer's CRC-32 is checked here.
import CRC32 from 'crc-32';
import { DataError } from './errors.js';

/** True when `bytes` start with the gzip magic 1f 8b. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * The most bytes a gzip file may inflate to, as its contents declare it (an IDX header's dims):
 * `maxBytes`, and `declaredBy`, which finishes the sentence "the N bytes declared by …".
 */
export interface InflateLimit {
  maxBytes: number;
  declaredBy: string;
}

/**
 * Decides the limit from the first bytes of output (`head`, at most `HEAD_BYTES`): `undefined`
 * while it needs more. It may throw a `DataError` to refuse the file from its head alone.
 */
export type InflateLimitOf = (head: Uint8Array) => InflateLimit | undefined;

/** Input fed to fflate per push. Deflate inflates at most 1032 bytes per byte, so one push adds ≤ 17 MB. */
const CHUNK_BYTES = 16 * 1024;
/** Deflate's largest ratio: a 258-byte match coded in 2 bits. */
const MAX_DEFLATE_RATIO = 1032;
/** Enough output for any IDX header (magic and up to 255 dims). */
const HEAD_BYTES = 1024;

/**
 * Decompresses a gzip file with fflate and checks its trailer (CRC-32 and length), throwing a
 * `DataError` naming `name` when the data is truncated or corrupt.
 *
 * Why the streaming `Gunzip` and not `gunzipSync`: `gunzipSync` sizes its output buffer from the
 * last four bytes of the input, which in a truncated file are arbitrary (up to 4 GiB), and it
 * silently accepts a missing trailer. Only single-member files (all MNIST files) get the CRC check;
 * for concatenated members fflate's own end-of-stream check is all there is.
 *
 * With `limitOf`, the input is fed in small pieces and inflating stops with a `DataError` as soon
 * as the output passes the size its head declares: a 1 MB gzip bomb that inflates to 1 GiB behind
 * a 2000×28×28 header costs ~17 MB and milliseconds, not 3 GB and 44 s.
 */
export function gunzipChecked(bytes: Uint8Array, name: string, limitOf?: InflateLimitOf): Uint8Array {
  const chunks: Uint8Array[] = [];
  let length = 0;
  let members = 1;
  let limit: InflateLimit | undefined;
  const stream = new Gunzip((chunk) => {
    chunks.push(chunk);
    length += chunk.length;
  });
  stream.onmember = () => members++;
  // Without a limit there is nothing to check between pushes: one push is fastest.
  const step = limitOf ? CHUNK_BYTES : Math.max(bytes.length, 1);
  for (let at = 0; at < bytes.length; at += step) {
    const end = Math.min(at + step, bytes.length);
    try {
      stream.push(bytes.subarray(at, end), end === bytes.length);
    } catch (err) {
      throw new DataError(
        `${name}: corrupt or truncated gzip data: inflating stopped with "${(err as Error).message}" ` +
          `(input ${bytes.length} bytes); expected a complete, valid gzip file`,
        { cause: err },
      );
    }
    if (!limitOf || length === 0) continue;
    if (limit === undefined) {
      limit = limitOf(concat(chunks, HEAD_BYTES));
      if (limit && limit.maxBytes > MAX_DEFLATE_RATIO * bytes.length) {
        throw new DataError(
          `${name}: the ${limit.maxBytes} bytes declared by ${limit.declaredBy} cannot come from ${bytes.length} bytes of gzip data ` +
            `(deflate inflates at most ${MAX_DEFLATE_RATIO} bytes per byte); expected the complete file (this one is truncated or corrupt)`,
        );
      }
    }
    if (limit && length > limit.maxBytes) {
      throw new DataError(
        `${name}: the gzip data inflates to at least ${length} bytes, more than the ${limit.maxBytes} bytes declared by ${limit.declaredBy}; ` +
          'stopped inflating there: expected data that matches its header (the file is corrupt, or a gzip bomb)',
      );
    }
  }
  const out = concat(chunks);
  if (members === 1) {
    if (bytes.length < 18) {
      throw new DataError(`${name}: truncated gzip data: expected at least 18 bytes (header and trailer), found ${bytes.length}`);
    }
    const trailer = new DataView(bytes.buffer, bytes.byteOffset + bytes.length - 8, 8);
    const expectedCrc = trailer.getUint32(0, true);
    const expectedSize = trailer.getUint32(4, true);
    const actualCrc = CRC32.buf(out) >>> 0;
    if (expectedSize !== out.length % 2 ** 32 || expectedCrc !== actualCrc) {
      throw new DataError(
        `${name}: corrupt or truncated gzip data: the trailer expects ${expectedSize} bytes with CRC-32 ${hex(expectedCrc)}, ` +
          `but inflating gave ${out.length} bytes with CRC-32 ${hex(actualCrc)}`,
      );
    }
  }
  return out;
}

/** The chunks joined, or only their first `max` bytes. */
function concat(chunks: Uint8Array[], max = Infinity): Uint8Array {
  if (chunks.length === 1) return chunks[0]!.subarray(0, max);
  let length = 0;
  for (const c of chunks) length += c.length;
  const out = new Uint8Array(Math.min(length, max));
  let offset = 0;
  for (const c of chunks) {
    if (offset >= out.length) break;
    out.set(c.subarray(0, out.length - offset), offset);
    offset += c.length;
  }
  return out;
}

function hex(n: number): string {
  return `0x${n.toString(16).padStart(8, '0')}`;
}
