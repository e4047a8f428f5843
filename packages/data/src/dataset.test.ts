import { describe, expect, it } from 'vitest';
import { fixtureImages, fixtureLabels } from '../test-support/fixtures.js';
import { checkSameImageSize, makeDataset } from './dataset.js';
import { DataError } from './errors.js';

const images = { kind: 'images' as const, dims: [4, 28, 28], data: fixtureImages(4) };
const labels = { kind: 'labels' as const, dims: [4], data: fixtureLabels(4) };

describe('makeDataset', () => {
  it('pairs images and labels', () => {
    expect(makeDataset(images, labels, 'train')).toEqual({ images: images.data, labels: labels.data, count: 4, rows: 28, cols: 28 });
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

  it('rejects files of the wrong kind', () => {
    expect(() => makeDataset(labels, labels, 'x')).toThrow(/x: expected an IDX images file .*found labels/);
    expect(() => makeDataset(images, images, 'x')).toThrow(/x: expected an IDX labels file .*found images/);
  });
});
