import { readFile } from 'node:fs/promises';
import { basename, isAbsolute, join, resolve } from 'node:path';
import { Command, Option } from 'commander';
import { RUN_LAYOUT } from '@vae/internal';
import { positiveInt } from '../flag-parsers.js';
import { OutputError } from '../file-errors.js';
import { trainCommand, UsageError } from '../train-options.js';
import { defaultParallelRuns } from './parallel-runs.js';
import { checkRedis, redactUrl } from './redis-queue.js';
import { runState, SweepDirectory, trainArgs, type RunState } from './sweep-dir.js';
import { runSweepLocally, type PendingRun, type SweepOutcome } from './sweep-local.js';
import { runSweepOnQueue } from './sweep-queue.js';
import { writeSweepReport } from './sweep-report.js';
import { buildSweepSpec, expandRuns, runConfig, trainFlagNames } from './sweep-spec.js';

/** Some runs of a sweep failed: one line naming them and where their logs are, exit 1. */
export class SweepError extends Error {
  override name = 'SweepError';
}

const collect = (value: string, previous: string[]) => [...previous, value];

/** `vae sweep`: the flags of `vae train` (shared by every run) and the sweep's own. */
export function sweepCommand(): Command {
  const command = new Command('sweep')
    .description('Train many runs over settings and seeds (a grid, a list, a JSON/YAML spec), here in parallel or on many machines through a BullMQ queue on Redis.')
    .addOption(new Option('--grid <flag=values>', 'a train flag and its values, e.g. beta=0.5,1,2,4 (repeat for a grid: every combination is run)').argParser(collect).default([]))
    .addOption(new Option('--seeds <list>', 'seeds of each configuration, e.g. 1-5 or 0,3,7').default('0'))
    .addOption(new Option('--spec <file>', 'a JSON or YAML file with base, grid or runs, seeds, name (flags given here win over its base)'))
    .addOption(new Option('--name <name>', "the sweep's name (default: the spec file's, else what varies, e.g. beta_latent-dim)"))
    .addOption(new Option('--out <dir>', 'the sweep directory (default: sweeps/<name>); runs go to <dir>/runs/<id>/'))
    .addOption(new Option('--parallel <n>', 'runs at a time on this machine (default: cores ÷ threads per run of the engine)').argParser(positiveInt))
    .addOption(new Option('--queue <url>', 'put the runs on the BullMQ queue at this Redis (redis://[:password@]host[:port], rediss:// for TLS) for `vae worker`s; the sweep directory must be in their --runs store'))
    .addOption(new Option('--dry-run', 'list the runs and where each stands; train nothing, write nothing'));
  for (const option of trainCommand().options) {
    if (trainFlagNames().includes(option.long!.slice(2))) command.addOption(option);
  }
  return command;
}

/** The train flags given on the command line, as `vae train` reads them (paths made absolute). */
function givenTrainFlags(command: Command, baseDir: string): Map<string, string> {
  const given = new Map<string, string>();
  for (const option of command.options) {
    const name = option.long!.slice(2);
    if (!trainFlagNames().includes(name)) continue;
    const key = option.attributeName();
    if (command.getOptionValueSource(key) !== 'cli') continue;
    const value = command.getOptionValue(key) as unknown;
    given.set(name, name === 'data-dir' && typeof value === 'string' && !isAbsolute(value) ? resolve(baseDir, value) : String(value));
  }
  return given;
}

/** Epochs done by a stopped run (the lines of its `metrics.jsonl`), for the progress view. */
async function epochsDone(dir: string, state: RunState): Promise<number> {
  if (state.kind !== 'stopped') return 0;
  const text = await readFile(join(dir, RUN_LAYOUT.metrics), 'utf8').catch(() => '');
  return text.split('\n').filter((l) => l.trim() !== '').length;
}

export interface SweepIo {
  out: (line: string) => void;
  log: (line: string) => void;
  signal: AbortSignal;
}

