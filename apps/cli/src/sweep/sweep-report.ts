import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { EpochMetrics } from '@vae/train';
import { writeFileAtomic } from '@vae/model/node';
import { bandCurveSvg, intervalChartSvg } from '@vae/viz';
import { RUN_LAYOUT } from '@vae/internal';
import { fsReason, isFsError, OutputError, withFile } from '../file-errors.js';
import { makeDirectory } from '../make-directory.js';
import { RunDirectoryError } from '../run-dir.js';
import { svgToPng } from '../svg-to-png.js';
import { seedStatistics, type SeedStatistics } from './seed-statistics.js';
import { runState, SweepDirectory, SWEEP_LAYOUT, type SweepRecord } from './sweep-dir.js';

/** A finished run's figures: its last epoch, its curve, its engine. */
export interface RunResult {
  id: string;
  configuration: string;
  seed: number;
  settings: Record<string, string>;
  metrics: EpochMetrics[];
  engine: string;
}

/** One configuration's figures over its seeds. */
export interface ConfigurationSummary {
  configuration: string;
  settings: Record<string, string>;
  runs: number;
  finished: number;
  testLoss: SeedStatistics;
  /** Recon + KL: the negative ELBO at β = 1, comparable across β (the test loss weighs the KL by β). */
  elbo: SeedStatistics;
  testLossMu: SeedStatistics;
  kl: SeedStatistics;
  /** Training seconds per run (evaluation excluded). */
  seconds: SeedStatistics;
  epochs: number;
  engines: string[];
}

async function readRun(sweep: SweepDirectory, run: SweepRecord['runs'][number]): Promise<RunResult | null> {
  const dir = sweep.runDir(run.id);
  if ((await runState(dir)).kind !== 'finished') return null;
  const text = await readFile(join(dir, RUN_LAYOUT.metrics), 'utf8');
  const metrics = text.split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as EpochMetrics);
  const config = JSON.parse(await readFile(join(dir, RUN_LAYOUT.config), 'utf8').catch(() => '{}')) as { backend?: string; resumes?: { backend?: string }[] };
  const engines = new Set([config.backend, ...(config.resumes ?? []).map((r) => r.backend)].filter((e): e is string => typeof e === 'string'));
  return { id: run.id, configuration: run.configuration, seed: run.seed, settings: run.settings, metrics, engine: [...engines].join('+') || '?' };
}

/** The sweep's finished runs, per configuration, in the sweep's order. */
export async function summarizeSweep(dir: string): Promise<{ record: SweepRecord; results: RunResult[]; summaries: ConfigurationSummary[] }> {
  const sweep = new SweepDirectory(dir);
  const record = await sweep.readRecord('vae sweep report');
  if (record === null) throw new RunDirectoryError(`${dir}: no ${SWEEP_LAYOUT.spec}; expected a directory written by \`vae sweep\``);
  const results: RunResult[] = [];
  for (const run of record.runs) {
    try {
      const result = await readRun(sweep, run);
      if (result !== null && result.metrics.length > 0) results.push(result);
    } catch (error) {
      throw new OutputError(`${sweep.runDir(run.id)}: cannot read the run's metrics.jsonl or config.json: ${isFsError(error) ? fsReason(error) : (error as Error).message}; train it again (delete the run directory and run the sweep again)`);
    }
  }
  const order = [...new Set(record.runs.map((r) => r.configuration))];
  const summaries = order.map((configuration) => {
    const runs = record.runs.filter((r) => r.configuration === configuration);
    const done = results.filter((r) => r.configuration === configuration);
    const last = done.map((r) => r.metrics.at(-1)!);
    return {
      configuration,
      settings: runs[0]!.settings,
      runs: runs.length,
      finished: done.length,
      testLoss: seedStatistics(last.map((m) => m.testLoss)),
      elbo: seedStatistics(last.map((m) => m.testRecon + m.testKl)),
      testLossMu: seedStatistics(last.map((m) => m.testLossMu)),
      kl: seedStatistics(last.map((m) => m.testKl)),
      seconds: seedStatistics(done.map((r) => r.metrics.reduce((s, m) => s + m.seconds, 0))),
      epochs: Math.max(0, ...last.map((m) => m.epoch)),
      engines: [...new Set(done.map((r) => r.engine))],
    };
  });
  return { record, results, summaries };
}

