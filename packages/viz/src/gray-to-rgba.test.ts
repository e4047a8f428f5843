import { describe, expect, it } from 'vitest';
import { grayToRgba } from './gray-to-rgba.js';

describe('grayToRgba', () => {
  it('expands each gray byte to opaque RGBA, as canvas ImageData expects', () => {
    const rgba = grayToRgba({ width: 3, height: 1, pixels: new Uint8Array([0, 128, 255]) });
    expect(rgba).toBeInstanceOf(Uint8ClampedArray);
    expect([...rgba]).toEqual([0, 0, 0, 255, 128, 128, 128, 255, 255, 255, 255, 255]);
  });

  it('rejects pixels that do not fill width * height', () => {
    expect(() => grayToRgba({ width: 2, height: 2, pixels: new Uint8Array(3) })).toThrow(/grayToRgba: image\.pixels/);
  });
});
