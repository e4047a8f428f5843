import { existsSync } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { isRecord, RUN_LAYOUT, SWEEP_LAYOUT } from '@vae/internal';
import { repoRoot } from './run-listing.js';

/** One sweep of the CLI (`sweeps/<name>`, written by `vae sweep`), as the page lists it beside the runs. */
export interface SweepSummary {
  /** The directory's name. */
  name: string;
  /** ISO time from sweep.json, else the directory's mtime. */
  createdAt: string;
  /** Runs the sweep has (configurations × seeds) and how many have finished (their model saved). */
  runs: number;
  finished: number;
  /** What varies, e.g. `["beta-0.5", "beta-1"]`, in the sweep's order. */
  configurations: string[];
  seeds: number[];
  /** `report/summary.md` is there (`vae sweep report`, also written at the end of a sweep). */
  hasReport: boolean;
  /** Why sweep.json could not be read. */
  error?: string;
}

/** Where the CLI's sweeps are: `VAE_SWEEPS_DIR` if set, else `<repo root>/sweeps` (`vae sweep`'s default `--out` is `sweeps/<name>`). */
export function sweepsRoot(from: string, env: Record<string, string | undefined> = process.env): string {
  if (env.VAE_SWEEPS_DIR) return path.resolve(env.VAE_SWEEPS_DIR);
  return path.join(repoRoot(from), 'sweeps');
}

/** The sweeps under `root` (directories holding sweep.json), newest first; a missing `root` is an empty list. */
export async function listSweeps(root: string): Promise<SweepSummary[]> {
  const entries = await readdir(root, { withFileTypes: true }).catch(() => []);
  const sweeps = await Promise.all(entries.filter((e) => e.isDirectory() || e.isSymbolicLink()).map((e) => readSweep(root, e.name)));
  return sweeps
    .filter((s): s is SweepSummary => s !== undefined)
    .sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt) || a.name.localeCompare(b.name));
}

/** The summary of `<root>/<name>`, or undefined when it holds no sweep.json. */
export async function readSweep(root: string, name: string): Promise<SweepSummary | undefined> {
  const dir = path.join(root, name);
  const file = path.join(dir, SWEEP_LAYOUT.spec);
  const [dirStat, text] = await Promise.all([stat(dir).catch(() => undefined), readFile(file, 'utf8').catch(() => undefined)]);
  if (!dirStat?.isDirectory() || text === undefined) return undefined;
  const hasReport = existsSync(path.join(dir, SWEEP_LAYOUT.report, 'summary.md'));
  let record: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(text);
    if (!isRecord(parsed) || !Array.isArray(parsed.runs)) throw new Error('no "runs" list');
    record = parsed;
  } catch (err) {
    return { name, createdAt: dirStat.mtime.toISOString(), runs: 0, finished: 0, configurations: [], seeds: [], hasReport, error: `${file}: unreadable (${(err as Error).message}); expected the sweep.json \`vae sweep\` writes` };
  }
  const runs = (record.runs as unknown[]).filter(isRecord);
  const ids = runs.map((r) => String(r.id ?? '')).filter((id) => id !== '' && !id.includes('/') && !id.includes('..'));
  const finished = ids.filter((id) => existsSync(path.join(dir, SWEEP_LAYOUT.runs, id, RUN_LAYOUT.model, RUN_LAYOUT.modelJson))).length;
  return {
    name,
    createdAt: typeof record.createdAt === 'string' && !Number.isNaN(Date.parse(record.createdAt)) ? record.createdAt : dirStat.mtime.toISOString(),
    runs: runs.length,
    finished,
    configurations: [...new Set(runs.map((r) => String(r.configuration ?? '')))],
    seeds: Array.isArray(record.seeds) ? record.seeds.filter((s): s is number => typeof s === 'number') : [],
    hasReport,
  };
}
