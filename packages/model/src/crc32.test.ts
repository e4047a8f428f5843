import { describe, expect, it } from 'vitest';
import { crc32, crc32Hex } from './crc32.js';

describe('crc32', () => {
  it('gives the standard check values (IEEE 802.3)', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
    expect(crc32(new Uint8Array(0))).toBe(0);
    expect(crc32Hex(new Uint8Array(0))).toBe('00000000');
    expect(crc32Hex(new TextEncoder().encode('The quick brown fox jumps over the lazy dog'))).toBe('414fa339');
  });

  it('changes with any single flipped byte', () => {
    const bytes = new Uint8Array(300).map((_, i) => (i * 37) & 0xff);
    const base = crc32(bytes);
    for (let i = 0; i < bytes.length; i++) {
      const copy = bytes.slice();
      copy[i]! ^= 0x5a;
      expect(crc32(copy)).not.toBe(base);
    }
  });
});
