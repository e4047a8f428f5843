#!/usr/bin/env node
// Throughput of NativeVaeTrainer.step on the reference model (784→512→256→(20,20); 20→256→512→784),
// in samples/s, after warm-up, for each batch size and threading mode. Needs `pnpm build` first.
//
//   node bench/step-bench.mjs [--batches 64,256,1024] [--modes 1,2:auto,2:split,2:data,2:blas,2:auto:dense]
//                             [--seconds 0.5] [--repeats 7] [--addons prebuilt,source] [--json]
//
// --addons runs every cell on each of the named builds side by side in this one process (the
// prebuilt of @vae/native-linux-x64-gnu and the -march=native source build, each with its own
// OpenBLAS), interleaved like the rest; by default, the one @vae/native loads.
//
// Data: real MNIST training images scaled to [0, 1] when ../shared/data/mnist (beside the repository)
// holds them — the first layer skips zero pixels, so speed depends on the data — else random
// pixels with MNIST's share of zeros (81 %); `--data dense` uses random pixels in [0, 1] with no
// zeros. Fresh N(0, 1) noise per batch; 16 pre-made batches in turn, so the input is not always cache-hot.
// Cells (batch × mode) run round-robin for `repeats` rounds of `seconds` each, so load from other
// processes spreads over all of them; median, best and worst window are printed.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { gunzipSync } from 'node:zlib';
import { NativeVaeTrainer, nativeInfo } from '../dist/index.js';
import { REFERENCE_MODEL, referenceStart } from './reference-setup.mjs';

const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : fallback;
};
const batches = opt('batches', '64,256,1024').split(',').map(Number);
const modes = opt('modes', '1,2:auto,2:split,2:data,2:blas')
  .split(',')
  .map((m) => {
    // threads[:parallel[:dense]] — "dense": sparseInput off, the first layer always uses sgemm.
    const [threads, parallel, dense] = m.split(':');
    return { threads: Number(threads), ...(parallel ? { parallel } : {}), ...(dense === 'dense' ? { sparseInput: false } : {}) };
  });
const seconds = Number(opt('seconds', '0.5'));
const repeats = Number(opt('repeats', '7'));
const json = args.includes('--json');
const addonFiles = {
  source: () => fileURLToPath(new URL('../addon/build/Release/vae_native.node', import.meta.url)),
  prebuilt: () => createRequire(import.meta.url).resolve('@vae/native-linux-x64-gnu/vae_native.node'),
};
const addons = opt('addons', '').split(',').filter(Boolean);
for (const a of addons) if (!(a in addonFiles)) throw new Error(`--addons takes prebuilt and/or source, got ${a}`);
const mnistFile = new URL('../../../../shared/data/mnist/train-images-idx3-ubyte.gz', import.meta.url);
const data = opt('data', existsSync(mnistFile) ? 'mnist' : 'sparse');
if (!['mnist', 'sparse', 'dense'].includes(data)) throw new Error(`--data must be mnist, sparse or dense, got ${data}`);

const { config, uniform, normal, initial } = referenceStart();

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const info = nativeInfo();
if (!json) {
  console.log(`@vae/native step benchmark — ${cpus()[0]?.model ?? 'cpu'}, ${availableParallelism()} cores available, ${info.blasConfig}, kernels: ${info.kernels}; data: ${data}`);
  console.log(`load average before: ${loadavg().map((l) => l.toFixed(2)).join(' ')}; ${repeats} interleaved rounds × ${seconds} s per cell; samples/s`);
}
// One trainer per cell; cells run round-robin so a noisy neighbour hits every cell alike.
const mnistPixels = data === 'mnist' ? gunzipSync(readFileSync(mnistFile)).subarray(16) : null; // IDX header: 16 bytes
let mnistOffset = 0;
const pixels = (count) => {
  if (mnistPixels) {
    if (mnistOffset + count > mnistPixels.length) mnistOffset = 0;
    const out = Float32Array.from(mnistPixels.subarray(mnistOffset, mnistOffset + count), (b) => b / 255);
    mnistOffset += count;
    return out;
  }
  return Float32Array.from({ length: count }, () => (data === 'sparse' && uniform() < 0.81 ? 0 : uniform()));
};
/** A trainer of the raw binding of one build (NativeVaeTrainer's defaults, no argument checks). */
const rawTrainer = (addon, mode) =>
  new (createRequire(import.meta.url)(addonFiles[addon]()).Trainer)({
    inputDim: config.inputDim,
    latentDim: config.latentDim,
    encoder: REFERENCE_MODEL.encoder,
    decoder: REFERENCE_MODEL.decoder,
    learningRate: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, beta: 1,
    reconstruction: 'bernoulli', gaussianLo: 0, gaussianHi: 1, gaussianSigma: 1, gaussianIncludeConstant: false,
    threads: mode.threads, parallel: mode.parallel ?? 'auto', sparseInput: mode.sparseInput ?? true,
    weights: initial.map((w) => w.slice()),
  });
const cells = [];
for (const n of batches) {
  const pool = Array.from({ length: 16 }, () => ({
    x: pixels(n * config.inputDim),
    eps: Float32Array.from({ length: n * config.latentDim }, normal),
  }));
  for (const mode of modes) {
    if (addons.length === 0) cells.push({ n, mode, pool, rates: [], loss: 0, k: 0, trainer: new NativeVaeTrainer({ model: REFERENCE_MODEL, weights: initial, ...mode }) });
    for (const addon of addons) cells.push({ n, mode, addon, pool, rates: [], loss: 0, k: 0, trainer: rawTrainer(addon, mode) });
  }
}
const run = (cell, ms) => {
  const { n, pool, trainer } = cell;
  let steps = 0;
  const t0 = performance.now();
  let t = t0;
  while (t - t0 < ms) {
    const b = pool[cell.k++ % pool.length];
    cell.loss = trainer.step(b.x, n, b.eps);
    steps++;
    t = performance.now();
  }
  return (steps * n) / ((t - t0) / 1000);
};
for (const cell of cells) run(cell, 500); // warm-up: buffers, threads, caches
for (let r = 0; r < repeats; r++) {
  for (const cell of cells) {
    run(cell, 100);
    cell.rates.push(run(cell, seconds * 1000));
  }
}
const results = cells.map(({ n, mode, addon, rates, loss, trainer }) => {
  trainer.dispose();
  return {
    batch: n,
    addon: addon ?? info.build,
    threads: mode.threads,
    parallel: mode.threads === 1 ? 'none' : (mode.parallel ?? 'default'),
    sparseInput: mode.sparseInput ?? true,
    median: Math.round(median(rates)),
    best: Math.round(Math.max(...rates)),
    worst: Math.round(Math.min(...rates)),
    lossPerSample: loss / n,
  };
});
if (json) {
  console.log(JSON.stringify({ info, data, loadavg: loadavg(), seconds, repeats, results }, null, 2));
} else {
  console.log(`batch  mode                              median     best    worst`);
  for (const r of results) {
    const label = `${r.addon}: ` + (r.threads === 1 ? '1 thread' : `${r.threads} threads, ${r.parallel}`) + (r.sparseInput ? '' : ', dense');
    console.log(`${String(r.batch).padStart(5)}  ${label.padEnd(32)} ${String(r.median).padStart(7)}  ${String(r.best).padStart(7)}  ${String(r.worst).padStart(7)}`);
  }
  console.log(`load average after: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
}
