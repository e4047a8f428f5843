import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-webgpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import wasmUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimdUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreadedSimdUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import { Vae } from '@vae/model';
import { grayToRgba, imageGrid } from '@vae/viz';

/** Tried in this order; `?backend=wasm` (or `cpu`) starts further down the list. */
const BACKENDS = ['webgpu', 'wasm', 'cpu'] as const;
type Backend = (typeof BACKENDS)[number];

const SAMPLES = 256; // a 16 × 16 grid
const SEED = 1;
const SCALE = 2; // the 482 × 482 px grid is drawn at 964 × 964

// Vite emits the .wasm binaries as assets; tell the wasm backend where they ended up.
setWasmPaths({
  'tfjs-backend-wasm.wasm': wasmUrl,
  'tfjs-backend-wasm-simd.wasm': wasmSimdUrl,
  'tfjs-backend-wasm-threaded-simd.wasm': wasmThreadedSimdUrl,
});

/** The bit of WebGPU this page touches (`adapter.info` is newer than the @webgpu/types tfjs ships with). */
interface GpuLike {
  requestAdapter(): Promise<{ info?: { vendor?: string; architecture?: string } } | null>;
}

const el = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;

/** Why WebGPU cannot be used here, or null if an adapter is available (then its name goes in `found`). */
async function webgpuUnavailable(found: { adapter?: string }): Promise<string | null> {
  if (!window.isSecureContext) return 'WebGPU needs a secure context (https or localhost)';
  const gpu = (navigator as unknown as { gpu?: GpuLike }).gpu;
  if (!gpu) return 'this browser has no WebGPU (navigator.gpu is missing)';
  const adapter = await gpu.requestAdapter();
  if (!adapter) return 'navigator.gpu.requestAdapter() found no adapter';
  found.adapter = [adapter.info?.vendor, adapter.info?.architecture].filter(Boolean).join(' ') || 'unknown adapter';
  return null;
}

/** Sets the first backend that starts, from `first` on; records why each earlier one was skipped. */
async function pickBackend(first: Backend): Promise<{ backend: Backend; detail?: string; skipped: string[] }> {
  const skipped: string[] = [];
  for (const backend of BACKENDS.slice(BACKENDS.indexOf(first))) {
    const found: { adapter?: string } = {};
    let why = backend === 'webgpu' ? await webgpuUnavailable(found) : null;
    if (!why) {
      try {
        // setBackend resolves false (and logs the cause to the console) when the backend fails to start.
        if (await tf.setBackend(backend)) return { backend, detail: found.adapter, skipped };
        why = 'failed to initialize (see the console)';
      } catch (e) {
        why = e instanceof Error ? e.message : String(e);
      }
    }
    skipped.push(`${backend}: ${why}`);
  }
  throw new Error(`no TensorFlow.js backend could start:\n${skipped.join('\n')}`);
}

function requestedBackend(): Backend {
  const param = new URLSearchParams(location.search).get('backend');
  if (param === null) return BACKENDS[0];
  if (!(BACKENDS as readonly string[]).includes(param)) {
    throw new Error(`unknown ?backend=${param}; use one of ${BACKENDS.join(', ')}`);
  }
  return param as Backend;
}

async function main(): Promise<void> {
  const first = requestedBackend();
  const { backend, detail, skipped } = await pickBackend(first);
  el('backend').textContent = `Backend: ${backend}${detail ? ` (${detail})` : ''}`;
  const reasons = [...(first === BACKENDS[0] ? [] : [`?backend=${first} was asked for`]), ...skipped];
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
