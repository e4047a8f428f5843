import { describe, expect, it } from 'vitest';
import { fixtureImages, fixtureLabels } from '../test-support/fixtures.js';
import { makeDataset } from './dataset.js';
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

  it('rejects files of the wrong kind', () => {
    expect(() => makeDataset(labels, labels, 'x')).toThrow(/x: expected an IDX images file .*found labels/);
    expect(() => makeDataset(images, images, 'x')).toThrow(/x: expected an IDX labels file .*found images/);
  });
});
