import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { basename, extname, isAbsolute, resolve } from 'node:path';
import { CommanderError, type Command } from 'commander';
import { parse as parseYaml } from 'yaml';
import { fsReason } from '../file-errors.js';
import { resolveTrainConfig, trainCommand, UsageError, type TrainRunConfig } from '../train-options.js';

/**
 * A sweep: `vae train` flags shared by every run (`base`), values that vary (a grid, whose every
 * combination is a run, or a list of settings), and seeds; each combination × seed is one run.
 */
export interface SweepSpec {
  name: string;
  /** `vae train` flags for every run, e.g. `['--epochs', '10', '--data-dir', '/abs/mnist']`. */
  base: string[];
  /** What varies: one entry per configuration, flag name (without `--`) → value, in the order given. */
  configurations: Record<string, string>[];
  seeds: number[];
}

/** One run of a sweep: its id (a directory name made of what varies) and its `vae train` flags (no `--out`). */
export interface SweepRun {
  id: string;
  /** The configuration it belongs to (what varies, without the seed), e.g. `beta-4_latent-dim-2`, or `base`. */
  configuration: string;
  seed: number;
  /** Flag name → value of what varies in this run (without the seed). */
  settings: Record<string, string>;
  args: string[];
}

/** Train flags a sweep sets itself, never from a grid or the base. */
const SWEEP_OWNED = new Set(['out', 'resume', 'overwrite', 'seed', 'help']);

/** The names (without `--`) of the `vae train` flags a sweep may set or vary. */
export function trainFlagNames(): string[] {
  return trainCommand()
    .options.map((o) => o.long!.slice(2))
    .filter((name) => !SWEEP_OWNED.has(name));
}

/**
 * Parses `vae train` flags as `vae train` would, without printing: commander's own complaint
 * (`option '--beta <weight>' argument 'x' is invalid. …`) becomes a `UsageError` after `where`.
 */
