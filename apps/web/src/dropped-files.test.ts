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
    expect(sortDrop(files('cat.png')).problems[0]).toMatch(/^cat\.png: not a model file/);
  });
});
