import { mkdir, readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { EpochMetrics } from '@vae/train';
import { saveVae, writeFileAtomic, type ImageShape, type Vae } from '@vae/model/node';
import { encodePng, imageGrid, lossCurveSvg } from '@vae/viz';
import { fsReason, isFsError, TEMP_SUFFIX, withFile } from './file-errors.js';
import { makeDirectory } from './make-directory.js';
import { LOCK_FILE, RunLock } from './run-lock.js';
import { deleteRunFiles, listRunFiles } from './run-files.js';
import { removeDeadWritersTempFiles } from './temp-files.js';
import { isRecord, RUN_LAYOUT } from '@vae/internal';

/** One line of `metrics.jsonl`: an epoch's metrics plus the process's memory after it. */
export type MetricsLine = EpochMetrics & { rssMB?: number; tensors?: number };

/** A run directory that cannot be used as asked (in use, holding another run, nothing to resume): one line, exit 1. */
export class RunDirectoryError extends Error {
  override name = 'RunDirectoryError';
}

/** What `vae train` writes into a run directory (and `explore/` and `export/`, where the model commands write by default). */
export const RUN_ENTRIES = [RUN_LAYOUT.config, RUN_LAYOUT.dataReport, RUN_LAYOUT.metrics, RUN_LAYOUT.lossCurve, RUN_LAYOUT.samples, RUN_LAYOUT.checkpoint, RUN_LAYOUT.model, RUN_LAYOUT.explore, RUN_LAYOUT.export] as const;

/** `config.json`: the first run's record, then one entry per resume. */
export interface RunRecord {
  createdAt?: string;
  argv?: string[];
  resumes?: unknown[];
  [key: string]: unknown;
}

/**
 * The files of one training run. Every file is written to a temporary name and renamed, so an
 * interrupted run never leaves a half-written file over a good one.
 */
export class RunDirectory {
  readonly samplesDir: string;
  readonly checkpointDir: string;
  readonly modelDir: string;

  constructor(readonly path: string) {
    this.samplesDir = join(path, RUN_LAYOUT.samples);
    this.checkpointDir = join(path, RUN_LAYOUT.checkpoint);
    this.modelDir = join(path, RUN_LAYOUT.model);
  }

  /** The directories a run writes files into (for cleaning the temp files of killed writes). */
  get writtenDirs(): string[] {
    return [this.path, this.samplesDir, this.checkpointDir, this.modelDir];
  }

  /**
   * Checks, before anything is written, that a new run may start here: the directory is absent or
   * empty, or (with `overwrite`) holds a run (marked by its `config.json` or its checkpoint); and no
   * live run holds its lock. Returns the run's files, which `--overwrite` deletes, and anything
   * else found inside the run's own folders (e.g. `model/notes.txt`), which it keeps.
   */
  async checkNewRun(overwrite: boolean): Promise<{ runFiles: string[]; kept: string[] }> {
    let names: string[];
    try {
      names = await readdir(this.path);
    } catch (error) {
      if (isFsError(error) && error.code === 'ENOENT') return { runFiles: [], kept: [] };
      if (isFsError(error) && error.code === 'ENOTDIR') {
        const isFile = await stat(this.path).then((info) => info.isFile(), () => false);
        throw new RunDirectoryError(`--out ${this.path}: ${isFile ? 'is a file, not a directory' : 'a part of this path is a file, not a directory (ENOTDIR)'}; choose a directory`);
      }
      throw new RunDirectoryError(`--out ${this.path}: cannot list it: ${fsReason(error)}`);
    }
    if (names.includes(LOCK_FILE)) await RunLock.check(this.path, '--out');
    // Leftovers of killed writes and of a stale lock are no run: they are cleared under the lock.
    const kept = names.filter((n) => n !== LOCK_FILE && !TEMP_SUFFIX.test(n));
    if (kept.length === 0) return { runFiles: [], kept: [] };
    const foreign = kept.filter((n) => !(RUN_ENTRIES as readonly string[]).includes(n));
    const shown = (list: string[]) => list.slice(0, 3).join(', ') + (list.length > 3 ? `, … (${list.length} in all)` : '');
    if (foreign.length > 0) {
      throw new RunDirectoryError(`--out ${this.path} is not empty and holds files that are not a vae run's (${shown(foreign)}); choose a new or empty directory`);
    }
    // Names alone do not make a run (a user's own config.json and model/): its marks do.
    const found = await listRunFiles(this.path, [LOCK_FILE]);
    if (!found.isRun) {
      const what = [...found.runFiles, ...found.foreign].filter((n) => !TEMP_SUFFIX.test(n));
      if (what.length === 0) return { runFiles: found.runFiles, kept: [] }; // only empty folders (and temp files) of a run killed at its start
      throw new RunDirectoryError(
        `--out ${this.path} is not empty and holds no vae run (no config.json written by \`vae train\`, no checkpoint) but other files (${shown(what)}); choose a new or empty directory`,
      );
    }
    if (!overwrite) {
      throw new RunDirectoryError(
        `--out ${this.path} already holds a run (${kept.sort().join(', ')}); continue it with \`vae train --resume ${this.path}\`, ` +
          `give --overwrite to delete it and start again, or choose another --out`,
      );
    }
    return { runFiles: found.runFiles, kept: found.foreign };
  }

  /**
   * Makes the directory (and `samples/`) for a new run and takes its lock; checks again under the
   * lock that it may start here, then deletes an old run's files (`overwrite`) and the temp files of
   * killed writes. Returns the lock, which the caller releases.
   */
  async startNew(overwrite: boolean, log: (line: string) => void): Promise<RunLock> {
    await makeDirectory(this.path, '--out');
    const lock = await RunLock.acquire(this.path, '--out');
    try {
      const old = await this.checkNewRun(overwrite);
      const deleted = await deleteRunFiles(this.path, old.runFiles);
      if (deleted.length > 0) {
        const kept = old.kept.length === 0 ? '' : `; kept what is not the run's: ${old.kept.slice(0, 5).join(', ')}${old.kept.length > 5 ? `, … (${old.kept.length} in all)` : ''}`;
        log(`--overwrite: deleted the old run's ${deleted.join(', ')}${kept}`);
      }
      await this.removeLeftovers(log);
      await this.makeSamplesDir();
      return lock;
    } catch (error) {
      lock.release();
      throw error;
    }
  }

  /** `samples/`, unless it is there. */
  async makeSamplesDir(): Promise<void> {
    await withFile(this.samplesDir, () => mkdir(this.samplesDir)).catch((error: unknown) => {
      if (!isFsError(error) || error.code !== 'EEXIST') throw error;
    });
  }

  /** Removes the temp files of killed writes (of processes that are gone), saying how many. */
  async removeLeftovers(log: (line: string) => void): Promise<void> {
    const removed = await removeDeadWritersTempFiles(this.writtenDirs);
    if (removed.length > 0) log(`removed ${removed.length} temp file${removed.length === 1 ? '' : 's'} of interrupted writes (${removed.join(', ')})`);
  }

  /** `config.json` as written, or null when it is missing or not a JSON object. */
  /** `data-report.json`: what was made of a folder of images (the splits, classes, size, the files skipped and why). */
  async writeDataReport(report: unknown): Promise<string> {
    const file = join(this.path, RUN_LAYOUT.dataReport);
    await withFile(file, () => writeFileAtomic(file, `${JSON.stringify(report, null, 2)}\n`));
    return file;
  }

  async readRecord(): Promise<RunRecord | null> {
    try {
      const record = JSON.parse(await readFile(join(this.path, RUN_LAYOUT.config), 'utf8')) as unknown;
      return isRecord(record) ? (record as RunRecord) : null;
    } catch {
      return null;
    }
  }

  writeConfig(config: RunRecord): Promise<void> {
    const file = join(this.path, RUN_LAYOUT.config);
    return withFile(file, () => writeFileAtomic(file, `${JSON.stringify(config, null, 2)}\n`));
  }

  /**
   * Adds a resume to `config.json`: the first run's record (its `createdAt`, `argv`, engine) stays,
   * `settings` become the resumed run's (`--epochs` may have grown) and `resumes` gets `entry`.
   */
  async recordResume(entry: Record<string, unknown>, settings: unknown): Promise<void> {
    const record = (await this.readRecord()) ?? {};
    const resumes = Array.isArray(record.resumes) ? record.resumes : [];
    await this.writeConfig({ ...record, settings, resumes: [...resumes, entry] });
  }

  /**
   * The lines of `metrics.jsonl` for the epochs a checkpoint holds: the file's own line where it
   * agrees with the checkpoint (it has the memory figures too), else the checkpoint's figures.
   */
  async readMetricsFor(checkpointMetrics: readonly EpochMetrics[]): Promise<MetricsLine[]> {
    let lines: MetricsLine[] = [];
    try {
      const text = await readFile(join(this.path, RUN_LAYOUT.metrics), 'utf8');
      lines = text.split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as MetricsLine);
    } catch {
      // missing or unreadable: the checkpoint's figures are all there is
    }
    return checkpointMetrics.map((m) => lines.find((l) => l.epoch === m.epoch && l.testLoss === m.testLoss) ?? m);
  }

  /** Rewrites `metrics.jsonl` from all epochs so far (so a resumed run never repeats a line). */
  writeMetrics(metrics: readonly MetricsLine[]): Promise<void> {
    const file = join(this.path, RUN_LAYOUT.metrics);
    return withFile(file, () => writeFileAtomic(file, metrics.map((m) => `${JSON.stringify(m)}\n`).join('')));
  }

  /**
   * `samples/epoch-NNN.png`: `count` decoded images (`[count, height·width·channels]` in [0, 1],
   * not necessarily square) as a grid: grey, RGB for 3 channels (other counts: a panel per channel).
   */
  async writeSamples(epoch: number, pixels: Float32Array, count: number, image: ImageShape): Promise<string> {
    const file = join(this.samplesDir, `epoch-${String(epoch).padStart(3, '0')}.png`);
    const { height, width, channels } = image;
    await withFile(file, () => writeFileAtomic(file, encodePng(imageGrid(pixels, { count, width, height, channels }))));
    return file;
  }

  writeLossCurve(metrics: readonly EpochMetrics[]): Promise<void> {
    const svg = lossCurveSvg(
      [
        { name: 'train', points: metrics.map((m) => ({ x: m.epoch, y: m.trainLoss })) },
        { name: 'test', points: metrics.map((m) => ({ x: m.epoch, y: m.testLoss })) },
      ],
      { title: 'Loss (negative ELBO) per image', yLabel: 'loss (nats / image)' },
    );
    const file = join(this.path, RUN_LAYOUT.lossCurve);
    return withFile(file, () => writeFileAtomic(file, svg));
  }

  saveModel(model: Vae, metadata: Record<string, unknown>): Promise<void> {
    return withFile(this.modelDir, () => saveVae(model, this.modelDir, metadata));
  }
}
