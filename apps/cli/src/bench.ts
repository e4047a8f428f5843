/**
 * `pnpm bench`: training speed of the reference model (or `--model conv`), per backend and batch size.
 *
 * Each (backend, batch size) runs in its own Node process, so peak RSS is that configuration's own.
 * A run warms up (a few steps: wasm compile, kernel caches), then times the real training loop
 * (`train()` from @vae/train: shuffling, batching, Adam, loss read-back) on `--samples` images
 * twice, reporting training time only (the test evaluation is timed apart):
 * - first steps: from a fresh model, as every figure before 2026-12-07 was taken;
 * - steady state: from a model that has trained `--warm-steps` steps (default 1,000 at batch 64,
 *   made once per bench run and resumed by every configuration), its Adam state included. A real
 *   run spends all but its first few hundred steps there, and some costs show only there: Adam's
 *   moments of weights whose gradient has stopped decay into subnormal floats after ~800 steps,
 *   which halved an unflushed CPU engine's speed on Intel. Each steady-state run also counts the
 *   subnormal floats left in Adam's state (0 for every CPU engine since issue #24).
 * `--full-run <backend>` also trains a whole run on full MNIST (`--full-run-epochs`, default 5) at
 * batch 64 from a fresh model and reports every epoch's speed.
 * Prints a table and writes JSON to bench-results/ (git-ignored); figures worth keeping go into
 * BENCHMARKS.md by hand, with the machine and date.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { makeDirectory } from '@vae/data/node';
import { writeFileAtomic } from '@vae/model/node';
import { cpus, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { existsSync, rmSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { Command, Option } from 'commander';
import * as tf from '@tensorflow/tfjs-core';
import { loadMnist, takeFirst } from '@vae/data/node';
import { convDescription, mlpDescription, Vae, type ModelDescription } from '@vae/model';
import { decodeCheckpoint, encodeCheckpoint, memoryCheckpointStore, restoreModelWeights, subnormalCount, train, type TrainingState } from '@vae/train';
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
  /** First steps (from a fresh model): median over `repeats` timed runs. */
  samplesPerSecond: number;
  bestSamplesPerSecond: number;
  /** Steady state (from the model after `warmSteps` steps): median, best; absent with --warm-steps 0 or a full run. */
  steadySamplesPerSecond?: number;
  steadyBestSamplesPerSecond?: number;
  /** Subnormal floats in Adam's moments after the last steady-state run. */
  steadySubnormalMoments?: number;
  warmSteps: number;
  repeats: number;
  /** At the steady state where measured, else the first steps. */
  msPerStep: number;
  peakRssMB: number;
  tensorsBefore: number;
  tensorsAfter: number;
  data: string;
  /** A --full-run: the speed of each epoch of a whole run (samplesPerSecond is epoch 1's). */
  epochSamplesPerSecond?: number[];
}

/** Batch size of the warm-up run that makes the steady-state checkpoint. */
const WARM_BATCH = 64;

const SHARED_MNIST = resolve(dirname(fileURLToPath(import.meta.url)), '../../../../shared/data/mnist');

const descriptionOf = (model: ModelArchitecture): ModelDescription => (model === 'conv' ? convDescription() : mlpDescription());

async function loadBenchData() {
  const hasShared = existsSync(join(SHARED_MNIST, 'train-images-idx3-ubyte.gz'));
  const data = await loadMnist({ source: hasShared ? 'dir' : 'embedded', dataDir: hasShared ? SHARED_MNIST : undefined, log: () => {} });
  return { data, test: takeFirst(data.test, 100), label: hasShared ? `MNIST (${SHARED_MNIST})` : 'embedded subset (../shared/data/mnist absent)' };
}

const quiet = { lossReadInterval: 10, yieldIntervalMs: 1e9 };

/**
 * The steady-state starting point: a checkpoint of the model after `steps` steps at batch 64 from
 * seed 0, trained on `backend` (epochs of at most the whole training set). Written to `file`.
 */
