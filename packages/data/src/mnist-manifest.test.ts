import { describe, expect, it } from 'vitest';
import { DataError } from './errors.js';
import { parseMnistManifest } from './mnist-manifest.js';

const manifest = {
  source: { kind: 'cache', description: 'MNIST from cache /c/mnist' },
  files: { trainImages: 'a.gz', trainLabels: 'b.gz', testImages: 'c.gz', testLabels: 'd.gz' },
  train: 60000,
  test: 10000,
};

describe('parseMnistManifest', () => {
  it('returns the manifest, without fields it does not know', () => {
    expect(parseMnistManifest({ ...manifest, extra: 1 }, 'm.json')).toEqual(manifest);
  });

  it('names the source and the first bad field', () => {
    const bad = (json: unknown) => () => parseMnistManifest(json, 'http://x/data/mnist.json');
    expect(bad([])).toThrow(DataError);
    expect(bad('nope')).toThrow(/^http:\/\/x\/data\/mnist\.json: not a JSON object; expected an MNIST manifest/);
    expect(bad({ ...manifest, source: 'cache' })).toThrow(/"source" is not/);
    expect(bad({ ...manifest, files: { ...manifest.files, testLabels: 3 } })).toThrow(/"files\.testLabels" is not a file name/);
    expect(bad({ ...manifest, train: -1 })).toThrow(/"train" or "test" is not a count/);
  });
});
