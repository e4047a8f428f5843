import { describe, expect, it } from 'vitest';
import { sortDrop } from './dropped-files.js';

const files = (...names: string[]) => names.map((name) => ({ name }));

describe('sorting a drop', () => {
  it("finds a model's two files, also inside a dropped folder", () => {
    const drop = sortDrop(files('model/model.json', 'model/weights.bin'));
    expect(drop.model).toEqual({ json: { name: 'model/model.json' }, weights: { name: 'model/weights.bin' } });
    expect(drop.problems).toEqual([]);
  });

  it('finds the four MNIST-format files, gzipped or not (Fashion-MNIST uses the same names)', () => {
    const drop = sortDrop(files('train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte.gz'));
    expect(Object.keys(drop.mnist ?? {}).sort()).toEqual(['testImages', 'testLabels', 'trainImages', 'trainLabels']);
    expect(drop.mnist?.trainImages.name).toBe('train-images-idx3-ubyte.gz');
    expect(drop.problems).toEqual([]);
  });

  it('names what is missing or unknown', () => {
    expect(sortDrop(files('model.json')).problems).toEqual(['a model needs both model.json and weights.bin; only model.json was dropped']);
    expect(sortDrop(files('train-images-idx3-ubyte.gz')).problems[0]).toMatch(/missing trainLabels, testImages, testLabels/);
    expect(sortDrop(files('cat.gif')).problems[0]).toMatch(/^cat\.gif: not a model file/);
  });
});

describe('a dropped folder of images', () => {
  it('is one when any image is in the drop: paths below the dropped folder, other files left for the data report', () => {
    const drop = sortDrop(files('shapes/circle/1.png', 'shapes/square/2.JPG', 'shapes/notes.txt'));
    expect(drop.problems).toEqual([]);
    expect(drop.images?.name).toBe('shapes');
    expect(drop.images?.files.map((f) => f.path)).toEqual(['circle/1.png', 'square/2.JPG', 'notes.txt']);
  });

  it('keeps the paths as they are when the images come from several places', () => {
    const drop = sortDrop(files('a.png', 'b/c.webp'));
    expect(drop.images).toEqual({ name: 'dropped images', files: [{ path: 'a.png', file: { name: 'a.png' } }, { path: 'b/c.webp', file: { name: 'b/c.webp' } }] });
  });
});