async function warmCheckpoint(backend: string, architecture: ModelArchitecture, steps: number, file: string): Promise<void> {
  const description = descriptionOf(architecture);
  const engine = (await selectEngine(backend, { ...REFERENCE_REQUEST, model: description })).engine.stepEngine;
  const { data, test } = await loadBenchData();
  const epochs = Math.ceil((steps * WARM_BATCH) / data.train.count);
  const perEpoch = Math.ceil(steps / epochs);
  const store = memoryCheckpointStore();
  const model = new Vae(description, { seed: 0 });
  await train({ model, data: { train: takeFirst(data.train, perEpoch * WARM_BATCH), test }, epochs, batchSize: WARM_BATCH, engine, checkpoint: store, ...quiet });
  model.dispose();
  await writeFileAtomic(file, (await store.load())!);
}

/**
 * `warm` as the start of a new one-epoch run at `batchSize`: the same weights and Adam state
 * (its step count and moments), the run's counters at zero.
 */
async function steadyStart(warm: Uint8Array, description: ModelDescription, batchSize: number): Promise<Uint8Array> {
  const checkpoint = decodeCheckpoint(warm, 'the warm-up checkpoint');
  const model = new Vae(description, { seed: 0 });
  try {
    restoreModelWeights(checkpoint, model);
    const adam = Object.fromEntries(Object.entries(checkpoint.tensors).filter(([key]) => key.startsWith('adam/')));
    const saved = checkpoint.state;
    const state: TrainingState = {
      ...saved,
      settings: { ...saved.settings, batchSize, epochs: 1 },
      epoch: 0,
      batchInEpoch: 0,
      step: 0,
      partial: { lossSum: 0, count: 0, seconds: 0 },
      rng: { ...saved.rng, epoch: 0, step: 0 },
      metrics: [],
    };
    return await encodeCheckpoint(state, model, adam);
  } finally {
    model.dispose();
    tf.dispose(checkpoint.tensors);
  }
}

/** Subnormal floats (nonzero, below 2⁻¹²⁶) among a checkpoint's Adam moments. */
function subnormalMoments(bytes: Uint8Array): number {
  const { tensors } = decodeCheckpoint(bytes, 'the steady-state checkpoint');
  const moments = Object.entries(tensors).filter(([key]) => key.startsWith('adam/m/') || key.startsWith('adam/v/'));
  const count = subnormalCount(moments.map(([, t]) => t.dataSync()));
  tf.dispose(tensors);
  return count;
}

const median = (rates: number[]) => [...rates].sort((a, b) => a - b)[Math.floor(rates.length / 2)]!;

