import { describe, expect, it } from 'vitest';
import { grayToRgba } from './gray-to-rgba.js';

describe('grayToRgba', () => {
  it('expands each gray byte to opaque RGBA, as canvas ImageData expects', () => {
    const rgba = grayToRgba({ width: 3, height: 1, pixels: new Uint8Array([0, 128, 255]) });
    expect(rgba).toBeInstanceOf(Uint8ClampedArray);
    expect([...rgba]).toEqual([0, 0, 0, 255, 128, 128, 128, 255, 255, 255, 255, 255]);
  });

  it('gives RGB images their alpha', () => {
    const rgba = grayToRgba({ width: 2, height: 1, channels: 3, pixels: Uint8Array.of(1, 2, 3, 4, 5, 6) });
    expect([...rgba]).toEqual([1, 2, 3, 255, 4, 5, 6, 255]);
  });

  it('rejects pixels that do not fill width * height', () => {
    expect(() => grayToRgba({ width: 2, height: 2, pixels: new Uint8Array(3) })).toThrow(/grayToRgba: image\.pixels/);
  });
});
