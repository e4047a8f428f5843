import { SweepProgress } from './sweep-progress.js';
import { runState, trainArgs, type SweepDirectory } from './sweep-dir.js';
import type { SweepRun } from './sweep-spec.js';
import { startTrainChild, type ChildOutcome, type TrainChild } from './train-child.js';
import { formatLoss, formatSeconds } from '../format.js';

/** A run to train now, with the epochs it has already done (a stopped run resumes). */
export interface PendingRun {
  run: SweepRun;
  epochs: number;
  doneEpochs: number;
}

export interface SweepOutcome {
  finished: string[];
  stopped: string[];
  failed: { id: string; reason: string }[];
}

/**
 * Trains `pending` in `parallel` child processes (`vae train`, the same code as a single run),
 * each into its run directory under `sweep`. `signal` (Ctrl-C) stops every child after its batch,
 * each saving a checkpoint; runs not started stay for the next `vae sweep`.
 */
export async function runSweepLocally(sweep: SweepDirectory, pending: PendingRun[], parallel: number, log: (line: string) => void, signal: AbortSignal): Promise<SweepOutcome> {
  const progress = new SweepProgress(pending.length, pending.reduce((n, p) => n + p.epochs - p.doneEpochs, 0), log);
  const outcome: SweepOutcome = { finished: [], stopped: [], failed: [] };
  const queue = [...pending];
  const running = new Set<TrainChild>();
  const onAbort = () => running.forEach((child) => child.stop());
  signal.addEventListener('abort', onAbort);
  const lane = async () => {
    for (let next = queue.shift(); next !== undefined && !signal.aborted; next = queue.shift()) {
      const { run, doneEpochs } = next;
      const dir = sweep.runDir(run.id);
      const state = await runState(dir);
      progress.start(run.id, state.kind === 'stopped' ? ' (resuming from its checkpoint)' : '');
      const child = startTrainChild(trainArgs(run, dir, state), sweep.logFile(run.id), (epoch) => progress.epoch(run.id, epoch, doneEpochs));
      running.add(child);
      const ended: ChildOutcome = await child.done;
      running.delete(child);
      record(outcome, progress, run.id, ended);
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(parallel, pending.length) }, lane));
  } finally {
    signal.removeEventListener('abort', onAbort);
    progress.stop();
  }
  return outcome;
}

/** Counts a run's end and tells it. */
export function record(outcome: SweepOutcome, progress: SweepProgress, id: string, ended: ChildOutcome): void {
  if (ended.kind === 'finished') {
    outcome.finished.push(id);
    progress.end(id, 'finished', `${ended.testLoss === null ? '' : `test loss ${formatLoss(ended.testLoss)}, `}${formatSeconds(ended.seconds)}`);
  } else if (ended.kind === 'stopped') {
    outcome.stopped.push(id);
    progress.end(id, 'stopped', 'checkpoint saved');
  } else {
    outcome.failed.push({ id, reason: ended.reason });
    progress.end(id, 'failed', ended.reason);
  }
}
