import { readFile, rm } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { Command, Option } from 'commander';
import { DelayedError, UnrecoverableError, Worker, type Job } from 'bullmq';
import { writeFileAtomic } from '@vae/model/node';
import { fsReason, OutputError } from '../file-errors.js';
import { positiveInt } from '../flag-parsers.js';
import { makeDirectory } from '../make-directory.js';
import { LOCK_FILE } from '../run-lock.js';
import { checkRedis, QUEUE_NAME, redactUrl, redisConnection } from './redis-queue.js';
import { runState, SweepDirectory, trainArgs } from './sweep-dir.js';
import type { RunJobData, RunJobProgress, RunJobResult } from './sweep-queue.js';
import { startTrainChild, type TrainChild } from './train-child.js';
import { formatLoss, formatSeconds } from '../format.js';

export function workerCommand(): Command {
  return new Command('worker')
    .description("Take a sweep's runs from a BullMQ queue on Redis and train them into a run store all machines share.")
    .addOption(new Option('--queue <url>', 'Redis: redis://[:password@]host[:port][/db], or rediss://… (TLS)').makeOptionMandatory())
    .addOption(new Option('--runs <dir>', 'the shared run store: the directory holding the sweeps (NFS, SMB, …)').makeOptionMandatory())
    .addOption(new Option('--concurrency <n>', 'runs at a time on this machine').default(1).argParser(positiveInt))
    .addOption(new Option('--lock-seconds <s>', 'how long a run stays with a worker that stopped answering before another takes it').default(30).argParser(positiveInt));
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._+-]{0,199}$/;
const OWNED_FLAGS = new Set(['--out', '--resume', '--overwrite']);

/** A job's data as this worker accepts it: names that stay inside the run store, train flags only. */
function checkJob(data: unknown): RunJobData {
  const d = data as Partial<RunJobData>;
  const ok =
    typeof d === 'object' && d !== null &&
    typeof d.sweep === 'string' && NAME.test(d.sweep) && !d.sweep.includes('..') &&
    typeof d.run === 'string' && NAME.test(d.run) && !d.run.includes('..') &&
    Array.isArray(d.args) && d.args.every((a) => typeof a === 'string') && !d.args.some((a) => OWNED_FLAGS.has(a)) &&
    typeof d.epochs === 'number';
  if (!ok) throw new UnrecoverableError('not a vae sweep run (its data has no sweep name, run id and train flags); queued by something else than `vae sweep`?');
  return d as RunJobData;
}

/** Fails unless this worker can write into the run store (a probe file, written and removed). */
async function checkRunStore(dir: string): Promise<void> {
  await makeDirectory(dir, '--runs');
  const probe = join(dir, `.vae-worker-probe-${hostname()}-${process.pid}`);
  try {
    await writeFileAtomic(probe, 'probe\n');
    await rm(probe, { force: true });
  } catch (error) {
    throw new OutputError(`--runs ${dir}: this worker cannot write there: ${fsReason(error)}; give a directory it can write (the store all workers share, e.g. an NFS or SMB mount, writable by this user)`);
  }
}

/**
 * A run's lock held by a process on another host, when the queue found that run's worker lost (a
 * stalled job): that host is gone or cut off, so its lock is taken over (the run resumes from its
 * checkpoint). A lock of this host is left to `vae train`, which checks its process.
 */
async function takeOverLostLock(dir: string, log: (line: string) => void): Promise<void> {
  const file = join(dir, LOCK_FILE);
  try {
    const holder = JSON.parse(await readFile(file, 'utf8')) as { host?: string; pid?: number };
    if (typeof holder.host === 'string' && holder.host !== hostname()) {
      await rm(file, { force: true });
      log(`${dir}: took over the lock of the lost worker on ${holder.host} (pid ${holder.pid})`);
    }
  } catch {
    // no lock, or not readable: vae train tells
  }
}

/** `vae worker`: trains runs from the queue until Ctrl-C; then each running run stops after its batch, saving a checkpoint, and goes back on the queue. */
export async function runWorker(command: Command, io: { out: (line: string) => void; log: (line: string) => void; signal: AbortSignal }): Promise<number> {
  const flags = command.opts<{ queue: string; runs: string; concurrency: number; lockSeconds: number }>();
  const store = resolve(process.env.INIT_CWD ?? process.cwd(), flags.runs);
  await checkRedis(flags.queue);
  await checkRunStore(store);
  const children = new Set<TrainChild>();
  const processor = async (job: Job<RunJobData, RunJobResult>, token?: string): Promise<RunJobResult> => {
    const data = checkJob(job.data);
    const sweep = new SweepDirectory(join(store, data.sweep));
    await sweep.makeDirs();
    const dir = sweep.runDir(data.run);
    if (job.stalledCounter > 0) await takeOverLostLock(dir, io.log);
    const state = await runState(dir);
    if (state.kind === 'finished') return { testLoss: null, seconds: 0 };
    io.log(`${data.sweep}/${data.run}: ${state.kind === 'stopped' ? 'resuming from its checkpoint' : 'starting'}`);
    const child = startTrainChild(trainArgs(data, dir, state), sweep.logFile(data.run), (epoch, epochs) => {
      job.updateProgress({ epoch, epochs } satisfies RunJobProgress).catch(() => {});
    });
    children.add(child);
    if (io.signal.aborted) child.stop();
    const ended = await child.done;
    children.delete(child);
    if (ended.kind === 'finished') {
      io.out(`${data.sweep}/${data.run}: finished${ended.testLoss === null ? '' : `, test loss ${formatLoss(ended.testLoss)}`} (${formatSeconds(ended.seconds)})`);
      return { testLoss: ended.testLoss, seconds: ended.seconds };
    }
    if (ended.kind === 'stopped') {
      // This worker is stopping: the run, checkpointed, goes back on the queue for another worker.
      io.log(`${data.sweep}/${data.run}: stopped with a checkpoint; back on the queue`);
      await job.moveToDelayed(Date.now(), token);
      throw new DelayedError();
    }
    io.log(`${data.sweep}/${data.run}: failed: ${ended.reason}`);
    throw new UnrecoverableError(ended.reason);
  };
  const lockDuration = flags.lockSeconds * 1000;
  const connection = redisConnection(flags.queue);
  const worker = new Worker<RunJobData, RunJobResult>(QUEUE_NAME, processor, {
    connection,
    concurrency: flags.concurrency,
    lockDuration,
    stalledInterval: lockDuration,
    maxStalledCount: 10,
    autorun: false,
  });
  worker.on('error', () => {}); // a lost connection is retried by ioredis
  const running = worker.run();
  io.log(`worker on ${redactUrl(flags.queue)} (queue ${QUEUE_NAME}), writing runs into ${store}; Ctrl-C stops it`);
  await new Promise<void>((done) => {
    if (io.signal.aborted) done();
    io.signal.addEventListener('abort', () => done(), { once: true });
  });
  io.log('stopping: each run stops after its batch, saves a checkpoint and goes back on the queue…');
  children.forEach((child) => child.stop());
  await worker.close();
  await running;
  connection.disconnect(); // BullMQ leaves the connection it was given open
  return 130;
}
