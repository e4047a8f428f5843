import { describe, expect, it } from 'vitest';
import { addBatchPoint, addEpochPoint, alignedLossData, emptyLossSeries, etaSeconds, lossSeriesOf } from './chart-data.js';

const epochMetrics = (epoch: number, trainLoss: number, testLoss: number) => ({ epoch, trainLoss, testLoss });

describe('loss chart data', () => {
  it('places batch readings at fractional epochs and epoch losses at whole ones, aligned with nulls', () => {
    let s = emptyLossSeries();
    s = addBatchPoint(s, 1, 5, 10, 200);
    s = addBatchPoint(s, 1, 10, 10, 180);
    s = addEpochPoint(s, epochMetrics(1, 180, 170));
    s = addBatchPoint(s, 2, 5, 10, 150);
    expect(alignedLossData(s)).toEqual([
      [0.5, 1, 1.5],
      [200, 180, 150],
      [null, 180, null],
      [null, 170, null],
    ]);
  });

  it('skips readings without a loss yet and non-finite ones', () => {
    let s = addBatchPoint(emptyLossSeries(), 1, 1, 10, undefined);
    s = addBatchPoint(s, 1, 2, 10, Number.NaN);
    expect(s.batch).toEqual([]);
  });

  it('a resumed run that replays from its checkpoint replaces the readings past that point', () => {
    let s = emptyLossSeries();
    for (const batch of [2, 4, 6, 8]) s = addBatchPoint(s, 1, batch, 10, 300 - batch);
    s = addBatchPoint(s, 1, 5, 10, 111); // resumed from batch 4
    expect(s.batch.map(([x]) => x)).toEqual([0.2, 0.4, 0.5]);
  });

  it('an epoch reported again replaces the first report; a run rebuilt from metrics has both series', () => {
    let s = addEpochPoint(emptyLossSeries(), epochMetrics(1, 180, 170));
    s = addEpochPoint(s, epochMetrics(1, 181, 171));
    expect(s.test).toEqual([[1, 171]]);
    const rebuilt = lossSeriesOf([epochMetrics(1, 180, 170), epochMetrics(2, 150, 140)] as never);
    expect(rebuilt.train).toEqual([[1, 180], [2, 150]]);
    expect(rebuilt.test).toEqual([[1, 170], [2, 140]]);
  });

  it('ETA: the batches left in this and later epochs at the current pace, plus an evaluation per epoch left', () => {
    // 5 of 10 batches of epoch 1 of 2 done: 15 batches × 64 images at 640 images/s = 1.5 s, plus 2 evaluations of 0.25 s.
    expect(etaSeconds({ epoch: 1, epochs: 2, batch: 5, batches: 10, batchSize: 64, samplesPerSecond: 640, evalSeconds: 0.25 })).toBeCloseTo(2);
    expect(etaSeconds({ epoch: 1, epochs: 2, batch: 5, batches: 10, batchSize: 64, samplesPerSecond: 0, evalSeconds: 0 })).toBeUndefined();
  });
});
