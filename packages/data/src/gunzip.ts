import { Gunzip } from 'fflate';
import { crc32 } from './crc32.js';
import { DataError } from './errors.js';

/** True when `bytes` start with the gzip magic 1f 8b. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * Decompresses a gzip file with fflate and checks its trailer (CRC-32 and length), throwing a
 * `DataError` naming `name` when the data is truncated or corrupt.
 *
 * Why the streaming `Gunzip` and not `gunzipSync`: `gunzipSync` sizes its output buffer from the
 * last four bytes of the input, which in a truncated file are arbitrary (up to 4 GiB), and it
 * silently accepts a missing trailer. Only single-member files (all MNIST files) get the CRC check;
 * for concatenated members fflate's own end-of-stream check is all there is.
 */
export function gunzipChecked(bytes: Uint8Array, name: string): Uint8Array {
  const chunks: Uint8Array[] = [];
  let members = 1;
  try {
    const stream = new Gunzip((chunk) => chunks.push(chunk));
    stream.onmember = () => members++;
    stream.push(bytes, true);
  } catch (err) {
    throw new DataError(
      `${name}: corrupt or truncated gzip data: inflating stopped with "${(err as Error).message}" ` +
        `(input ${bytes.length} bytes); expected a complete, valid gzip file`,
      { cause: err },
    );
  }
  const out = concat(chunks);
  if (members === 1) {
    if (bytes.length < 18) {
      throw new DataError(`${name}: truncated gzip data: expected at least 18 bytes (header and trailer), found ${bytes.length}`);
    }
    const trailer = new DataView(bytes.buffer, bytes.byteOffset + bytes.length - 8, 8);
    const expectedCrc = trailer.getUint32(0, true);
    const expectedSize = trailer.getUint32(4, true);
    const actualCrc = crc32(out);
    if (expectedSize !== out.length % 2 ** 32 || expectedCrc !== actualCrc) {
      throw new DataError(
        `${name}: corrupt or truncated gzip data: the trailer expects ${expectedSize} bytes with CRC-32 ${hex(expectedCrc)}, ` +
          `but inflating gave ${out.length} bytes with CRC-32 ${hex(actualCrc)}`,
      );
    }
  }
  return out;
}

function concat(chunks: Uint8Array[]): Uint8Array {
  if (chunks.length === 1) return chunks[0]!;
  let length = 0;
  for (const c of chunks) length += c.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.length;
  }
  return out;
}

function hex(n: number): string {
  return `0x${n.toString(16).padStart(8, '0')}`;
}