/** Runs `vae sweep`; returns the exit code (130 when Ctrl-C stopped it). */
export async function runSweep(command: Command, io: SweepIo): Promise<number> {
  const baseDir = process.env.INIT_CWD ?? process.cwd();
  const flags = command.opts<{ grid: string[]; seeds: string; spec?: string; name?: string; out?: string; parallel?: number; queue?: string; dryRun?: boolean }>();
  const spec = await buildSweepSpec({
    baseFlags: givenTrainFlags(command, baseDir),
    grid: flags.grid,
    seeds: command.getOptionValueSource('seeds') === 'cli' || flags.spec === undefined ? flags.seeds : undefined,
    spec: flags.spec,
    name: flags.name,
    baseDir,
  });
  const runs = await expandRuns(spec, baseDir);
  const sweep = new SweepDirectory(resolve(baseDir, flags.out ?? join('sweeps', spec.name)));
  if (flags.queue !== undefined && !/^[A-Za-z0-9][A-Za-z0-9._+-]{0,199}$/.test(basename(sweep.path))) {
    throw new UsageError(`--out ${sweep.path}: with --queue, the sweep directory's name is its name in the workers' run store: use letters, digits, '.', '_', '-'`);
  }
  await sweep.open(spec, runs, flags.dryRun === true);

  const pending: PendingRun[] = [];
  let finished = 0;
  const states = new Map<string, RunState>();
  for (const run of runs) {
    const dir = sweep.runDir(run.id);
    const state = await runState(dir);
    states.set(run.id, state);
    if (state.kind === 'finished') finished++;
    else pending.push({ run, epochs: (await runConfig(run, baseDir)).epochs, doneEpochs: await epochsDone(dir, state) });
  }

  if (flags.dryRun) {
    io.out(`Sweep ${spec.name}: ${runs.length} run${runs.length === 1 ? '' : 's'} in ${sweep.path} (${finished} finished, ${pending.length} to train)`);
    for (const run of runs) {
      const state = states.get(run.id)!;
      const word = { new: 'to train', started: 'to train (again: no checkpoint yet)', stopped: 'to resume', finished: 'finished' }[state.kind];
      io.out(`  ${run.id}  ${word}: vae train ${trainArgs(run, sweep.runDir(run.id), state).join(' ')}`);
    }
    return 0;
  }

  let outcome: SweepOutcome & { interrupted?: boolean } = { finished: [], stopped: [], failed: [] };
  const started = performance.now();
  if (pending.length === 0) {
    io.log(`all ${runs.length} runs of ${sweep.path} are finished: nothing to train`);
  } else if (flags.queue !== undefined) {
    await checkRedis(flags.queue);
    await sweep.makeDirs();
    io.log(`sweep ${spec.name}: ${pending.length} of ${runs.length} runs to train through the queue at ${redactUrl(flags.queue)}${finished > 0 ? ` (${finished} already finished)` : ''}`);
    outcome = await runSweepOnQueue(flags.queue, basename(sweep.path), pending, io.log, io.signal);
  } else {
    await sweep.makeDirs();
    const { parallel, why } = flags.parallel !== undefined ? { parallel: flags.parallel, why: '--parallel' } : await defaultParallelRuns(await runConfig(pending[0]!.run, baseDir));
    io.log(`sweep ${spec.name}: ${pending.length} of ${runs.length} runs to train, ${parallel} at a time (${why})${finished > 0 ? `; ${finished} already finished` : ''}; logs in ${sweep.logsDir}`);
    outcome = await runSweepLocally(sweep, pending, parallel, io.log, io.signal);
  }
  const seconds = (performance.now() - started) / 1000;

  if (finished + outcome.finished.length > 0) {
    const files = await writeSweepReport(sweep.path);
    io.out(`Report: ${files.join(', ')}`);
  }
  io.out(`Sweep ${spec.name}: ${finished + outcome.finished.length}/${runs.length} runs finished (${outcome.finished.length} trained now in ${seconds.toFixed(1)} s), ${outcome.failed.length} failed, in ${sweep.path}`);
  if (outcome.interrupted || io.signal.aborted) {
    io.out(flags.queue ? 'Stopped following the queue; the runs stay on it for the workers. Run the same command to follow them again.' : 'Stopped: each running run saved a checkpoint. Run the same command to continue the sweep.');
    return 130;
  }
  if (outcome.failed.length > 0) {
    const first = outcome.failed[0]!;
    throw new SweepError(
      `${outcome.failed.length} of ${runs.length} runs failed (${first.id}: ${first.reason}${outcome.failed.length > 1 ? `; also ${outcome.failed.slice(1, 4).map((f) => f.id).join(', ')}${outcome.failed.length > 4 ? ', …' : ''}` : ''}); ` +
        `their logs are in ${sweep.logsDir}; fix that and run the same command again (finished runs are kept)`,
    );
  }
  return 0;
}

/** `vae sweep report <dir>`. */
export function sweepReportCommand(): Command {
  return new Command('report')
    .description("Write a sweep's report: a table per configuration (CSV, Markdown: mean, sd, 95% interval of the final test loss over seeds, z = mu loss, KL, time, engine) and pictures (SVG, PNG).")
    .argument('<sweep dir>', 'the directory `vae sweep` wrote (holding sweep.json)');
}

export async function runSweepReport(command: Command, io: SweepIo): Promise<number> {
  const dir = resolve(process.env.INIT_CWD ?? process.cwd(), command.args[0]!);
  const files = await writeSweepReport(dir, io.out);
  if (files.length === 0) throw new OutputError(`${dir}: no run of this sweep has finished yet; nothing to report`);
  io.out(`Report: ${files.join(', ')}`);
  return 0;
}
