#!/usr/bin/env node
// Training steps per second of the fused WebGPU step against tfjs' WebGPU backend (tfjsStepEngine)
// on the same adapter, in the same process, on the reference model (784→512→256→(20,20);
// 20→256→512→784), in samples/s after warm-up. Needs `pnpm build` first.
//
//   node bench/step-bench.mjs [--batches 64,256] [--seconds 3] [--repeats 3] [--json]
//
// The adapter is Dawn's first (the `webgpu` package); without a GPU, VK_ICD_FILENAMES picks
// SwiftShader: VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json node bench/step-bench.mjs
// A window is `seconds` of steps ended by one loss read-back (as `train` reads it), so the GPU's
// queue is drained inside it; cells run round-robin for `repeats` rounds, the median is printed.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';
import { mlpDescription, Vae } from '@vae/model';
import { tfjsStepEngine } from '@vae/train';
import { cpus } from 'node:os';
import { create, globals } from 'webgpu';
import { fusedWebgpuStepEngine } from '../dist/index.js';

const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : fallback;
};
const batches = opt('batches', '64,256').split(',').map(Number);
const seconds = Number(opt('seconds', '3'));
const repeats = Number(opt('repeats', '3'));
const json = args.includes('--json');

// tfjs' WebGPU backend reads the GPU* constants from the global scope, as in a browser.
for (const [name, value] of Object.entries(globals)) if (!(name in globalThis)) Object.defineProperty(globalThis, name, { value, configurable: true, writable: true });
const gpu = create([]);
const adapter = await gpu.requestAdapter();
if (!adapter) throw new Error('no WebGPU adapter (without a GPU: VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json)');
const limits = ['maxComputeWorkgroupStorageSize', 'maxComputeWorkgroupsPerDimension', 'maxStorageBufferBindingSize', 'maxBufferSize', 'maxComputeWorkgroupSizeX', 'maxComputeInvocationsPerWorkgroup'];
const device = await adapter.requestDevice({ requiredLimits: Object.fromEntries(limits.map((k) => [k, adapter.limits[k]])) });
tf.registerBackend('webgpu', () => new WebGPUBackend(device, adapter.info));

const ADAM = { learningRate: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 };
const engines = [
  { name: 'webgpu-fused', backend: 'cpu', factory: fusedWebgpuStepEngine(device) },
  { name: 'tfjs-webgpu', backend: 'webgpu', factory: tfjsStepEngine },
];

/** Random pixels with MNIST's share of zeros (81 %), 8 batches in turn. */
function batchesOf(n) {
  let seed = 12345;
  const next = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
  return Array.from({ length: 8 }, () => Float32Array.from({ length: n * 784 }, () => (next() < 0.81 ? 0 : next())));
}

const cells = batches.flatMap((n) => engines.map((engine) => ({ n, engine, data: batchesOf(n), rates: [] })));
let stepCount = 0;
async function window(cell) {
  await tf.setBackend(cell.engine.backend);
  const model = new Vae(mlpDescription(), { seed: 1 });
  const stepEngine = cell.engine.factory({ model, adam: ADAM, loss: { beta: 1, reconstruction: 'bernoulli' } });
  try {
    for (let s = 0; s < 3; s++) stepEngine.step(cell.data[s % 8], cell.n, stepCount++); // warm-up: pipelines, optimizer state
    await stepEngine.readLossSum();
    const start = performance.now();
    let steps = 0;
    while (performance.now() - start < seconds * 1000) {
      stepEngine.step(cell.data[steps % 8], cell.n, stepCount++);
      steps++;
      if (steps % 8 === 0) await stepEngine.readLossSum();
    }
    await stepEngine.readLossSum();
    cell.rates.push((steps * cell.n) / ((performance.now() - start) / 1000));
  } finally {
    stepEngine.dispose();
    model.dispose();
  }
}

for (let r = 0; r < repeats; r++) for (const cell of cells) await window(cell);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const info = adapter.info;
const results = cells.map((c) => ({ batch: c.n, engine: c.engine.name, samplesPerSecond: Math.round(median(c.rates)), windows: c.rates.map(Math.round) }));
if (json) console.log(JSON.stringify({ adapter: `${info.vendor} ${info.architecture} ${info.description}`.trim(), cpu: cpus()[0]?.model, results }));
else {
  console.log(`@vae/webgpu step benchmark — adapter: ${info.vendor} ${info.architecture} ${info.description} (${info.isFallbackAdapter ? 'fallback' : 'hardware or unflagged'}); CPU: ${cpus()[0]?.model}, ${cpus().length} cores`);
  for (const n of batches) {
    const [fused, tfjs] = engines.map((e) => results.find((r) => r.batch === n && r.engine === e.name));
    console.log(`batch ${n}: webgpu-fused ${fused.samplesPerSecond} samples/s, tfjs-webgpu ${tfjs.samplesPerSecond} samples/s (${(fused.samplesPerSecond / tfjs.samplesPerSecond).toFixed(2)}×); windows ${fused.windows.join(', ')} | ${tfjs.windows.join(', ')}`);
  }
}
device.destroy();
