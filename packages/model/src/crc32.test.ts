import { crc32 as zlibCrc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { crc32, crc32Hex } from './crc32.js';

describe('crc32, crc32Hex', () => {
  it('gives the standard check values (IEEE 802.3), as zlib computes them', () => {
    expect(crc32Hex(new TextEncoder().encode('123456789'))).toBe('cbf43926');
    expect(crc32Hex(new Uint8Array(0))).toBe('00000000');
    expect(crc32Hex(new TextEncoder().encode('The quick brown fox jumps over the lazy dog'))).toBe('414fa339');
    const bytes = new Uint8Array(100_003).map((_, i) => (i * 131 + (i >> 7)) & 0xff);
    expect(crc32(bytes)).toBe(zlibCrc32(bytes));
    expect(crc32(new Uint8Array([0xff, 0xff, 0xff, 0xff]))).toBe(0xffffffff); // unsigned
  });

  it('changes with any single flipped byte', () => {
    const bytes = new Uint8Array(300).map((_, i) => (i * 37) & 0xff);
    const base = crc32Hex(bytes);
    for (let i = 0; i < bytes.length; i++) {
      const copy = bytes.slice();
      copy[i]! ^= 0x5a;
      expect(crc32Hex(copy)).not.toBe(base);
    }
  });
});
