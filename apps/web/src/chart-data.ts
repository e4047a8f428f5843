import type { EpochMetrics } from '@vae/train';

/** Series of the loss chart, each point at x = epochs done (fractional while an epoch runs). */
export interface LossSeries {
  /** The running mean train loss of the epoch under way, as the worker reads it back. */
  batch: Array<[x: number, loss: number]>;
  train: Array<[x: number, loss: number]>;
  test: Array<[x: number, loss: number]>;
}

export const emptyLossSeries = (): LossSeries => ({ batch: [], train: [], test: [] });

/** Adds a batch reading (1-based epoch and batch); readings without a loss yet are skipped. */
export function addBatchPoint(series: LossSeries, epoch: number, batch: number, batches: number, loss: number | undefined): LossSeries {
  if (loss === undefined || !Number.isFinite(loss)) return series;
  const x = epoch - 1 + batch / batches;
  // A resumed run replays from its checkpoint: drop readings past the point it went back to.
  const batchPoints = series.batch.filter(([bx]) => bx < x);
  return { ...series, batch: [...batchPoints, [x, loss]] };
}

/** Adds an epoch's train and test loss (replacing one of the same epoch). */
export function addEpochPoint(series: LossSeries, metrics: Pick<EpochMetrics, 'epoch' | 'trainLoss' | 'testLoss'>): LossSeries {
  const keep = ([x]: [number, number]) => x !== metrics.epoch;
  return {
    ...series,
    train: [...series.train.filter(keep), [metrics.epoch, metrics.trainLoss]],
    test: [...series.test.filter(keep), [metrics.epoch, metrics.testLoss]],
  };
}

/** The series rebuilt from a run's epoch metrics (a restored or opened run has no batch readings). */
export function lossSeriesOf(metrics: readonly EpochMetrics[]): LossSeries {
  return metrics.reduce(addEpochPoint, emptyLossSeries());
}

/**
 * uPlot's aligned data: one sorted x array and one array per series, `null` where a series has no
 * point at that x (drawn with gaps spanned).
 */
export function alignedLossData(series: LossSeries): [number[], ...(number | null)[][]] {
  const all = [series.batch, series.train, series.test];
  const xs = [...new Set(all.flatMap((points) => points.map(([x]) => x)))].sort((a, b) => a - b);
  const index = new Map(xs.map((x, i) => [x, i]));
  const columns = all.map((points) => {
    const column: (number | null)[] = xs.map(() => null);
    for (const [x, y] of points) column[index.get(x)!] = y;
    return column;
  });
  return [xs, ...columns];
}

/** Seconds left at this pace: the rest of this epoch, the epochs after it, and an evaluation per epoch. */
export function etaSeconds(args: { epoch: number; epochs: number; batch: number; batches: number; batchSize: number; samplesPerSecond: number; evalSeconds: number }): number | undefined {
  const { epoch, epochs, batch, batches, batchSize, samplesPerSecond, evalSeconds } = args;
  if (!(samplesPerSecond > 0)) return undefined;
  const batchesLeft = batches - batch + (epochs - epoch) * batches;
  return (batchesLeft * batchSize) / samplesPerSecond + (epochs - epoch + 1) * evalSeconds;
}
