/**
 * CRC-32 (IEEE 802.3, as in gzip and zip). In plain TypeScript, so the browser entry can check
 * `weights.bin` synchronously; it catches every flipped byte and every burst up to 32 bits, which
 * is what checksums here are for (corruption, not tampering).
 */
const TABLE = /*#__PURE__*/ (() => {
  const table = new Int32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[i] = c;
  }
  return table;
})();

/** CRC-32 of `bytes` as an unsigned 32-bit integer. */
export function crc32(bytes: Uint8Array): number {
  let c = -1;
  for (let i = 0; i < bytes.length; i++) c = TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}

/** A CRC-32 as 8 lowercase hex digits, the way files here record it. */
export function crc32Hex(bytes: Uint8Array): string {
  return crc32(bytes).toString(16).padStart(8, '0');
}
