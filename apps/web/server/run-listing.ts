import { existsSync } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { isRecord, RUN_LAYOUT } from '@vae/internal';

/** One training run of the CLI (`runs/<timestamp>`), as the page lists it. */
export interface RunSummary {
  /** The directory's name; the run's id in `/api/runs/<name>/…`. */
  name: string;
  /** ISO time from config.json, else the directory's mtime. */
  createdAt: string;
  /** Epochs in metrics.jsonl (the last line's `epoch`); 0 before the first epoch ends. */
  epochsDone: number;
  /** Epochs asked for (`settings.epochs`), or null when config.json does not say. */
  epochs: number | null;
  /** `testLoss` of the last metrics.jsonl line (nats per image), or null. */
  finalTestLoss: number | null;
  /** model/model.json and model/weights.bin are there: the run finished (the CLI saves the model last). */
  hasModel: boolean;
  /** What trained it (`cpu`, `wasm`, `native`, …), or null. */
  backend: string | null;
  latentDim: number | null;
  /** How the model expects its input scaled (`settings.normalization`), or null. */
  normalization: string | null;
  /** The data it trained on, from config.json. */
  data: { source: string; description: string; train: number; test: number } | null;
  /** Why config.json could not be read; the other fields are then what the files alone say. */
  error?: string;
}

/**
 * Where the CLI's runs are: `VAE_RUNS_DIR` if set, else `<repo root>/runs` (the CLI writes
 * `runs/<timestamp>` relative to where `pnpm --filter cli train` was started, usually the repo
 * root). The repo root is the nearest directory above `from` holding pnpm-workspace.yaml.
 */
export function runsRoot(from: string, env: Record<string, string | undefined> = process.env): string {
  if (env.VAE_RUNS_DIR) return path.resolve(env.VAE_RUNS_DIR);
  return path.join(repoRoot(from), 'runs');
}

/** The nearest directory at or above `from` holding pnpm-workspace.yaml (else `from`). */
export function repoRoot(from: string): string {
  for (let dir = path.resolve(from); ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'pnpm-workspace.yaml'))) return dir;
    if (path.dirname(dir) === dir) return path.resolve(from);
  }
}

/**
 * The runs under `root`, newest first. A directory is a run when it holds config.json (the CLI
 * writes it before the first epoch); anything else is left out. An unreadable config.json does not
 * hide the run: it is listed with `error`. A missing `root` is an empty list: no runs yet.
 */
export async function listRuns(root: string): Promise<RunSummary[]> {
  const entries = await readdir(root, { withFileTypes: true }).catch(() => []);
  // Symbolic links too: `readRun` follows them and keeps only directories.
  const runs = await Promise.all(entries.filter((e) => e.isDirectory() || e.isSymbolicLink()).map((e) => readRun(root, e.name)));
  return runs
    .filter((run): run is RunSummary => run !== undefined)
    .sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt) || b.name.localeCompare(a.name));
}

/** The summary of `<root>/<name>`, or undefined when it is not a run directory. */
export async function readRun(root: string, name: string): Promise<RunSummary | undefined> {
  const dir = path.join(root, name);
  const configFile = path.join(dir, RUN_LAYOUT.config);
  const [dirStat, configText] = await Promise.all([stat(dir).catch(() => undefined), readFile(configFile, 'utf8').catch(() => undefined)]);
  if (!dirStat?.isDirectory() || configText === undefined) return undefined;

  let config: Record<string, unknown> = {};
  let error: string | undefined;
  try {
    const parsed: unknown = JSON.parse(configText);
    if (!isRecord(parsed)) throw new Error('not a JSON object');
    config = parsed;
  } catch (err) {
    error = `${configFile}: unreadable config.json (${(err as Error).message}); expected the JSON object the CLI writes`;
  }
  const settings = isRecord(config.settings) ? config.settings : {};
  const model = isRecord(config.model) ? config.model : {};
  const data = isRecord(config.data) ? config.data : undefined;
  const last = await lastMetrics(path.join(dir, RUN_LAYOUT.metrics));
  const summary: RunSummary = {
    name,
    createdAt: typeof config.createdAt === 'string' && !Number.isNaN(Date.parse(config.createdAt)) ? config.createdAt : dirStat.mtime.toISOString(),
    epochsDone: typeof last?.epoch === 'number' ? last.epoch : 0,
    epochs: numberOrNull(settings.epochs),
    finalTestLoss: numberOrNull(last?.testLoss),
    hasModel: existsSync(path.join(dir, RUN_LAYOUT.model, RUN_LAYOUT.modelJson)) && existsSync(path.join(dir, RUN_LAYOUT.model, RUN_LAYOUT.modelWeights)),
    backend: stringOrNull(config.backend),
    latentDim: numberOrNull(model.latentDim) ?? numberOrNull(settings.latentDim),
    normalization: stringOrNull(settings.normalization),
    data: data
      ? { source: String(data.source ?? ''), description: String(data.description ?? ''), train: Number(data.train ?? 0), test: Number(data.test ?? 0) }
      : null,
  };
  return error ? { ...summary, error } : summary;
}

/** The last line of metrics.jsonl that parses (the CLI rewrites the file atomically, but be lenient). */
async function lastMetrics(file: string): Promise<Record<string, unknown> | undefined> {
  const text = await readFile(file, 'utf8').catch(() => '');
  const lines = text.split('\n').filter((line) => line.trim() !== '');
  for (let i = lines.length - 1; i >= 0; i--) {
    try {
      const parsed: unknown = JSON.parse(lines[i]!);
      if (isRecord(parsed)) return parsed;
    } catch {
      // a damaged line: try the one before
    }
  }
  return undefined;
}

function numberOrNull(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

function stringOrNull(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}