export function parseTrainFlags(args: string[], where: string): Command {
  const command = trainCommand()
    .exitOverride()
    .configureOutput({ writeErr: () => {}, writeOut: () => {} });
  try {
    command.parse(args, { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) throw new UsageError(`${where}: ${error.message.replace(/^error: /, '')}`);
    throw error;
  }
  return command;
}

/** `1-5`, `1,2,7`, `0-2,9` → the seeds, in order, each once. */
export function parseSeeds(text: string, where = '--seeds'): number[] {
  const seeds: number[] = [];
  for (const part of text.split(',').map((p) => p.trim())) {
    const range = /^(-?\d+)(?:\s*-\s*(-?\d+))?$/.exec(part);
    if (!range) throw new UsageError(`${where} ${text}: expected integers and ranges, e.g. 1-5 or 0,3,7`);
    const from = Number(range[1]);
    const to = range[2] === undefined ? from : Number(range[2]);
    if (!Number.isSafeInteger(from) || !Number.isSafeInteger(to) || to < from || to - from >= 10_000) {
      throw new UsageError(`${where} ${text}: ${part} is not a range of at most 10,000 integers, low to high`);
    }
    for (let s = from; s <= to; s++) if (!seeds.includes(s)) seeds.push(s);
  }
  return seeds;
}

/** A flag name as the user wrote it (`beta`, `--beta`, `latent_dim`) → `vae train`'s name, or a usage error naming the choices. */
function flagName(raw: string, where: string): string {
  const name = raw.trim().replace(/^--/, '');
  if (name === 'seed' || name === 'seeds') throw new UsageError(`${where}: seeds are not a grid setting; give them with --seeds (e.g. --seeds 1-5) or "seeds:" in a spec file`);
  if (SWEEP_OWNED.has(name)) throw new UsageError(`${where}: --${name} is set by the sweep for each run; leave it out`);
  const known = trainFlagNames();
  if (!known.includes(name)) throw new UsageError(`${where}: ${raw} is not a \`vae train\` flag; expected one of ${known.join(', ')}`);
  return name;
}

/** One value of flag `name`, checked by `vae train`'s own parser; returned as the parser reads it back (`1e-3` → `0.001`), paths made absolute. */
function checkedValue(name: string, raw: unknown, where: string, baseDir: string): string {
  if (typeof raw !== 'string' && typeof raw !== 'number' && typeof raw !== 'boolean') {
    throw new UsageError(`${where}: ${name} must be a value (a number or a word), got ${JSON.stringify(raw)}`);
  }
  const text = String(raw).trim();
  if (name === 'data-dir') return isAbsolute(text) ? text : resolve(baseDir, text);
  const command = parseTrainFlags([`--${name}`, text], where);
  const key = command.options.find((o) => o.long === `--${name}`)!.attributeName();
  return String(command.getOptionValue(key));
}

/** `--grid beta=1,4` (repeatable) → flag name → values. */
export function parseGridFlag(entries: readonly string[], baseDir: string): Map<string, string[]> {
  const grid = new Map<string, string[]>();
  for (const entry of entries) {
    const where = `--grid ${entry}`;
    const eq = entry.indexOf('=');
    if (eq <= 0 || eq === entry.length - 1) throw new UsageError(`${where}: expected <flag>=<value>,<value>…, e.g. --grid beta=1,4`);
    const name = flagName(entry.slice(0, eq), where);
    if (grid.has(name)) throw new UsageError(`${where}: ${name} is already in the grid; give all its values in one --grid`);
    grid.set(name, entry.slice(eq + 1).split(',').map((v) => checkedValue(name, v, where, baseDir)));
  }
  return grid;
}

/** Every combination of the grid's values, the first flag varying slowest. */
export function gridConfigurations(grid: Map<string, string[]>): Record<string, string>[] {
  let out: Record<string, string>[] = [{}];
  for (const [name, values] of grid) out = out.flatMap((c) => values.map((v) => ({ ...c, [name]: v })));
  return out;
}

/** What a spec file (JSON or YAML) may hold. */
interface SpecFile {
  name?: unknown;
  base?: unknown;
  grid?: unknown;
  runs?: unknown;
  seeds?: unknown;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Reads a spec file: `base` (flag → value), `grid` (flag → list of values) or `runs` (a list of
 * flag → value: the configurations themselves), `seeds` (a list, or a string like `1-5`), `name`.
 */
export async function readSpecFile(file: string): Promise<{ name: string; base: Record<string, unknown>; configurations: Record<string, unknown>[] | null; grid: Map<string, unknown[]> | null; seeds: number[] | null }> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new UsageError(`--spec ${file}: cannot read it: ${fsReason(error)}`);
  }
  let parsed: unknown;
  try {
    parsed = /\.json$/i.test(file) ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    throw new UsageError(`--spec ${file}: not valid ${/\.json$/i.test(file) ? 'JSON' : 'YAML'} (${(error as Error).message.split('\n')[0]})`);
  }
  if (!isObject(parsed)) throw new UsageError(`--spec ${file}: expected a mapping with base, grid or runs, and seeds`);
  const spec = parsed as SpecFile;
  const unknownKeys = Object.keys(spec).filter((k) => !['name', 'base', 'grid', 'runs', 'seeds'].includes(k));
  if (unknownKeys.length > 0) throw new UsageError(`--spec ${file}: unknown key ${unknownKeys[0]}; expected name, base, grid, runs, seeds`);
  if (spec.base !== undefined && !isObject(spec.base)) throw new UsageError(`--spec ${file}: base must map flags to values, e.g. base: { epochs: 10 }`);
  if (spec.grid !== undefined && spec.runs !== undefined) throw new UsageError(`--spec ${file}: give grid or runs, not both`);
  let grid: Map<string, unknown[]> | null = null;
  if (spec.grid !== undefined) {
    if (!isObject(spec.grid)) throw new UsageError(`--spec ${file}: grid must map flags to lists of values, e.g. grid: { beta: [1, 4] }`);
    grid = new Map(Object.entries(spec.grid).map(([k, v]) => [k, Array.isArray(v) ? v : [v]]));
  }
  let configurations: Record<string, unknown>[] | null = null;
  if (spec.runs !== undefined) {
    if (!Array.isArray(spec.runs) || !spec.runs.every(isObject)) throw new UsageError(`--spec ${file}: runs must be a list of settings, e.g. runs: [{ beta: 1 }, { beta: 4, latent-dim: 2 }]`);
    configurations = spec.runs;
  }
  let seeds: number[] | null = null;
  if (spec.seeds !== undefined) {
    if (Array.isArray(spec.seeds)) seeds = parseSeeds(spec.seeds.map(String).join(','), `--spec ${file}: seeds`);
    else seeds = parseSeeds(String(spec.seeds), `--spec ${file}: seeds`);
  }
  if (spec.name !== undefined && typeof spec.name !== 'string') throw new UsageError(`--spec ${file}: name must be a string`);
  return { name: (spec.name as string | undefined) ?? basename(file, extname(file)), base: (spec.base ?? {}) as Record<string, unknown>, configurations, grid, seeds };
}

/** What `vae sweep` was given on its command line (besides the train flags, already in `base`). */
export interface SweepInput {
  /** `--flag value` pairs of the train flags given. */
  baseFlags: Map<string, string>;
  grid: readonly string[];
  seeds?: string;
  spec?: string;
  name?: string;
  baseDir: string;
}

