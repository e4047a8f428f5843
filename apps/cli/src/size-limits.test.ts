import { mlpDescription } from '@vae/model';
import { describe, expect, it } from 'vitest';
import { checkImportanceSamplesFit, checkTrainingFits, formatBytes, memoryLimit } from './size-limits.js';
import { UsageError } from './train-options.js';

const GB = 1e9;

describe('size limits', () => {
  it('the limit is the smaller of 4 GiB (the WebAssembly heap) and half the machine', () => {
    expect(memoryLimit(64 * GB)).toEqual({ bytes: 2 ** 32, why: "tfjs' WebAssembly heap, which holds the model's tensors" });
    expect(memoryLimit(2 * GB)).toEqual({ bytes: GB, why: "half of this machine's memory" });
  });

  it('formats sizes in decimal units', () => {
    expect([512, 1500, 4.29e9, 9.24e12].map(formatBytes)).toEqual(['512 bytes', '1.5 kB', '4.29 GB', '9.24 TB']);
  });

  it('refuses a batch whose activations cannot fit, saying how large a batch can be; a batch above the training set counts as the set', () => {
    const model = mlpDescription({ latentDim: 20 });
    const limit = { bytes: GB, why: 'a test limit' };
    expect(() => checkTrainingFits(model, { latentDim: 20, batchSize: 1_000_000_000 }, 2000, null, limit)).not.toThrow();
    let error: unknown;
    try {
      checkTrainingFits(model, { latentDim: 20, batchSize: 1_000_000_000 }, 60_000, null, limit);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toMatch(
      /^--batch-size 1000000000 \(a batch of 60,000 images: the whole training set\) needs about 3\.\d+ GB, more than the 1 GB limit \(a test limit\); choose a smaller --batch-size \(at most about 15,\d{3}\)$/,
    );
  });

  it('names config.json for a resumed run’s settings', () => {
    expect(() => checkTrainingFits(mlpDescription({ latentDim: 1e9 }), { latentDim: 1e9, batchSize: 64 }, 100, '/runs/a/config.json')).toThrow(
      /^settings\.latentDim = 1000000000 in \/runs\/a\/config\.json \(training a model of [\d,]+ weights\) needs an array of about [\d.]+ TB, more than the largest this Node can make/,
    );
  });

  it('refuses a --k whose draws of one image cannot fit, and takes one that can', () => {
    expect(() => checkImportanceSamplesFit(5000, 20)).not.toThrow();
    expect(() => checkImportanceSamplesFit(1e9, 20)).toThrow(/^--k 1000000000 \(the noise and log-weights of one image's 1,000,000,000 draws\) needs an array of about 80 GB/);
  });
});
