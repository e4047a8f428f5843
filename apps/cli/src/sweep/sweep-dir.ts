import { access, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '@vae/model/node';
import { RUN_LAYOUT, SWEEP_LAYOUT } from '@vae/internal';
import { CHECKPOINT_FILE } from '@vae/train/node';
import { fsReason, isFsError, OutputError, TEMP_SUFFIX, withFile } from '../file-errors.js';
import { makeDirectory } from '../make-directory.js';
import { RunDirectoryError } from '../run-dir.js';
import type { SweepRun, SweepSpec } from './sweep-spec.js';

export { SWEEP_LAYOUT };

/** `sweep.json`: what the sweep is, so a second `vae sweep` knows whether it is the same one. */
export interface SweepRecord {
  tool: 'vae sweep';
  name: string;
  createdAt: string;
  base: string[];
  seeds: number[];
  runs: Pick<SweepRun, 'id' | 'configuration' | 'seed' | 'settings' | 'args'>[];
}

/** Where a run stands: not started, stopped (a checkpoint after `epoch`), started without a checkpoint, or finished. */
export type RunState = { kind: 'new' } | { kind: 'started' } | { kind: 'stopped' } | { kind: 'finished' };

const exists = (path: string) => access(path).then(() => true, () => false);

/** The state of the run directory `dir`, from the files a run writes: `model/` last, the checkpoint after each epoch. */
export async function runState(dir: string): Promise<RunState> {
  if (await exists(join(dir, RUN_LAYOUT.model, RUN_LAYOUT.modelJson))) return { kind: 'finished' };
  if (await exists(join(dir, RUN_LAYOUT.checkpoint, CHECKPOINT_FILE))) return { kind: 'stopped' };
  if (await exists(join(dir, RUN_LAYOUT.config))) return { kind: 'started' };
  return { kind: 'new' };
}

/** How `vae train` continues a run in `dir` from `state`: new (`--out`), from its checkpoint (`--resume`), or anew over a start that left no checkpoint. */
export function trainArgs(run: Pick<SweepRun, 'args'>, dir: string, state: RunState): string[] {
  if (state.kind === 'stopped') return ['--resume', dir];
  return [...run.args, '--out', dir, ...(state.kind === 'started' ? ['--overwrite'] : [])];
}

export class SweepDirectory {
  readonly runsDir: string;
  readonly logsDir: string;
  readonly reportDir: string;

  constructor(readonly path: string) {
    this.runsDir = join(path, SWEEP_LAYOUT.runs);
    this.logsDir = join(path, SWEEP_LAYOUT.logs);
    this.reportDir = join(path, SWEEP_LAYOUT.report);
  }

  runDir(id: string): string {
    return join(this.runsDir, id);
  }

  logFile(id: string): string {
    return join(this.logsDir, `${id}.log`);
  }

  /** `sweep.json`, or null when the directory holds none. Unreadable or damaged: one line. */
  async readRecord(flag = '--out'): Promise<SweepRecord | null> {
    const file = join(this.path, SWEEP_LAYOUT.spec);
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      if (isFsError(error) && (error.code === 'ENOENT' || error.code === 'ENOTDIR')) return null;
      throw new RunDirectoryError(`${flag} ${this.path}: cannot read ${file}: ${fsReason(error)}`);
    }
    try {
      const record = JSON.parse(text) as SweepRecord;
      if (record.tool !== 'vae sweep' || !Array.isArray(record.runs)) throw new Error('not a sweep.json written by `vae sweep`');
      return record;
    } catch (error) {
      throw new RunDirectoryError(`${file}: damaged (${(error as Error).message}); delete ${this.path} to start the sweep over, or choose another --out`);
    }
  }

  /**
   * Opens the directory for `spec`: a new (absent or empty) directory gets `sweep.json`; one holding
   * the same sweep is continued; one holding another sweep, or other files, is refused. `dryRun`
   * checks and writes nothing.
   */
  async open(spec: SweepSpec, runs: SweepRun[], dryRun: boolean): Promise<{ record: SweepRecord; isNew: boolean }> {
    const record: SweepRecord = {
      tool: 'vae sweep',
      name: spec.name,
      createdAt: new Date().toISOString(),
      base: spec.base,
      seeds: spec.seeds,
      runs: runs.map(({ id, configuration, seed, settings, args }) => ({ id, configuration, seed, settings, args })),
    };
    const old = await this.readRecord();
    if (old !== null) {
      const key = (r: SweepRecord) => JSON.stringify(r.runs.map((run) => [run.id, run.args]).sort());
      if (key(old) !== key(record)) {
        const ours = new Set(record.runs.map((r) => JSON.stringify([r.id, r.args])));
        const differing = old.runs.find((r) => !ours.has(JSON.stringify([r.id, r.args]))) ?? record.runs.find((r) => !old.runs.some((o) => o.id === r.id));
        throw new RunDirectoryError(
          `--out ${this.path} holds another sweep ("${old.name}", ${old.runs.length} runs; ${differing ? `run ${differing.id} differs` : 'its runs differ'}); ` +
            `choose another --out or --name, or run that sweep again with its own settings (${join(this.path, SWEEP_LAYOUT.spec)})`,
        );
      }
      return { record: old, isNew: false };
    }
    let names: string[] = [];
    try {
      names = (await readdir(this.path)).filter((n) => !TEMP_SUFFIX.test(n));
    } catch (error) {
      if (!isFsError(error) || error.code !== 'ENOENT') throw new RunDirectoryError(`--out ${this.path}: cannot list it: ${fsReason(error)}`);
    }
    if (names.length > 0) {
      throw new RunDirectoryError(`--out ${this.path} is not empty and holds no sweep (no ${SWEEP_LAYOUT.spec}: ${names.slice(0, 3).join(', ')}${names.length > 3 ? ', …' : ''}); choose a new or empty directory`);
    }
    if (!dryRun) {
      await makeDirectory(this.path, '--out');
      await this.writeRecord(record);
    }
    return { record, isNew: true };
  }

  async writeRecord(record: SweepRecord): Promise<void> {
    const file = join(this.path, SWEEP_LAYOUT.spec);
    await withFile(file, () => writeFileAtomic(file, `${JSON.stringify(record, null, 2)}\n`)).catch((error: unknown) => {
      throw isFsError(error) ? new OutputError(`--out ${this.path}: cannot write ${SWEEP_LAYOUT.spec}: ${fsReason(error)}; choose a writable directory`) : error;
    });
  }

  /** `runs/` and `logs/`, unless there. */
  async makeDirs(): Promise<void> {
    await makeDirectory(this.runsDir, '--out');
    await makeDirectory(this.logsDir, '--out');
  }
}