/** The spec from the command line and an optional spec file (flags given on the command line win over the file's base). */
export async function buildSweepSpec(input: SweepInput): Promise<SweepSpec> {
  const file = input.spec === undefined ? null : await readSpecFile(resolve(input.baseDir, input.spec));
  const where = file === null ? '' : `--spec ${input.spec}`;
  const base = new Map<string, string>();
  for (const [k, v] of Object.entries(file?.base ?? {})) {
    const name = flagName(k, `${where}: base`);
    base.set(name, checkedValue(name, v, `${where}: base.${k}`, input.baseDir));
  }
  for (const [k, v] of input.baseFlags) base.set(k, v);

  let configurations: Record<string, string>[] = [{}];
  const grid = parseGridFlag(input.grid, input.baseDir);
  if (file?.grid) {
    for (const [k, values] of file.grid) {
      const name = flagName(k, `${where}: grid`);
      if (grid.has(name)) throw new UsageError(`--grid ${name}: also in ${input.spec}'s grid; give it in one place`);
      grid.set(name, values.map((v) => checkedValue(name, v, `${where}: grid.${k}`, input.baseDir)));
    }
  }
  if (file?.configurations) {
    const listed = file.configurations.map((c, i) => {
      const out: Record<string, string> = {};
      for (const [k, v] of Object.entries(c)) {
        const name = flagName(k, `${where}: runs[${i}]`);
        out[name] = checkedValue(name, v, `${where}: runs[${i}].${k}`, input.baseDir);
      }
      return out;
    });
    const gridded = gridConfigurations(grid);
    configurations = listed.flatMap((c) => gridded.map((g) => ({ ...c, ...g })));
  } else {
    configurations = gridConfigurations(grid);
  }
  const seeds = input.seeds !== undefined ? parseSeeds(input.seeds) : (file?.seeds ?? [0]);
  if (seeds.length === 0) throw new UsageError('--seeds: no seeds given');
  const name = input.name ?? file?.name ?? defaultName(grid, configurations);
  checkName(name);
  return { name, base: [...base].flatMap(([k, v]) => [`--${k}`, v]), configurations, seeds };
}

/** `beta_latent-dim` from what varies; `sweep` when nothing does. */
function defaultName(grid: Map<string, string[]>, configurations: Record<string, string>[]): string {
  const keys = new Set([...grid.keys(), ...configurations.flatMap((c) => Object.keys(c))]);
  return keys.size === 0 ? 'sweep' : [...keys].join('_');
}

/** A sweep's name is a directory name in a shared run store: letters, digits, `.`, `_`, `-`. */
export function checkName(name: string): void {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/.test(name)) {
    throw new UsageError(`--name ${JSON.stringify(name)}: expected letters, digits, '.', '_' and '-' (at most 100, starting with a letter or digit)`);
  }
}

/** A value as part of a directory name. */
const idPart = (value: string) => value.replace(/[^A-Za-z0-9.+-]+/g, '_').slice(0, 40);

/** The id of a configuration: what varies, e.g. `beta-4_latent-dim-2`; `base` when nothing does. */
export function configurationId(settings: Record<string, string>): string {
  const parts = Object.entries(settings).map(([k, v]) => `${k}-${idPart(v)}`);
  return parts.length === 0 ? 'base' : parts.join('_');
}

/**
 * The runs of a spec, in order (configurations, then seeds), each with its id and checked flags:
 * every run's flags are resolved as `vae train` resolves them, so a bad combination (e.g.
 * `--normalize symmetric` with BCE) is found before anything runs.
 */
export async function expandRuns(spec: SweepSpec, baseDir: string): Promise<SweepRun[]> {
  const runs: SweepRun[] = [];
  const seen = new Set<string>();
  for (const settings of spec.configurations) {
    const configuration = configurationId(settings);
    for (const seed of spec.seeds) {
      const merged = new Map<string, string>();
      for (let i = 0; i < spec.base.length; i += 2) merged.set(spec.base[i]!.slice(2), spec.base[i + 1]!);
      for (const [k, v] of Object.entries(settings)) merged.set(k, v);
      const args = [...[...merged].flatMap(([k, v]) => [`--${k}`, v]), '--seed', String(seed)];
      const id = `${configuration === 'base' ? '' : `${configuration}_`}seed-${seed}`;
      if (seen.has(id)) throw new UsageError(`the sweep lists the run ${id} twice; give each value once`);
      seen.add(id);
      const command = parseTrainFlags([...args, '--out', '/nonexistent'], `run ${id}`);
      await resolveTrainConfig(command, baseDir).catch((error: unknown) => {
        if (error instanceof UsageError) throw new UsageError(`run ${id}: ${error.message}`);
        throw error;
      });
      runs.push({ id, configuration, seed, settings, args });
    }
  }
  return runs;
}

/** The settings a run's flags resolve to (for the report, and for the default parallelism). */
export async function runConfig(run: SweepRun, baseDir: string): Promise<TrainRunConfig> {
  return (await resolveTrainConfig(parseTrainFlags([...run.args, '--out', '/nonexistent'], `run ${run.id}`), baseDir)).config;
}

/** The queue's job id of a run: a hash of the sweep's name, the run's id and flags, so a repeat is found, not redone. */
export function jobId(sweepName: string, run: Pick<SweepRun, 'id' | 'args'>): string {
  return `${sweepName}.${run.id}.${createHash('sha256').update(JSON.stringify([sweepName, run.id, run.args])).digest('hex').slice(0, 12)}`;
}
