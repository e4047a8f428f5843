import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-webgpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import wasmUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimdUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreadedSimdUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import { resolveVaeConfig, Vae } from '@vae/model';
import { DEFAULT_TRAIN_SETTINGS } from '@vae/train';
import { grayToRgba, imageGrid } from '@vae/viz';
import { browserEngineRegistry } from './engines.js';

/** `?backend=` values: `auto` (the default) or an engine by name. */
const CHOICES = ['auto', 'webgpu', 'wasm', 'cpu'] as const;
type Choice = (typeof CHOICES)[number];

const SAMPLES = 256; // a 16 × 16 grid
const SEED = 1;
const SCALE = 2; // the 482 × 482 px grid is drawn at 964 × 964

// Vite emits the .wasm binaries as assets; tell the wasm backend where they ended up.
setWasmPaths({
  'tfjs-backend-wasm.wasm': wasmUrl,
  'tfjs-backend-wasm-simd.wasm': wasmSimdUrl,
  'tfjs-backend-wasm-threaded-simd.wasm': wasmThreadedSimdUrl,
});

const el = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;

function requestedChoice(): Choice {
  const param = new URLSearchParams(location.search).get('backend');
  if (param === null) return 'auto';
  if (!(CHOICES as readonly string[]).includes(param)) {
    throw new Error(`unknown ?backend=${param}; use one of ${CHOICES.join(', ')}`);
  }
  return param as Choice;
}

async function main(): Promise<void> {
  const choice = requestedChoice();
  const { engine, skipped } = await browserEngineRegistry().resolve(choice, { model: resolveVaeConfig(), settings: DEFAULT_TRAIN_SETTINGS });
  const backend = engine.backend;
  el('backend').textContent = `Backend: ${backend} (${engine.device.label})`;
  const reasons = [...(choice === 'auto' ? [] : [`?backend=${choice} was asked for`]), ...skipped];
  if (reasons.length > 0) {
    el('fallback').textContent = `${skipped.length > 0 ? 'Fell back to' : 'Using'} ${backend}: ${reasons.join('; ')}.`;
    el('fallback').hidden = false;
  }

  const start = performance.now();
  const vae = new Vae();
  const samples = vae.sample(SAMPLES, SEED);
  const pixels = (await samples.data()) as Float32Array;
  samples.dispose();
  vae.dispose();
  const ms = performance.now() - start;

  const grid = imageGrid(pixels, { count: SAMPLES });
  const bitmap = await createImageBitmap(new ImageData(grayToRgba(grid), grid.width, grid.height));
  const canvas = el<HTMLCanvasElement>('grid');
  canvas.width = grid.width * SCALE;
  canvas.height = grid.height * SCALE;
  const ctx = canvas.getContext('2d')!;
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(bitmap, 0, 0, canvas.width, canvas.height);
  bitmap.close();
  el('timing').textContent = `Built the model and decoded ${SAMPLES} samples (seed ${SEED}) in ${ms.toFixed(0)} ms.`;

  document.body.dataset.backend = backend;
  document.body.dataset.status = 'ready';
}

main().catch((e: unknown) => {
  console.error(e);
  const error = el('error');
  error.textContent = `Error: ${e instanceof Error ? e.message : String(e)}`;
  error.hidden = false;
  document.body.dataset.status = 'error';
});
