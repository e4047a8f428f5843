import { Queue, QueueEvents } from 'bullmq';
import { SweepProgress } from './sweep-progress.js';
import { record, type PendingRun, type SweepOutcome } from './sweep-local.js';
import { QUEUE_NAME, redisConnection } from './redis-queue.js';
import { jobId, type SweepRun } from './sweep-spec.js';

/** What a job carries: the run's settings, where it goes in the run store, and nothing else. */
export interface RunJobData {
  /** The sweep's directory name in the workers' run store (`vae worker --runs`). */
  sweep: string;
  /** The run's directory name under `<sweep>/runs/`. */
  run: string;
  /** `vae train` flags (no `--out`: the worker puts the run in the store). */
  args: string[];
  epochs: number;
}

/** What a finished job returns. */
export interface RunJobResult {
  testLoss: number | null;
  seconds: number;
}

/** A job's progress: the run's epoch. */
export interface RunJobProgress {
  epoch: number;
  epochs: number;
}

/** Finished jobs are kept a week (so a repeated sweep finds them), failed ones too (to read their reason). */
const KEEP = { age: 7 * 24 * 3600 };

/**
 * Puts `pending` on the queue at `url` (one job per run, its id derived from the sweep's name and
 * the run's settings: a run already queued or running is not queued twice) and follows them to the
 * end with the sweep's progress view. Ctrl-C (`signal`) stops following; the jobs stay queued.
 */
export async function runSweepOnQueue(url: string, sweepName: string, pending: PendingRun[], log: (line: string) => void, signal: AbortSignal): Promise<SweepOutcome & { interrupted: boolean }> {
  const connections = [redisConnection(url), redisConnection(url)];
  const queue = new Queue<RunJobData, RunJobResult>(QUEUE_NAME, { connection: connections[0]! });
  const events = new QueueEvents(QUEUE_NAME, { connection: connections[1]! });
  const outcome: SweepOutcome & { interrupted: boolean } = { finished: [], stopped: [], failed: [], interrupted: false };
  const progress = new SweepProgress(pending.length, pending.reduce((n, p) => n + p.epochs - p.doneEpochs, 0), log);
  try {
    await events.waitUntilReady();
    const byJob = new Map<string, PendingRun>(pending.map((p) => [jobId(sweepName, p.run), p]));
    const open = new Set(byJob.keys());
    const active = new Set<string>();
    let wake = () => {};
    const ended = (id: string) => {
      open.delete(id);
      if (active.delete(id) === false) progress.start(byJob.get(id)!.run.id);
      wake();
    };
    events.on('active', ({ jobId: id }) => {
      if (!byJob.has(id) || active.has(id) || !open.has(id)) return;
      active.add(id);
      progress.start(byJob.get(id)!.run.id, ' on a worker');
    });
    events.on('progress', ({ jobId: id, data }) => {
      const p = byJob.get(id);
      const at = data as Partial<RunJobProgress>;
      if (p && typeof at.epoch === 'number') progress.epoch(p.run.id, at.epoch, p.doneEpochs);
    });
    events.on('stalled', ({ jobId: id }) => {
      const p = byJob.get(id);
      if (p) log(`${p.run.id}: its worker was lost; the queue gives the run to another worker, which resumes it from its last checkpoint`);
    });
    events.on('completed', ({ jobId: id, returnvalue }) => {
      const p = byJob.get(id);
      if (!p || !open.has(id)) return;
      const result = (typeof returnvalue === 'string' ? JSON.parse(returnvalue) : returnvalue) as RunJobResult;
      ended(id);
      record(outcome, progress, p.run.id, { kind: 'finished', testLoss: result?.testLoss ?? null, seconds: result?.seconds ?? 0 });
    });
    events.on('failed', ({ jobId: id, failedReason }) => {
      const p = byJob.get(id);
      if (!p || !open.has(id)) return;
      ended(id);
      record(outcome, progress, p.run.id, { kind: 'failed', reason: failedReason, seconds: 0 });
    });

    for (const [id, p] of byJob) {
      const existing = await queue.getJob(id);
      if (existing) {
        const state = await existing.getState();
        // A finished or failed job whose run is not finished (deleted, or failed): queued again. One waiting or running: followed.
        if (state === 'completed' || state === 'failed') await existing.remove();
        else continue;
      }
      await queue.add(p.run.id, jobData(sweepName, p.run, p.epochs), { jobId: id, removeOnComplete: KEEP, removeOnFail: KEEP });
    }
    log(`queued ${pending.length} run${pending.length === 1 ? '' : 's'} on ${QUEUE_NAME}; start workers with: vae worker --queue <url> --runs <the directory holding this sweep>`);

    await new Promise<void>((resolve) => {
      const check = () => {
        if (open.size === 0) resolve();
        else if (signal.aborted) {
          outcome.interrupted = true;
          resolve();
        }
      };
      wake = check;
      signal.addEventListener('abort', check, { once: true });
      check();
    });
  } finally {
    progress.stop();
    await events.close();
    await queue.close();
    connections.forEach((c) => c.disconnect()); // BullMQ leaves the connections it was given open
  }
  return outcome;
}

export function jobData(sweep: string, run: SweepRun, epochs: number): RunJobData {
  return { sweep, run: run.id, args: run.args, epochs };
}
