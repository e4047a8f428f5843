#!/usr/bin/env node
// Throughput of NativeVaeTrainer.logImportanceWeights on the reference model: decoder passes per
// second for K importance samples per image, as `vae eval` computes the test log-likelihood
// (K = 5000 on 1000 MNIST test images = 5 million passes). Needs `pnpm build` first.
//
//   node bench/iwae-bench.mjs [--k 5000] [--images 40] [--per-call 1] [--threads 2,1] [--repeats 3] [--json]
//
// Data: the first `images` MNIST test images scaled to [0, 1] when ../shared/data/mnist (beside the
// repository) holds t10k-images-idx3-ubyte.gz, else random pixels with MNIST's share of zeros.
// Each call takes `per-call` images and their K draws each (one image per call is what
// `estimateLogLikelihood` does at K = 5000). Weights: PyTorch's init (speed does not depend on them).
// Thread counts run round-robin for `repeats` rounds; median and worst round are printed.
import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { gunzipSync } from 'node:zlib';
import { NativeVaeTrainer, nativeInfo } from '../dist/index.js';
import { REFERENCE_MODEL, referenceStart } from './reference-setup.mjs';

const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : fallback;
};
const k = Number(opt('k', '5000'));
const images = Number(opt('images', '40'));
const perCall = Number(opt('per-call', '1'));
const threadCounts = opt('threads', '2,1').split(',').map(Number);
const repeats = Number(opt('repeats', '3'));
const json = args.includes('--json');
const TOTAL_PASSES = 5_000_000; // K = 5000 on the 1000 images `vae eval` uses
const FLOP_PER_PASS = 2 * (20 * 256 + 256 * 512 + 512 * 784); // the decoder's three GEMMs

const { config, uniform, normal, initial } = referenceStart();

const mnistFile = new URL('../../../../shared/data/mnist/t10k-images-idx3-ubyte.gz', import.meta.url);
const data = existsSync(mnistFile) ? 'mnist-test' : 'sparse';
const D = config.inputDim;
const x = data === 'mnist-test'
  ? Float32Array.from(gunzipSync(readFileSync(mnistFile)).subarray(16, 16 + images * D), (b) => b / 255) // IDX header: 16 bytes
  : Float32Array.from({ length: images * D }, () => (uniform() < 0.81 ? 0 : uniform()));
if (x.length !== images * D) throw new Error(`--images ${images}: the test set has fewer`);
// A few noise arrays in turn (drawing 10⁵ normals per image in JS would time JS, not the addon).
const epsPool = Array.from({ length: 3 }, () => Float32Array.from({ length: perCall * k * config.latentDim }, normal));

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const info = nativeInfo();
if (!json) {
  console.log(`@vae/native importance-weights benchmark — ${cpus()[0]?.model ?? 'cpu'}, ${availableParallelism()} cores available, ${info.blasConfig} (core ${info.blasCore}); data: ${data}`);
  console.log(`K = ${k}, ${images} images, ${perCall} per call, ${repeats} interleaved rounds; load average before: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
}

const cells = threadCounts.map((threads) => ({ threads, rates: [], trainer: new NativeVaeTrainer({ model: REFERENCE_MODEL, weights: initial, threads }), check: 0 }));
const run = (cell, count) => {
  let call = 0;
  const t0 = performance.now();
  for (let first = 0; first < count; first += perCall, call++) {
    const n = Math.min(perCall, count - first);
    const eps = epsPool[call % epsPool.length];
    const w = cell.trainer.logImportanceWeights(x.subarray(first * D, (first + n) * D), n, k, n === perCall ? eps : eps.subarray(0, n * k * config.latentDim));
    cell.check += w[0];
  }
  return (count * k) / ((performance.now() - t0) / 1000);
};
for (const cell of cells) run(cell, Math.min(images, 2 * perCall)); // warm-up: scratch buffers, threads, caches
for (let r = 0; r < repeats; r++) for (const cell of cells) cell.rates.push(run(cell, images));

const results = cells.map(({ threads, rates, trainer, check }) => {
  trainer.dispose();
  const passesPerSecond = median(rates);
  return {
    threads,
    passesPerSecond: Math.round(passesPerSecond),
    worst: Math.round(Math.min(...rates)),
    gflops: +((passesPerSecond * FLOP_PER_PASS) / 1e9).toFixed(1),
    secondsFor5M: +(TOTAL_PASSES / passesPerSecond).toFixed(1),
    finite: Number.isFinite(check),
  };
});
if (json) {
  console.log(JSON.stringify({ info, data, k, images, perCall, loadavg: loadavg(), repeats, results }, null, 2));
} else {
  console.log(`threads  passes/s (median)    worst  decoder GFLOP/s  5M passes (K = 5000 × 1000 images)`);
  for (const r of results) {
    console.log(`${String(r.threads).padStart(7)}  ${String(r.passesPerSecond).padStart(17)}  ${String(r.worst).padStart(7)}  ${String(r.gflops).padStart(15)}  ${r.secondsFor5M} s${r.finite ? '' : '  (non-finite weights!)'}`);
  }
  console.log(`load average after: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
}
