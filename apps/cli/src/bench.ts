/**
 * `pnpm bench`: training speed of the reference model (or `--model conv`), per backend and batch size.
 *
 * Each (backend, batch size) runs in its own Node process, so peak RSS is that configuration's own.
 * A run warms up (a few steps: wasm compile, kernel caches), then trains a fresh model with the
 * real training loop (`train()` from @vae/train: shuffling, batching, Adam, loss read-back) on
 * `--samples` images and reports training time only (the test evaluation is timed apart).
 * Prints a table and writes JSON to bench-results/ (git-ignored); figures worth keeping go into
 * BENCHMARKS.md by hand, with the machine and date.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { makeDirectory } from '@vae/data/node';
import { writeFileAtomic } from '@vae/model/node';
import { cpus } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { existsSync } from 'node:fs';
import { Command, Option } from 'commander';
import * as tf from '@tensorflow/tfjs-core';
import { loadMnist, takeFirst } from '@vae/data/node';
import { convDescription, mlpDescription, Vae, type ModelDescription } from '@vae/model';
import { train } from '@vae/train';
import { ENGINE_CHOICES, nodeEngineRegistry, REFERENCE_REQUEST, selectEngine } from './engines/node-engines.js';
import { formatCount, timestampName } from './format.js';
import { MODEL_ARCHITECTURES, type ModelArchitecture } from './train-options.js';

interface BenchResult {
  backend: string;
  model: ModelArchitecture;
  /** What it ran on, e.g. the WebGPU adapter or the OpenBLAS core. */
  device: string;
  batchSize: number;
  steps: number;
  samples: number;
  /** Median over `repeats` timed runs. */
  samplesPerSecond: number;
  bestSamplesPerSecond: number;
  repeats: number;
  msPerStep: number;
  peakRssMB: number;
  tensorsBefore: number;
  tensorsAfter: number;
  data: string;
  fullEpoch: boolean;
}

const SHARED_MNIST = resolve(dirname(fileURLToPath(import.meta.url)), '../../../../shared/data/mnist');


/** One configuration, in this process: prints one JSON line. */
const descriptionOf = (model: ModelArchitecture): ModelDescription => (model === 'conv' ? convDescription() : mlpDescription());

