import { describe, expect, it } from 'vitest';
import { fixtureImages, fixtureLabels } from '../test-support/fixtures.js';
import { checkSameImageSize, imageShape, makeDataset, takeFirst, valuesPerImage, type MnistSplit } from './dataset.js';
import { DataError } from './errors.js';

const images = { kind: 'images' as const, dims: [4, 28, 28], data: fixtureImages(4) };
const labels = { kind: 'labels' as const, dims: [4], data: fixtureLabels(4) };

describe('makeDataset', () => {
  it('pairs images and labels', () => {
    expect(makeDataset(images, labels, 'train')).toEqual({ images: images.data, labels: labels.data, count: 4, rows: 28, cols: 28, channels: 1 });
  });

  it('takes 4-dim images [count, rows, cols, channels] (channels last) and says how many channels', () => {
    const rgb = { kind: 'images' as const, dims: [4, 3, 2, 3], data: fixtureImages(1).subarray(0, 4 * 18) };
    const split = makeDataset(rgb, labels, 'train');
    expect(split).toEqual({ images: rgb.data, labels: labels.data, count: 4, rows: 3, cols: 2, channels: 3 });
    expect(imageShape(split)).toEqual({ height: 3, width: 2, channels: 3 });
    expect(valuesPerImage(split)).toBe(18);
    const two = takeFirst(split, 2);
    expect([two.count, two.images.length, two.channels]).toEqual([2, 36, 3]);
    expect(() => makeDataset({ ...rgb, dims: [4, 3, 2, 0], data: new Uint8Array(0) }, labels, 'x')).toThrow(
      new DataError('x: no images to train or test on (dims 4×3×2×0); expected at least one image of at least 1×1 pixels and 1 channel'),
    );
    expect(() => makeDataset({ ...rgb, dims: [4, 3, 2, 3, 1] }, labels, 'x')).toThrow(/^x: expected an IDX images file .*found images with dims \[4, 3, 2, 3, 1\]/);
  });

  it('reads a split without channels (built by code from before channels) as grey', () => {
    const old = { images: images.data, labels: labels.data, count: 4, rows: 28, cols: 28 } as unknown as MnistSplit;
    expect(imageShape(old)).toEqual({ height: 28, width: 28, channels: 1 });
    expect(valuesPerImage(old)).toBe(784);
    expect(takeFirst(old, 1).images.length).toBe(784);
  });

  it('rejects a count mismatch with a clear message', () => {
    const three = { kind: 'labels' as const, dims: [3], data: fixtureLabels(3) };
    expect(() => makeDataset(images, three, '/data (train)')).toThrow(DataError);
    expect(() => makeDataset(images, three, '/data (train)')).toThrow('/data (train): 4 images but 3 labels; expected the same number of each');
  });

  it('rejects a split without images, or with images of no pixels (it would train on nothing)', () => {
    const none = { kind: 'labels' as const, dims: [0], data: new Uint8Array(0) };
    expect(() => makeDataset({ kind: 'images', dims: [0, 28, 28], data: new Uint8Array(0) }, none, '/data (test)')).toThrow(
      new DataError('/data (test): no images to train or test on (dims 0×28×28); expected at least one image of at least 1×1 pixels'),
    );
    expect(() => makeDataset({ kind: 'images', dims: [4, 0, 28], data: new Uint8Array(0) }, labels, 'x')).toThrow(/^x: no images to train or test on \(dims 4×0×28\)/);
  });

  it('checkSameImageSize names the test file when its images differ in size from the train images', () => {
    const train = makeDataset(images, labels, 'train');
    const wide = makeDataset({ kind: 'images', dims: [4, 20, 28], data: fixtureImages(4).subarray(0, 4 * 560) }, labels, 'test');
    expect(() => checkSameImageSize(train, train, 'a', 'b')).not.toThrow();
    expect(() => checkSameImageSize(train, wide, 'train.gz', 'test.gz')).toThrow(
      new DataError('test.gz: images are 20×28 but train.gz are 28×28; expected both splits of one dataset (the same image size)'),
    );
  });

  it('checkSameImageSize names both files when the splits differ in channels', () => {
    const grey = makeDataset({ kind: 'images', dims: [4, 4, 4], data: new Uint8Array(64) }, labels, 'test');
    const rgb = makeDataset({ kind: 'images', dims: [4, 4, 4, 3], data: new Uint8Array(192) }, labels, 'train');
    expect(() => checkSameImageSize(rgb, grey, 'train.gz', 'test.gz')).toThrow(
      new DataError('test.gz: images have 1 channel (grey) but train.gz have 3 channels; expected both splits of one dataset (the same number of channels)'),
    );
    const wideRgb = makeDataset({ kind: 'images', dims: [4, 4, 2, 3], data: new Uint8Array(96) }, labels, 'train');
    expect(() => checkSameImageSize(grey, wideRgb, 'a.gz', 'b.gz')).toThrow(/^b\.gz: images are 4×2×3 but a\.gz are 4×4; /);
  });

  it('rejects files of the wrong kind', () => {
    expect(() => makeDataset(labels, labels, 'x')).toThrow(/x: expected an IDX images file .*found labels/);
    expect(() => makeDataset(images, images, 'x')).toThrow(/x: expected an IDX labels file .*found images/);
  });
});
