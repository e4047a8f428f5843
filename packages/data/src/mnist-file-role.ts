import { MNIST_FILE_ROLES } from './mnist-files.js';

/** Which of the four files of an MNIST-format dataset a file is. */
export type MnistFileRole = (typeof MNIST_FILE_ROLES)[number];

/**
 * The standard names, with either separator after `images`/`labels`: the originals use
 * `train-images-idx3-ubyte`, some re-uploads (Kaggle's) `train-images.idx3-ubyte`. Fashion-MNIST
 * uses the same names as MNIST.
 */
const STANDARD_NAME = /^(train|t10k)-(images|labels)[-.](idx[13])-ubyte(?:\.gz)?$/i;

/**
 * The role of a file the user dropped or picked, from its name (case-insensitive, with or without
 * `.gz`, any directory part ignored): `t10k-labels-idx1-ubyte.gz` → `testLabels`. Undefined for
 * any other name, including an images name with `idx1` (or labels with `idx3`).
 */
export function mnistRoleOfFileName(name: string): MnistFileRole | undefined {
  const base = name.slice(Math.max(name.lastIndexOf('/'), name.lastIndexOf('\\')) + 1);
  const match = STANDARD_NAME.exec(base);
  if (!match) return undefined;
  const [, split, what, idx] = match.map((part) => part?.toLowerCase());
  if ((what === 'images') !== (idx === 'idx3')) return undefined;
  const role = `${split === 'train' ? 'train' : 'test'}${what === 'images' ? 'Images' : 'Labels'}`;
  return MNIST_FILE_ROLES.find((r) => r === role);
}
