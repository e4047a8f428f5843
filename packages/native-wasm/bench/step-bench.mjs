#!/usr/bin/env node
// Training samples/s of the reference model (784→512→256→20; 20→256→512→784) on the wasm build,
// next to the native addon in the same process when it loads (each cell round-robin, so outside
// load spreads over all), and the SIMD128 GEMM's GFLOP/s at the model's shapes.
//   node bench/step-bench.mjs [--batches 64,256] [--threads 1,2] [--seconds 0.5] [--repeats 5] [--gemm] [--json]
import { loadNativeWasm } from '../dist/index.js';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? fallback : process.argv[i + 1];
};
const batches = arg('batches', '64,256').split(',').map(Number);
const threadCounts = arg('threads', '1,2').split(',').map(Number);
const seconds = Number(arg('seconds', '0.5'));
const repeats = Number(arg('repeats', '5'));
const json = process.argv.includes('--json');

let native;
try {
  native = (await import('@vae/native')).loadNative();
} catch {
  native = undefined;
}
const wasm = await loadNativeWasm({ threads: Math.max(...threadCounts), workers: 2 * (Math.max(...threadCounts) - 1) });

let seed = 12345;
const rand = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
const dense = (units, activation = 'relu') => ({ type: 'dense', units, activation });
const model = { inputDim: 784, encoder: [dense(512), dense(256)], latentDim: 20, decoder: [dense(256), dense(512), dense(784, 'linear')] };
const shapes = [[784, 512], [512], [512, 256], [256], [256, 20], [20], [256, 20], [20], [20, 256], [256], [256, 512], [512], [512, 784], [784]];
const weights = shapes.map((s) => Float32Array.from({ length: s.reduce((a, b) => a * b, 1) }, () => (rand() - 0.5) * 0.1));
const init = (threads) => ({
  ...model, learningRate: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, beta: 1, reconstruction: 'bernoulli',
  gaussianLo: 0, gaussianHi: 1, gaussianSigma: 1, gaussianIncludeConstant: false, threads, parallel: 'auto', sparseInput: true,
  weights: weights.map((w) => w.slice()),
});
// MNIST-like rows: ~19 % of the pixels nonzero (the sparse first layer's case), in [0, 1].
const batchOf = (n) => ({
  x: Float32Array.from({ length: n * 784 }, () => (rand() < 0.19 ? rand() : 0)),
  eps: Float32Array.from({ length: n * 20 }, () => rand() * 2 - 1),
});

const cells = [];
for (const n of batches) {
  for (const threads of threadCounts) {
    for (const [build, binding] of [['wasm', wasm], ['native', native]]) {
      if (!binding) continue;
      cells.push({ build, n, threads, trainer: new binding.Trainer(init(threads)), batch: batchOf(n), rates: [] });
    }
  }
}
for (const c of cells) for (let i = 0; i < 5; i++) c.trainer.step(c.batch.x, c.n, c.batch.eps); // warm up
for (let r = 0; r < repeats; r++) {
  for (const c of cells) {
    let steps = 0;
    const start = performance.now();
    while (performance.now() - start < seconds * 1000) {
      c.trainer.step(c.batch.x, c.n, c.batch.eps);
      steps++;
    }
    c.rates.push((steps * c.n) / ((performance.now() - start) / 1000));
  }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const rows = cells.map((c) => ({ build: c.build, batch: c.n, threads: c.threads, median: Math.round(median(c.rates)), min: Math.round(Math.min(...c.rates)), max: Math.round(Math.max(...c.rates)) }));
for (const c of cells) c.trainer.dispose();

const gemmRows = [];
if (process.argv.includes('--gemm')) {
  // The products of a step at batch n: forward NN, dW = aᵀ·dy (TN), dx = dy·Wᵀ (NT), per dense layer.
  for (const n of batches) {
    for (const [k, m] of [[784, 512], [512, 256], [256, 512], [512, 784], [20, 256]]) {
      for (const [name, ta, tb, M, N, K] of [['NN', false, false, n, m, k], ['TN', true, false, k, m, n], ['NT', false, true, n, k, m]]) {
        const a = Float32Array.from({ length: M * K }, () => rand() - 0.5);
        const b = Float32Array.from({ length: K * N }, () => rand() - 0.5);
        const c = new Float32Array(M * N);
        const reps = Math.max(3, Math.round(2e9 / (2 * M * N * K) / 4));
        const rates = [];
        for (let r = 0; r < 3; r++) {
          const t0 = performance.now();
          wasm.gemm(ta, tb, M, N, K, a, b, 0, c, 1);
          const t1 = performance.now();
          wasm.gemm(ta, tb, M, N, K, a, b, 0, c, reps + 1);
          const t2 = performance.now();
          rates.push((2 * M * N * K * reps) / ((t2 - t1 - (t1 - t0)) / 1000) / 1e9);
        }
        gemmRows.push({ op: name, M, N, K, gflops: rates.map((g) => Number(g.toFixed(1))) });
      }
    }
  }
}
if (json) {
  console.log(JSON.stringify({ steps: rows, gemm: gemmRows, wasm: wasm.info(), date: new Date().toISOString() }));
} else {
  console.log(`wasm: ${wasm.info().label}; native: ${native ? 'loaded' : 'not loaded'}; ${repeats} windows of ${seconds} s per cell`);
  for (const r of rows) console.log(`${r.build.padEnd(6)} batch ${String(r.batch).padStart(4)}  threads ${r.threads}  ${r.median} samples/s (${r.min}–${r.max})`);
  for (const g of gemmRows) console.log(`gemm ${g.op} ${g.M}×${g.N}×${g.K}: ${g.gflops.join(' / ')} GFLOP/s`);
}
process.exit(0);