async function child(backend: string, batchSize: number, samples: number, fullEpoch: boolean, repeats: number, architecture: ModelArchitecture): Promise<void> {
  const description = descriptionOf(architecture);
  const selected = (await selectEngine(backend, { ...REFERENCE_REQUEST, model: description })).engine;
  const hasShared = existsSync(join(SHARED_MNIST, 'train-images-idx3-ubyte.gz'));
  const data = await loadMnist({ source: hasShared ? 'dir' : 'embedded', dataDir: hasShared ? SHARED_MNIST : undefined, log: () => {} });
  const test = takeFirst(data.test, 100);
  const quiet = { lossReadInterval: 10, yieldIntervalMs: 1e9 };

  const warmup = new Vae(description, { seed: 1 });
  const engine = selected.stepEngine;
  // Warm-up: at least 2 steps and about 2,000 images (wasm compiles, caches fill).
  await train({ model: warmup, data: { train: takeFirst(data.train, batchSize * Math.max(2, Math.ceil(2048 / batchSize))), test }, epochs: 1, batchSize, engine, ...quiet });
  warmup.dispose();

  const trainSplit = fullEpoch ? data.train : takeFirst(data.train, samples);
  // This machine's speed drifts with its neighbours: time `repeats` runs, report the median (and best).
  const rates: number[] = [];
  let tensorsBefore = 0;
  let tensorsAfter = 0;
  for (let r = 0; r < repeats; r++) {
    const model = new Vae(description, { seed: 0 });
    tensorsBefore = tf.memory().numTensors;
    const { metrics } = await train({ model, data: { train: trainSplit, test }, epochs: 1, batchSize, engine, ...quiet });
    tensorsAfter = tf.memory().numTensors;
    model.dispose();
    rates.push(metrics[0]!.samplesPerSecond);
  }
  rates.sort((a, b) => a - b);
  const median = rates[Math.floor(rates.length / 2)]!;
  const steps = Math.ceil(trainSplit.count / batchSize);
  const result: BenchResult = {
    backend: selected.name,
    model: architecture,
    device: selected.device.label,
    batchSize,
    steps,
    samples: trainSplit.count,
    samplesPerSecond: median,
    bestSamplesPerSecond: rates.at(-1)!,
    repeats,
    msPerStep: (1000 * trainSplit.count) / median / steps,
    peakRssMB: process.resourceUsage().maxRSS / 1024,
    tensorsBefore,
    tensorsAfter,
    data: hasShared ? `MNIST (${SHARED_MNIST})` : 'embedded subset (../shared/data/mnist absent)',
    fullEpoch,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

/** The measurement running now: Ctrl-C kills it (it writes nothing; a busy training loop would not see a signal). */
let running: ChildProcess | undefined;

function runChild(args: string[]): Promise<BenchResult> {
  return new Promise((resolvePromise, reject) => {
    const proc = spawn(process.execPath, [fileURLToPath(import.meta.url), '--child', ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    running = proc;
    let out = '';
    proc.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    proc.on('error', reject);
    proc.on('close', (code) => {
      running = undefined;
      const line = out.trim().split('\n').at(-1);
      if (code !== 0 || !line) reject(new Error(`bench ${args.join(' ')} failed with exit code ${code}`));
      else resolvePromise(JSON.parse(line) as BenchResult);
    });
  });
}

const list = (value: string) => value.split(',').map((s) => s.trim()).filter(Boolean);

async function main(): Promise<void> {
  const program = new Command('bench')
    .description('Training speed of the reference VAE (or the conv VAE) per backend and batch size (see BENCHMARKS.md).')
    .addOption(new Option('--model <kind>', 'the network: mlp (the reference) or conv').choices(MODEL_ARCHITECTURES).default('mlp'))
    .addOption(new Option('--backends <list>', `comma-separated, from ${ENGINE_CHOICES.filter((b) => b !== 'auto').join(', ')} (default: every one available here but software GPU adapters)`))
    .addOption(new Option('--batch-sizes <list>', 'comma-separated').default('64,256,1024'))
    .addOption(new Option('--samples <n>', 'images trained per wasm/tensorflow measurement (cpu: a tenth)').default('25600'))
    .addOption(new Option('--repeats <n>', 'timed runs per configuration; the median is reported (cpu: 1)').default('3'))
    .addOption(new Option('--full-epoch <backend>', 'also time one full 60,000-image epoch at batch 64 on this backend'))
    .addOption(new Option('--out <file>', 'JSON result (default bench-results/bench-<timestamp>.json at the repository root)'))
    .addOption(new Option('--child').hideHelp())
    .allowExcessArguments(true);
  program.parse();
  const opts = program.opts<{ model: ModelArchitecture; backends: string; batchSizes: string; samples: string; repeats: string; fullEpoch?: string; out?: string; child?: boolean }>();
  if (opts.child) {
    const [backend, batch, samples, full, repeats, model] = program.args;
    await child(backend!, Number(batch), Number(samples), full === 'full', Number(repeats), model as ModelArchitecture);
    return;
  }
  // Ctrl-C: stop the measurement at once and write no results (exit 130, as `vae` does).
  const stop = () => {
    running?.kill('SIGKILL');
    console.error('\nStopped; no results written.');
    process.exit(130);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  const results: BenchResult[] = [];
  const configs: [string, number, number, boolean, number][] = [];
  const repeats = Number(opts.repeats);
  const registry = nodeEngineRegistry();
  const request = { ...REFERENCE_REQUEST, model: descriptionOf(opts.model) };
  const statuses = await registry.survey(request);
  const backends = opts.backends ? list(opts.backends) : statuses.filter((s) => s.probe.available && s.supports === true && !s.probe.device.software).map((s) => s.name);
  for (const backend of backends) {
    const status = statuses.find((s) => s.name === backend);
    if (!status) throw new Error(`--backends: unknown engine ${backend}; known: ${registry.names.join(', ')}`);
    if (!status.probe.available) throw new Error(`--backends: ${backend} is unavailable here: ${status.probe.reason}`);
    if (status.supports !== true) throw new Error(`--backends: ${backend} cannot train --model ${opts.model}: ${status.supports}`);
    // Slow engines (plain JS, a software GPU) time a tenth of the images, once.
    const slow = backend === 'cpu' || status.probe.device.software === true;
    for (const batch of list(opts.batchSizes).map(Number)) {
      const samples = slow ? Math.ceil(Number(opts.samples) / 10) : Number(opts.samples);
      configs.push([backend, batch, Math.max(samples, batch * 5), false, slow ? 1 : repeats]);
    }
  }
  if (opts.fullEpoch) configs.push([opts.fullEpoch, 64, 60_000, true, 1]);
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  console.log(`vae-ts bench (${opts.model}): ${cpus().length} × ${cpu}, Node ${process.version}, ${new Date().toISOString()}`);
  for (const s of statuses) if (backends.includes(s.name) && s.probe.available) console.log(`  ${s.name}: ${s.probe.device.label}`);
  console.log('backend     batch  images   samples/s (median, best)  ms/step  peak RSS  tensors before→after');
  for (const [backend, batch, samples, full, times] of configs) {
    const r = await runChild([backend, String(batch), String(samples), full ? 'full' : 'part', String(times), opts.model]);
    results.push(r);
    console.log(
      `${r.backend.padEnd(10)} ${String(r.batchSize).padStart(6)} ${formatCount(r.samples).padStart(7)} ${formatCount(r.samplesPerSecond).padStart(11)} ${formatCount(r.bestSamplesPerSecond).padStart(8)}${`×${r.repeats}`.padStart(8)} ` +
        `${r.msPerStep.toFixed(2).padStart(8)} ${`${formatCount(r.peakRssMB)} MB`.padStart(9)}  ${r.tensorsBefore}→${r.tensorsAfter}${full ? '  (full epoch)' : ''}`,
    );
  }
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
  const file = opts.out ? resolve(process.env.INIT_CWD ?? process.cwd(), opts.out) : join(root, 'bench-results', `bench-${timestampName()}.json`);
  await makeDirectory(dirname(file));
  await writeFileAtomic(file, `${JSON.stringify({ machine: { cpus: cpus().length, cpu, node: process.version }, date: new Date().toISOString(), results }, null, 2)}\n`);
  console.log(`results: ${file}`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
