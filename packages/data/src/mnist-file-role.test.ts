import { describe, expect, it } from 'vitest';
import { mnistRoleOfFileName } from './mnist-file-role.js';
import { MNIST_FILE_ROLES, MNIST_FILES } from './mnist-files.js';

describe('mnistRoleOfFileName', () => {
  it('knows the four standard names, gzipped or not (MNIST and Fashion-MNIST share them)', () => {
    for (const role of MNIST_FILE_ROLES) {
      const gz = MNIST_FILES[role].name;
      expect(mnistRoleOfFileName(gz)).toBe(role);
      expect(mnistRoleOfFileName(gz.replace(/\.gz$/, ''))).toBe(role);
    }
  });

  it('accepts the dotted variant, any case, and ignores a directory part', () => {
    expect(mnistRoleOfFileName('train-images.idx3-ubyte')).toBe('trainImages');
    expect(mnistRoleOfFileName('t10k-labels.idx1-ubyte.gz')).toBe('testLabels');
    expect(mnistRoleOfFileName('T10K-IMAGES-IDX3-UBYTE.GZ')).toBe('testImages');
    expect(mnistRoleOfFileName('mnist/train-labels-idx1-ubyte/train-labels-idx1-ubyte')).toBe('trainLabels');
    expect(mnistRoleOfFileName('C:\\data\\train-images-idx3-ubyte.gz')).toBe('trainImages');
  });

  it('refuses other names and images/labels with the wrong idx number', () => {
    for (const name of ['mnist.npz', 'train-images-idx3-ubyte.zip', 'train-images-idx1-ubyte', 't10k-labels-idx3-ubyte.gz', 'xtrain-images-idx3-ubyte', '']) {
      expect(mnistRoleOfFileName(name), name).toBeUndefined();
    }
  });
});
