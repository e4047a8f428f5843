import { describe, expect, it } from 'vitest';
import { createLatestValueScheduler } from './latest-value-scheduler.js';

/** A job whose runs stay pending until the test finishes them one by one. */
function controlledJob() {
  const started: number[] = [];
  const pending: Array<{ resolve: () => void; reject: (e: unknown) => void }> = [];
  const run = (value: number) =>
    new Promise<void>((resolve, reject) => {
      started.push(value);
      pending.push({ resolve, reject });
    });
  const flush = () => new Promise((r) => setTimeout(r, 0));
  return { started, pending, run, flush };
}

describe('createLatestValueScheduler', () => {
  it('runs at once when idle, keeps only the latest value while busy, and ends on it', async () => {
    const job = controlledJob();
    const scheduler = createLatestValueScheduler(job.run, () => {});
    scheduler.schedule(1);
    scheduler.schedule(2);
    scheduler.schedule(3);
    scheduler.schedule(4);
    expect(job.started).toEqual([1]);
    job.pending.shift()!.resolve();
    await job.flush();
    expect(job.started).toEqual([1, 4]);
    job.pending.shift()!.resolve();
    await scheduler.idle();
    expect(job.started).toEqual([1, 4]);
  });

  it('never has two runs in flight', async () => {
    let inFlight = 0;
    let most = 0;
    const scheduler = createLatestValueScheduler(async () => {
      inFlight++;
      most = Math.max(most, inFlight);
      await new Promise((r) => setTimeout(r, 1));
      inFlight--;
    }, () => {});
    for (let i = 0; i < 20; i++) {
      scheduler.schedule(i);
      if (i % 3 === 0) await new Promise((r) => setTimeout(r, 0));
    }
    await scheduler.idle();
    expect(most).toBe(1);
  });

  it('reports a failed run and still runs the next value', async () => {
    const job = controlledJob();
    const errors: unknown[] = [];
    const scheduler = createLatestValueScheduler(job.run, (e) => errors.push(e));
    scheduler.schedule(1);
    scheduler.schedule(2);
    job.pending.shift()!.reject(new Error('decode failed'));
    await job.flush();
    expect(errors).toEqual([new Error('decode failed')]);
    expect(job.started).toEqual([1, 2]);
    job.pending.shift()!.resolve();
    await scheduler.idle();
  });

  it('reports a job that throws synchronously', async () => {
    const errors: unknown[] = [];
    const scheduler = createLatestValueScheduler<number>(() => {
      throw new Error('sync');
    }, (e) => errors.push(e));
    scheduler.schedule(1);
    await scheduler.idle();
    expect(errors).toEqual([new Error('sync')]);
  });

  it('starts nothing after dispose', async () => {
    const job = controlledJob();
    const scheduler = createLatestValueScheduler(job.run, () => {});
    scheduler.schedule(1);
    scheduler.schedule(2);
    scheduler.dispose();
    scheduler.schedule(3);
    job.pending.shift()!.resolve();
    await scheduler.idle();
    expect(job.started).toEqual([1]);
  });
});
