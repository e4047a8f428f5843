import { DataError } from './errors.js';
import type { IdxFile } from './idx.js';

/** One split (train or test) of an MNIST-format dataset, as raw bytes. */
export interface MnistSplit {
  /** `[count, rows·cols]` pixels, 0..255, row-major (784 bytes per 28×28 image). */
  images: Uint8Array;
  /** `[count]` class labels (0..9 for MNIST). */
  labels: Uint8Array;
  count: number;
  rows: number;
  cols: number;
}

/**
 * Where a dataset came from: `loadMnist` in `@vae/data/node` gives the first four; in a browser,
 * `fetchMnist` gives `url` and `mnistFromFileBytes` is given `files` for files the user dropped.
 */
export type MnistSourceKind = 'dir' | 'cache' | 'download' | 'embedded' | 'url' | 'files';

/** Both splits and where they came from. */
export interface MnistData {
  train: MnistSplit;
  test: MnistSplit;
  source: { kind: MnistSourceKind; description: string };
}

/**
 * Pairs parsed image and label files into a split, checking that they are the kinds expected and
 * hold the same number of items, and at least one image of at least one pixel (an empty split
 * would train on nothing and report NaN losses). `name` (e.g. the directory and split) starts
 * error messages.
 */
export function makeDataset(images: IdxFile, labels: IdxFile, name: string): MnistSplit {
  if (images.kind !== 'images' || images.dims.length !== 3) {
    throw new DataError(`${name}: expected an IDX images file (magic 2051, 3 dims), found ${images.kind} with dims [${images.dims.join(', ')}]`);
  }
  if (labels.kind !== 'labels' || labels.dims.length !== 1) {
    throw new DataError(`${name}: expected an IDX labels file (magic 2049, 1 dim), found ${labels.kind} with dims [${labels.dims.join(', ')}]`);
  }
  const [count, rows, cols] = images.dims as [number, number, number];
  if (labels.dims[0] !== count) {
    throw new DataError(`${name}: ${count} images but ${labels.dims[0]} labels; expected the same number of each`);
  }
  if (count === 0 || rows === 0 || cols === 0) {
    throw new DataError(`${name}: no images to train or test on (dims ${count}×${rows}×${cols}); expected at least one image of at least 1×1 pixels`);
  }
  return { images: images.data, labels: labels.data, count, rows, cols };
}

/**
 * Checks that the train and test split of one dataset hold images of one size, so a model trained
 * on one can be evaluated on the other. `trainName`/`testName` are their image files.
 */
export function checkSameImageSize(train: MnistSplit, test: MnistSplit, trainName: string, testName: string): void {
  if (train.rows !== test.rows || train.cols !== test.cols) {
    throw new DataError(
      `${testName}: images are ${test.rows}×${test.cols} but ${trainName} are ${train.rows}×${train.cols}; ` +
        'expected both splits of one dataset (the same image size)',
    );
  }
}

/** The first `count` rows of a split (all of them if it has fewer), sharing its buffers: no copy. */
export function takeFirst(split: MnistSplit, count: number): MnistSplit {
  if (count >= split.count) return split;
  const pixels = split.rows * split.cols;
  return { ...split, count, images: split.images.subarray(0, count * pixels), labels: split.labels.subarray(0, count) };
}
