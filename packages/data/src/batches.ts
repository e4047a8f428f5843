import { valuesPerImage, type MnistSplit } from './dataset.js';
import { normalizeInto, type Normalization } from './normalization.js';
import type { Rng } from './rng.js';
import { shuffledIndices } from './shuffle.js';
import { checkPositiveInteger } from '@vae/internal';

/** One minibatch. `x` and `labels` live in buffers that the next batch overwrites (see `batches`). */
export interface Batch {
  /** `[size, rows·cols·channels]` normalized pixels (channels last). */
  x: Float32Array;
  /** `[size]` class labels. */
  labels: Uint8Array;
  /** Number of examples in this batch (the batch size, or fewer for the last one). */
  size: number;
  /** `[size]` the rows of the split in this batch (a view into the epoch's permutation). */
  indices: Uint32Array;
}

export interface BatchOptions {
  batchSize: number;
  normalization: Normalization;
  /** Draws the epoch's permutation and the `dynamic-binary` samples. Required unless `shuffle` is false and the normalization is deterministic. */
  rng?: Rng;
  /** Visit rows in a random order (default true); false gives 0, 1, 2, … (e.g. for evaluation). */
  shuffle?: boolean;
  /** Skip a last batch smaller than `batchSize` (default false). */
  dropLast?: boolean;
}

/**
 * Gathers the rows `indices[start..end)` of `split` into `dst` (normalized, row after row) and
 * returns the filled part, `dst.subarray(0, (end − start)·rows·cols·channels)`. Only those rows
 * are read: the dataset is never copied as a whole. A split without `channels` is grey (1).
 */
export function gatherBatchInto(
  split: MnistSplit,
  indices: Uint32Array,
  start: number,
  end: number,
  normalization: Normalization,
  dst: Float32Array,
  rng?: Rng,
): Float32Array {
  const pixels = valuesPerImage(split);
  if (!(Number.isInteger(start) && Number.isInteger(end) && 0 <= start && start <= end && end <= indices.length)) {
    throw new RangeError(`gatherBatchInto: expected 0 <= start <= end <= ${indices.length}, got start ${start}, end ${end}`);
  }
  const filled = (end - start) * pixels;
  if (dst.length < filled) throw new RangeError(`gatherBatchInto: dst holds ${dst.length} values; expected at least ${filled} for ${end - start} rows of ${pixels}`);
  for (let k = start; k < end; k++) {
    const row = indices[k]!;
    if (row >= split.count) throw new RangeError(`gatherBatchInto: index ${row} at position ${k} is out of range for a split of ${split.count}`);
    const at = (k - start) * pixels;
    normalizeInto(split.images.subarray(row * pixels, row * pixels + pixels), dst.subarray(at, at + pixels), normalization, rng);
  }
  return dst.subarray(0, filled);
}

/**
 * Iterates over one epoch of `split` in minibatches: every row exactly once (unless `dropLast`
 * drops the remainder). Options are checked and the permutation is drawn from `rng` when
 * `batches` is called, not when iteration starts, so rng use is easy to follow.
 *
 * Memory: one `[batchSize, rows·cols·channels]` Float32Array and one `[batchSize]` label buffer are
 * allocated per call and reused for every batch, so **each batch's `x` and `labels` are
 * overwritten by the next one**: use them (e.g. `tf.tensor2d(x, [size, 784])`, which copies)
 * before advancing, or `slice()` them to keep them.
 */
export function batches(split: MnistSplit, options: BatchOptions): Generator<Batch, void, undefined> {
  const { batchSize, normalization, rng, shuffle = true, dropLast = false } = options;
  checkPositiveInteger(batchSize, 'batches: batchSize');
  if (!rng && (shuffle || normalization === 'dynamic-binary')) {
    throw new RangeError(`batches: an rng is required when shuffling or with 'dynamic-binary' normalization`);
  }
  const order = shuffle ? shuffledIndices(split.count, rng!) : Uint32Array.from({ length: split.count }, (_, i) => i);
  return epoch(split, order, batchSize, normalization, dropLast, rng);
}

function* epoch(
  split: MnistSplit,
  order: Uint32Array,
  batchSize: number,
  normalization: Normalization,
  dropLast: boolean,
  rng: Rng | undefined,
): Generator<Batch, void, undefined> {
  const x = new Float32Array(batchSize * valuesPerImage(split));
  const labels = new Uint8Array(batchSize);
  for (let start = 0; start < split.count; start += batchSize) {
    const end = Math.min(start + batchSize, split.count);
    const size = end - start;
    if (dropLast && size < batchSize) return;
    for (let k = 0; k < size; k++) labels[k] = split.labels[order[start + k]!]!;
    yield {
      x: gatherBatchInto(split, order, start, end, normalization, x, rng),
      labels: labels.subarray(0, size),
      size,
      indices: order.subarray(start, end),
    };
  }
}
