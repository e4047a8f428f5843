import * as tf from '@tensorflow/tfjs-core';
import { ENGINE_PRIORITY, type EngineDefinition, type EngineProbe } from '@vae/train';
import { loadOptional, type ImportModule } from './module-loading.js';

type NativeEngineModule = typeof import('@vae/native/engine');

/** tfjs backend that evaluates and samples beside the native engine: wasm, else plain JS. */
async function evaluationBackend(importModule: ImportModule): Promise<string> {
  try {
    await importModule('@tensorflow/tfjs-backend-wasm');
    if (await tf.setBackend('wasm')) return 'wasm';
  } catch {
    // fall through to cpu
  }
  await importModule('@tensorflow/tfjs-backend-cpu');
  if (!(await tf.setBackend('cpu'))) throw new Error('neither the wasm nor the cpu tfjs backend started');
  return 'cpu';
}

/** The fused C++ training step of @vae/native on OpenBLAS, when its addon was built here. */
export function nativeEngine(importModule: ImportModule): EngineDefinition {
  let native: NativeEngineModule | undefined;
  return {
    name: 'native',
    priority: ENGINE_PRIORITY.native,
    summary: 'the whole training step fused in C++ on OpenBLAS (@vae/native), both cores',
    howToGet: 'Building it needs a C++ compiler and OpenBLAS (Debian/Ubuntu: `apt-get install g++ make python3 libopenblas-dev`), then `pnpm build`.',
    async probe(): Promise<EngineProbe> {
      const loaded = await loadOptional<NativeEngineModule>(importModule, '@vae/native/engine');
      if (!loaded.ok) return { available: false, reason: loaded.reason };
      native = loaded.module;
      if (!native.isNativeAvailable()) return { available: false, reason: `the native addon is unavailable: ${native.nativeLoadError()}` };
      const info = native.nativeInfo();
      return { available: true, device: { kind: 'cpu', label: info?.label ?? 'OpenBLAS' } };
    },
    supports: (request) => native?.nativeSupports(request) ?? 'not probed',
    async activate(device) {
      if (!native) throw new Error('activate() before a successful probe()');
      const backend = await evaluationBackend(importModule);
      return { name: 'native', device: { ...device, label: `${device.label}; ${backend} evaluates` }, backend, stepEngine: native.nativeStepEngine() };
    },
  };
}

/** A tfjs backend that ships with the CLI (wasm, cpu): always installed, so the probe only loads it. */
export function bundledTfjsEngine(options: { name: 'wasm' | 'cpu'; summary: string; label: string }, importModule: ImportModule): EngineDefinition {
  const specifier = `@tensorflow/tfjs-backend-${options.name}`;
  return {
    name: options.name,
    priority: ENGINE_PRIORITY[options.name],
    summary: options.summary,
    async probe(): Promise<EngineProbe> {
      const loaded = await loadOptional(importModule, specifier);
      return loaded.ok ? { available: true, device: { kind: 'cpu', label: options.label } } : { available: false, reason: loaded.reason };
    },
    supports: () => true,
    async activate(device) {
      if (!(await tf.setBackend(options.name))) throw new Error(`the ${options.name} backend did not start`);
      return { name: options.name, device, backend: options.name };
    },
  };
}