/** One configuration, in this process: prints one JSON line. */
async function child(
  backend: string,
  batchSize: number,
  samples: number,
  fullRunEpochs: number,
  repeats: number,
  architecture: ModelArchitecture,
  warmSteps: number,
  warmFile: string,
): Promise<void> {
  const description = descriptionOf(architecture);
  const selected = (await selectEngine(backend, { ...REFERENCE_REQUEST, model: description })).engine;
  const { data, test, label } = await loadBenchData();

  const warmup = new Vae(description, { seed: 1 });
  const engine = selected.stepEngine;
  // Warm-up: at least 2 steps and about 2,000 images (wasm compiles, caches fill).
  await train({ model: warmup, data: { train: takeFirst(data.train, batchSize * Math.max(2, Math.ceil(2048 / batchSize))), test }, epochs: 1, batchSize, engine, ...quiet });
  warmup.dispose();

  const fullRun = fullRunEpochs > 0;
  const trainSplit = fullRun ? data.train : takeFirst(data.train, samples);
  // This machine's speed drifts with its neighbours: time `repeats` runs, report the median (and best).
  const rates: number[] = [];
  let epochRates: number[] | undefined;
  let tensorsBefore = 0;
  let tensorsAfter = 0;
  for (let r = 0; r < repeats; r++) {
    const model = new Vae(description, { seed: 0 });
    tensorsBefore = tf.memory().numTensors;
    const { metrics } = await train({ model, data: { train: trainSplit, test }, epochs: fullRun ? fullRunEpochs : 1, batchSize, engine, ...quiet });
    tensorsAfter = tf.memory().numTensors;
    model.dispose();
    rates.push(metrics[0]!.samplesPerSecond);
    epochRates = metrics.map((m) => m.samplesPerSecond);
  }
  const steady: number[] = [];
  let subnormals: number | undefined;
  if (warmFile && !fullRun) {
    const start = await steadyStart(new Uint8Array(await readFile(warmFile)), description, batchSize);
    for (let r = 0; r < repeats; r++) {
      const model = new Vae(description, { seed: 0 });
      const store = r === repeats - 1 ? memoryCheckpointStore() : undefined;
      const { metrics } = await train({ model, data: { train: trainSplit, test }, epochs: 1, batchSize, engine, resume: start, ...(store ? { checkpoint: store } : {}), ...quiet });
      tensorsAfter = tf.memory().numTensors;
      model.dispose();
      steady.push(metrics[0]!.samplesPerSecond);
      if (store) subnormals = subnormalMoments((await store.load())!);
    }
  }
  const steps = Math.ceil(trainSplit.count / batchSize);
  const rate = steady.length > 0 ? median(steady) : median(rates);
  const result: BenchResult = {
    backend: selected.name,
    model: architecture,
    device: selected.device.label,
    batchSize,
    steps,
    samples: trainSplit.count,
    samplesPerSecond: median(rates),
    bestSamplesPerSecond: Math.max(...rates),
    ...(steady.length > 0 ? { steadySamplesPerSecond: median(steady), steadyBestSamplesPerSecond: Math.max(...steady), steadySubnormalMoments: subnormals! } : {}),
    warmSteps: steady.length > 0 ? warmSteps : 0,
    repeats,
    msPerStep: (1000 * trainSplit.count) / rate / steps,
    peakRssMB: process.resourceUsage().maxRSS / 1024,
    tensorsBefore,
    tensorsAfter,
    data: label,
    ...(fullRun ? { epochSamplesPerSecond: epochRates! } : {}),
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
    .description('Training speed of the reference VAE (or the conv VAE) per backend and batch size, from the first steps and in steady state (see BENCHMARKS.md).')
    .addOption(new Option('--model <kind>', 'the network: mlp (the reference) or conv').choices(MODEL_ARCHITECTURES).default('mlp'))
    .addOption(new Option('--backends <list>', `comma-separated, from ${ENGINE_CHOICES.filter((b) => b !== 'auto').join(', ')} (default: every one available here but software GPU adapters)`))
    .addOption(new Option('--batch-sizes <list>', 'comma-separated').default('64,256,1024'))
    .addOption(new Option('--samples <n>', 'images trained per wasm/tensorflow measurement (cpu: a tenth)').default('25600'))
    .addOption(new Option('--repeats <n>', 'timed runs per configuration; the median is reported (cpu: 1)').default('3'))
    .addOption(new Option('--warm-steps <n>', 'steps at batch 64 before the steady-state measurement (0: first steps only)').default('1000'))
    .addOption(new Option('--warm-checkpoint <file>', 'the steady-state starting point: read it if it exists, else write it there (to compare two builds from one start)'))
    .addOption(new Option('--full-run <backend>', 'also time a whole run on full MNIST at batch 64 on this backend, epoch by epoch'))
    .addOption(new Option('--full-run-epochs <n>', 'epochs of --full-run').default('5'))
    .addOption(new Option('--full-epoch <backend>', '--full-run <backend> --full-run-epochs 1').hideHelp())
    .addOption(new Option('--out <file>', 'JSON result (default bench-results/bench-<timestamp>.json at the repository root)'))
    .addOption(new Option('--child').hideHelp())
    .allowExcessArguments(true);
  program.parse();
  const opts = program.opts<{
    model: ModelArchitecture;
    backends: string;
    batchSizes: string;
    samples: string;
    repeats: string;
    warmSteps: string;
    warmCheckpoint?: string;
    fullRun?: string;
    fullRunEpochs: string;
    fullEpoch?: string;
    out?: string;
    child?: boolean;
  }>();
  if (opts.child && program.args[0] === 'warm') {
    const [, steps, model, file] = program.args;
    await warmCheckpoint('auto', model as ModelArchitecture, Number(steps), file!);
    process.stdout.write(`${JSON.stringify({ warm: file })}\n`);
    return;
  }
  if (opts.child) {
    const [backend, batch, samples, fullRunEpochs, repeats, model, warmSteps, warmFile] = program.args;
    await child(backend!, Number(batch), Number(samples), Number(fullRunEpochs), Number(repeats), model as ModelArchitecture, Number(warmSteps), warmFile ?? '');
    return;
  }
  const count = (value: string, flag: string, min: number) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min) throw new Error(`${flag}: expected an integer ≥ ${min}, got ${value}`);
    return n;
  };
  const repeats = count(opts.repeats, '--repeats', 1);
  const warmSteps = count(opts.warmSteps, '--warm-steps', 0);
  const fullRun = opts.fullRun ?? opts.fullEpoch;
  const fullRunEpochs = opts.fullRun ? count(opts.fullRunEpochs, '--full-run-epochs', 1) : 1;
  let scratch: string | undefined; // the warm-up checkpoint's directory, when the bench made it
  // Ctrl-C: stop the measurement at once and write no results (exit 130, as `vae` does).
  const stop = () => {
    running?.kill('SIGKILL');
    if (scratch) rmSync(scratch, { recursive: true, force: true });
    console.error('\nStopped; no results written.');
    process.exit(130);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  const results: BenchResult[] = [];
  /** backend, batch size, images, epochs of a full run (0: a part), repeats */
  const configs: [string, number, number, number, number][] = [];
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
      configs.push([backend, batch, Math.max(samples, batch * 5), 0, slow ? 1 : repeats]);
    }
  }
  if (fullRun) configs.push([fullRun, 64, 60_000, fullRunEpochs, 1]);
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  console.log(`vae-ts bench (${opts.model}): ${cpus().length} × ${cpu}, Node ${process.version}, ${new Date().toISOString()}`);
  for (const s of statuses) if (backends.includes(s.name) && s.probe.available) console.log(`  ${s.name}: ${s.probe.device.label}`);

  // The steady-state starting point, made once (on the fastest engine here) for every configuration.
  let warmFile = '';
  if (warmSteps > 0 && configs.some((c) => c[3] === 0)) {
    warmFile = opts.warmCheckpoint ? resolve(process.env.INIT_CWD ?? process.cwd(), opts.warmCheckpoint) : join((scratch = await mkdtemp(join(tmpdir(), 'vae-bench-'))), 'warm.ckpt');
    if (existsSync(warmFile)) {
      console.log(`steady state from ${warmFile}`);
    } else {
      const started = Date.now();
      await runChild(['warm', String(warmSteps), opts.model, warmFile]);
      console.log(`steady state from the model after ${formatCount(warmSteps)} steps at batch ${WARM_BATCH} (made in ${((Date.now() - started) / 1000).toFixed(0)} s)`);
    }
  }
  console.log('backend     batch  images  first steps   steady state (median, best)  steady/first  ms/step  peak RSS  tensors  subnormal moments');
  try {
    for (const [backend, batch, samples, epochs, times] of configs) {
      const r = await runChild([backend, String(batch), String(samples), String(epochs), String(times), opts.model, String(warmSteps), epochs > 0 ? '' : warmFile]);
      results.push(r);
      const steady = r.steadySamplesPerSecond;
      console.log(
        `${r.backend.padEnd(10)} ${String(r.batchSize).padStart(6)} ${formatCount(r.samples).padStart(7)} ${formatCount(r.samplesPerSecond).padStart(12)} ` +
          `${(steady === undefined ? '–' : formatCount(steady)).padStart(15)} ${(steady === undefined ? '' : formatCount(r.steadyBestSamplesPerSecond!)).padStart(8)}${`×${r.repeats}`.padStart(6)} ` +
          `${(steady === undefined ? '' : (steady / r.samplesPerSecond).toFixed(2)).padStart(13)} ${r.msPerStep.toFixed(2).padStart(8)} ${`${formatCount(r.peakRssMB)} MB`.padStart(9)}  ` +
          `${`${r.tensorsBefore}→${r.tensorsAfter}`.padEnd(7)}  ${r.steadySubnormalMoments ?? ''}`,
      );
      if (r.epochSamplesPerSecond) console.log(`  full run, samples/s by epoch: ${r.epochSamplesPerSecond.map((x) => formatCount(x)).join(', ')}`);
    }
  } finally {
    if (scratch) await rm(scratch, { recursive: true, force: true });
  }
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
  const file = opts.out ? resolve(process.env.INIT_CWD ?? process.cwd(), opts.out) : join(root, 'bench-results', `bench-${timestampName()}.json`);
  await makeDirectory(dirname(file));
  await writeFileAtomic(file, `${JSON.stringify({ machine: { cpus: cpus().length, cpu, node: process.version }, date: new Date().toISOString(), warmSteps, results }, null, 2)}\n`);
  console.log(`results: ${file}`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
