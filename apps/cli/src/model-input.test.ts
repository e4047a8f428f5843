import { mlpDescription } from '@vae/model';
import { describe, expect, it } from 'vitest';
import { drawableImage, InputError } from './model-input.js';

describe('drawableImage', () => {
  it("draws a model's images as the shape its model.json records: non-square, coloured", () => {
    const input = { height: 12, width: 10, channels: 3 };
    expect(drawableImage({ description: mlpDescription({ inputDim: 360 }, input), imageShapeRecorded: true })).toEqual(input);
  });

  it('takes a model saved before shapes were recorded as square and grey, and refuses one that is not square', () => {
    expect(drawableImage({ description: mlpDescription({ inputDim: 784 }), imageShapeRecorded: false })).toEqual({ height: 28, width: 28, channels: 1 });
    const wide = { description: mlpDescription({ inputDim: 560 }), imageShapeRecorded: false };
    expect(() => drawableImage(wide)).toThrow(InputError);
    expect(() => drawableImage(wide)).toThrow(/^the model's images have 560 values, not a square, and its model\.json \(saved before image shapes were recorded\)/);
  });
});