const fixed = (x: number, digits = 2) => (Number.isFinite(x) ? x.toFixed(digits) : '');
const csvField = (v: string) => (/[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);

export function summaryCsv(summaries: readonly ConfigurationSummary[]): string {
  const keys = [...new Set(summaries.flatMap((s) => Object.keys(s.settings)))];
  const header = ['configuration', ...keys, 'seeds', 'runs', 'epochs', 'test_loss_mean', 'test_loss_sd', 'test_loss_ci95_low', 'test_loss_ci95_high', 'neg_elbo_beta1_mean', 'test_loss_mu_mean', 'kl_mean', 'train_seconds_mean', 'engine'];
  const rows = summaries.map((s) => [
    s.configuration, ...keys.map((k) => s.settings[k] ?? ''), String(s.finished), String(s.runs), String(s.epochs),
    fixed(s.testLoss.mean, 4), fixed(s.testLoss.sd, 4), fixed(s.testLoss.low, 4), fixed(s.testLoss.high, 4),
    fixed(s.elbo.mean, 4), fixed(s.testLossMu.mean, 4), fixed(s.kl.mean, 4), fixed(s.seconds.mean, 1), s.engines.join(' '),
  ]);
  return [header, ...rows].map((r) => r.map(csvField).join(',')).join('\n') + '\n';
}

export function runsCsv(results: readonly RunResult[]): string {
  const header = ['run', 'configuration', 'seed', 'epochs', 'test_loss', 'neg_elbo_beta1', 'test_loss_mu', 'kl', 'train_seconds', 'engine'];
  const rows = results.map((r) => {
    const m = r.metrics.at(-1)!;
    return [r.id, r.configuration, String(r.seed), String(m.epoch), fixed(m.testLoss, 4), fixed(m.testRecon + m.testKl, 4), fixed(m.testLossMu, 4), fixed(m.testKl, 4), fixed(r.metrics.reduce((s, x) => s + x.seconds, 0), 1), r.engine];
  });
  return [header, ...rows].map((r) => r.map(csvField).join(',')).join('\n') + '\n';
}

export function summaryMarkdown(name: string, summaries: readonly ConfigurationSummary[]): string {
  const lines = [
    `# Sweep ${name}`,
    '',
    'Final test loss (nats per image) per configuration over its seeds: mean, sample sd, 95 % interval of the mean (Student t);',
    '−ELBO at β = 1 (recon + KL, comparable across β), z = μ loss, KL, training time per run (evaluation excluded), engine.',
    '',
    '| configuration | seeds | epochs | test loss | sd | 95 % interval | −ELBO (β = 1) | z = μ | KL | time / run | engine |',
    '| --- | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: | --- |',
  ];
  for (const s of summaries) {
    const interval = Number.isFinite(s.testLoss.low) ? `${fixed(s.testLoss.low)} – ${fixed(s.testLoss.high)}` : '';
    lines.push(
      `| ${s.configuration} | ${s.finished}${s.finished < s.runs ? ` of ${s.runs}` : ''} | ${s.epochs} | ${fixed(s.testLoss.mean)} | ${fixed(s.testLoss.sd)} | ${interval} | ${fixed(s.elbo.mean)} | ${fixed(s.testLossMu.mean)} | ${fixed(s.kl.mean)} | ${fixed(s.seconds.mean, 1)} s | ${s.engines.join(', ')} |`,
    );
  }
  return lines.join('\n') + '\n';
}

/** Test loss per epoch of each configuration: the mean over seeds, the band from the lowest to the highest seed. */
export function testLossCurves(summaries: readonly ConfigurationSummary[], results: readonly RunResult[]): string {
  const series = summaries
    .filter((s) => s.finished > 0)
    .map((s) => {
      const runs = results.filter((r) => r.configuration === s.configuration);
      const epochs = [...new Set(runs.flatMap((r) => r.metrics.map((m) => m.epoch)))].sort((a, b) => a - b);
      return {
        name: s.configuration,
        points: epochs.map((epoch) => {
          const values = runs.map((r) => r.metrics.find((m) => m.epoch === epoch)?.testLoss).filter((v): v is number => v !== undefined);
          return { x: epoch, y: values.reduce((a, b) => a + b, 0) / values.length, low: Math.min(...values), high: Math.max(...values) };
        }),
      };
    });
  const seeds = Math.max(0, ...summaries.map((s) => s.finished));
  return bandCurveSvg(series, { title: `Test loss per epoch: mean over seeds, band from lowest to highest (up to ${seeds} seed${seeds === 1 ? '' : 's'})`, width: 760, height: 440 });
}

/** Final test loss per configuration: a dot per seed, the mean, the 95 % interval. */
export function finalLossChart(summaries: readonly ConfigurationSummary[], results: readonly RunResult[]): string {
  const groups = summaries
    .filter((s) => s.finished > 0)
    .map((s) => ({
      label: s.configuration,
      values: results.filter((r) => r.configuration === s.configuration).map((r) => r.metrics.at(-1)!.testLoss),
      mean: s.testLoss.mean,
      low: s.testLoss.low,
      high: s.testLoss.high,
    }));
  return intervalChartSvg(groups, { title: 'Final test loss per configuration: seeds, mean, 95 % interval', width: Math.max(480, 120 * groups.length + 120), height: 420 });
}

/**
 * Writes `<sweep>/report/`: `summary.csv`, `summary.md`, `runs.csv`, `test-loss.svg|png`,
 * `final-loss.svg|png`. Returns the files written (none when no run has finished).
 */
export async function writeSweepReport(dir: string, log?: (line: string) => void): Promise<string[]> {
  const { record, results, summaries } = await summarizeSweep(dir);
  if (results.length === 0) return [];
  const sweep = new SweepDirectory(dir);
  await makeDirectory(sweep.reportDir, 'vae sweep report');
  const curves = testLossCurves(summaries, results);
  const final = finalLossChart(summaries, results);
  const files: [string, string | Uint8Array][] = [
    ['summary.csv', summaryCsv(summaries)],
    ['summary.md', summaryMarkdown(record.name, summaries)],
    ['runs.csv', runsCsv(results)],
    ['test-loss.svg', curves],
    ['test-loss.png', svgToPng(curves, { scale: 2 })],
    ['final-loss.svg', final],
    ['final-loss.png', svgToPng(final, { scale: 2 })],
  ];
  const written: string[] = [];
  for (const [name, data] of files) {
    const file = join(sweep.reportDir, name);
    await withFile(file, () => writeFileAtomic(file, data)).catch((error: unknown) => {
      throw isFsError(error) ? new OutputError(`${file}: cannot write it: ${fsReason(error)}; make ${sweep.reportDir} writable`) : error;
    });
    written.push(file);
  }
  log?.(summaryMarkdown(record.name, summaries).split('\n').filter((l) => l.startsWith('|')).join('\n'));
  return written;
}
