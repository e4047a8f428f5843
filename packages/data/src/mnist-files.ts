/** One file of a dataset: its name on the mirrors and in the cache, and the MD5 of those bytes. */
export interface MnistFileSpec {
  readonly name: string;
  readonly md5: string;
}

/** The four files of an MNIST-format dataset, by role. */
export interface MnistFileSet {
  readonly trainImages: MnistFileSpec;
  readonly trainLabels: MnistFileSpec;
  readonly testImages: MnistFileSpec;
  readonly testLabels: MnistFileSpec;
}

/** The four standard MNIST files (gzipped) with the MD5 sums torchvision checks. */
export const MNIST_FILES: MnistFileSet = Object.freeze({
  trainImages: { name: 'train-images-idx3-ubyte.gz', md5: 'f68b3c2dcbeaaa9fbdd348bbdeb94873' },
  trainLabels: { name: 'train-labels-idx1-ubyte.gz', md5: 'd53e105ee54ea40749a09fcbcd1e9432' },
  testImages: { name: 't10k-images-idx3-ubyte.gz', md5: '9fb629c4189551a2d022fa330f9573f3' },
  testLabels: { name: 't10k-labels-idx1-ubyte.gz', md5: 'ec29112dd5afa0611ce80d1b7f02629c' },
});

/** The roles in a fixed order (train before test, images before labels), for loops and messages. */
export const MNIST_FILE_ROLES = ['trainImages', 'trainLabels', 'testImages', 'testLabels'] as const;

/**
 * Where MNIST is downloaded from, in the order torchvision (`torchvision.datasets.MNIST.mirrors`)
 * tries them: the S3 copy first, because yann.lecun.com is often down or refuses bots.
 */
export const MNIST_MIRRORS: readonly string[] = Object.freeze([
  'https://ossci-datasets.s3.amazonaws.com/mnist/',
  'http://yann.lecun.com/exdb/mnist/',
]);
