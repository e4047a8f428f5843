import CRC32 from 'crc-32';

// CRC-32 (IEEE 802.3, as in gzip and zip), synchronous, so the browser entry can check `weights.bin`
// as it loads; it catches every flipped byte and every burst up to 32 bits, which is what checksums
// here are for (corruption, not tampering).

/** CRC-32 of `bytes` as an unsigned 32-bit integer. */
export function crc32(bytes: Uint8Array): number {
  return CRC32.buf(bytes) >>> 0;
}

/** A CRC-32 as 8 lowercase hex digits, the way files here record it. */
export function crc32Hex(bytes: Uint8Array): string {
  return crc32(bytes).toString(16).padStart(8, '0');
}
