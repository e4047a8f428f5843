import { DataError } from './errors.js';
import type { IdxFile } from './idx.js';

/** One split (train or test) of an MNIST-format dataset, as raw bytes. */
export interface MnistSplit {
  /**
   * `[count, rows, cols, channels]` values, 0..255, row-major with the channels last (784 bytes per
   * 28×28 grey image, 3072 per 32×32 RGB one): `valuesPerImage(split)` bytes per image.
   */
  images: Uint8Array;
  /** `[count]` class labels (0..9 for MNIST). */
  labels: Uint8Array;
  count: number;
  rows: number;
  cols: number;
  /**
   * Values per pixel: 1 (grey) for a 3-dim IDX file `[count, rows, cols]`, the last dim of a 4-dim
   * one `[count, rows, cols, channels]` (3 for RGB). Every reader here fills it. A split built by
   * code written before channels existed may lack it: everything that reads a split (through
   * `imageShape`/`valuesPerImage`) takes it as 1, so such a split still reads as grey.
   */
  channels: number;
}

/**
 * Any set of fixed-size images with labels, from any source (an IDX file, a PNG folder you decoded,
 * generated data): what `@vae/train` trains on. The MNIST-format readers give one per split.
 */
export type ImageSplit = MnistSplit;

/** What `imageShape` and `valuesPerImage` read: a split whose `channels` may be missing (then 1). */
type SplitShape = Pick<MnistSplit, 'rows' | 'cols'> & { channels?: number };

/** The image of a split: `height × width × channels`, channels last (a split without `channels` is grey: 1). */
export function imageShape(split: SplitShape): { height: number; width: number; channels: number } {
  return { height: split.rows, width: split.cols, channels: split.channels ?? 1 };
}

/** Bytes (and model inputs) per image of a split: rows·cols·channels. */
export function valuesPerImage(split: SplitShape): number {
  return split.rows * split.cols * (split.channels ?? 1);
}

/** `rows×cols`, with `×channels` unless grey: how messages name an image size. */
export function describeImageSize(split: SplitShape): string {
  const channels = split.channels ?? 1;
  return channels === 1 ? `${split.rows}×${split.cols}` : `${split.rows}×${split.cols}×${channels}`;
}

/**
 * Where a dataset came from: `loadMnist` in `@vae/data/node` gives the first four; in a browser,
 * `fetchMnist` gives `url` and `mnistFromFileBytes` is given `files` for files the user dropped;
 * `folder` is a folder of images (`loadImageFolder`, `assembleImageFolder`).
 */
export type MnistSourceKind = 'dir' | 'cache' | 'download' | 'embedded' | 'url' | 'files' | 'folder';

/** Both splits and where they came from. */
export interface MnistData {
  train: MnistSplit;
  test: MnistSplit;
  source: { kind: MnistSourceKind; description: string };
}

/**
 * Pairs parsed image and label files into a split, checking that they are the kinds expected and
 * hold the same number of items, and at least one image of at least one pixel of at least one
 * channel (an empty split would train on nothing and report NaN losses). Images are 3 dims
 * `[count, rows, cols]` (grey: `channels` 1) or 4 dims `[count, rows, cols, channels]` (channels
 * last, e.g. 3 for RGB). `name` (e.g. the directory and split) starts error messages.
 */
export function makeDataset(images: IdxFile, labels: IdxFile, name: string): MnistSplit {
  if (images.kind !== 'images' || (images.dims.length !== 3 && images.dims.length !== 4)) {
    throw new DataError(
      `${name}: expected an IDX images file (magic 2051, 3 dims [count, rows, cols], or 2052, 4 dims [count, rows, cols, channels]), found ${images.kind} with dims [${images.dims.join(', ')}]`,
    );
  }
  if (labels.kind !== 'labels' || labels.dims.length !== 1) {
    throw new DataError(`${name}: expected an IDX labels file (magic 2049, 1 dim), found ${labels.kind} with dims [${labels.dims.join(', ')}]`);
  }
  const [count, rows, cols, channels = 1] = images.dims as [number, number, number, number?];
  if (labels.dims[0] !== count) {
    throw new DataError(`${name}: ${count} images but ${labels.dims[0]} labels; expected the same number of each`);
  }
  if (count === 0 || rows === 0 || cols === 0 || channels === 0) {
    throw new DataError(
      `${name}: no images to train or test on (dims ${images.dims.join('×')}); expected at least one image of at least 1×1 pixels${images.dims.length === 4 ? ' and 1 channel' : ''}`,
    );
  }
  return { images: images.data, labels: labels.data, count, rows, cols, channels };
}

/**
 * Checks that the train and test split of one dataset hold images of one size and one number of
 * channels, so a model trained on one can be evaluated on the other. `trainName`/`testName` are
 * their image files.
 */
export function checkSameImageSize(train: MnistSplit, test: MnistSplit, trainName: string, testName: string): void {
  if (train.rows !== test.rows || train.cols !== test.cols) {
    throw new DataError(
      `${testName}: images are ${describeImageSize(test)} but ${trainName} are ${describeImageSize(train)}; ` +
        'expected both splits of one dataset (the same image size)',
    );
  }
  const [trainChannels, testChannels] = [imageShape(train).channels, imageShape(test).channels];
  if (trainChannels !== testChannels) {
    throw new DataError(
      `${testName}: images have ${channelCount(testChannels)} but ${trainName} have ${channelCount(trainChannels)}; ` +
        'expected both splits of one dataset (the same number of channels)',
    );
  }
}

/** "1 channel (grey)", "3 channels": for messages. */
export function channelCount(channels: number): string {
  return channels === 1 ? '1 channel (grey)' : `${channels} channels`;
}

/** The first `count` rows of a split (all of them if it has fewer), sharing its buffers: no copy. */
export function takeFirst(split: MnistSplit, count: number): MnistSplit {
  if (count >= split.count) return split;
  const values = valuesPerImage(split);
  return { ...split, count, images: split.images.subarray(0, count * values), labels: split.labels.subarray(0, count) };
}
