import * as tf from '@tensorflow/tfjs-core';
import { ENGINE_PRIORITY, type EngineDefinition, type EngineDevice, type EngineProbe } from './engine-registry.js';
import { HOST_MEMORY_BACKENDS, hostAdamStepEngine } from './host-adam-engine.js';
import type { StepEngineFactory } from './step-engine.js';
import { tfjsStepEngine } from './tfjs-engine.js';

/**
 * How the steps run on a tfjs backend: Adam fused on the host where tensors live in host memory
 * (wasm, cpu: `hostAdamStepEngine`), tfjs' own Adam on the device elsewhere (WebGPU, WebGL,
 * tfjs-node: `tfjsStepEngine`). Both compute the same numbers.
 */
export function stepEngineForBackend(backend: string): StepEngineFactory {
  return HOST_MEMORY_BACKENDS.includes(backend) ? hostAdamStepEngine : tfjsStepEngine;
}

/** What an app says of a tfjs backend to make it an engine; finding its device is the app's business. */
export interface TfjsBackendEngineOptions {
  /** As the user names it; also the tfjs backend's name unless `backend` says otherwise. */
  name: string;
  /** The tfjs backend it makes current (default `name`). */
  backend?: string;
  /** Default `ENGINE_PRIORITY[name]`. */
  priority?: number;
  summary: string;
  howToGet?: string;
  /** Whether the backend can run here and on what (see `EngineDefinition.probe`). */
  probe(): Promise<EngineProbe>;
  /** Makes the backend current when `tf.setBackend` alone does not (e.g. WebGPU in Node registers its device first). */
  start?(): Promise<void>;
  /** The device as the started backend reports it (e.g. WebAssembly's thread count, known only once it runs). */
  startedDevice?(device: EngineDevice): EngineDevice;
}

/**
 * A tfjs backend as an engine of the registry: it trains every model `@vae/model` builds (tfjs ops),
 * and its steps run on `stepEngineForBackend`. The one definition the CLI's and the page's tfjs
 * engines share; each app supplies how its backend is found (`probe`) and started.
 */
export function tfjsBackendEngine(options: TfjsBackendEngineOptions): EngineDefinition {
  const backend = options.backend ?? options.name;
  const priority = options.priority ?? (ENGINE_PRIORITY as Record<string, number>)[options.name];
  if (priority === undefined) throw new Error(`tfjsBackendEngine: '${options.name}' has no place in ENGINE_PRIORITY: give its priority`);
  return {
    name: options.name,
    priority,
    summary: options.summary,
    ...(options.howToGet ? { howToGet: options.howToGet } : {}),
    probe: () => options.probe(),
    supports: () => true, // tfjs ops: every model @vae/model builds
    async activate(device) {
      if (options.start) await options.start();
      else if (!(await tf.setBackend(backend))) throw new Error(`the tfjs ${backend} backend did not start`);
      await tf.ready();
      return { name: options.name, device: options.startedDevice?.(device) ?? device, backend, stepEngine: stepEngineForBackend(backend) };
    },
  };
}

/**
 * Makes a host-memory tfjs backend current (wasm, else cpu): where an engine that trains outside
 * tfjs (e.g. the native addon) evaluates, samples and saves. The app registers the backends it
 * ships by importing their packages (`@tensorflow/tfjs-backend-wasm`, `-cpu`); returns the name.
 */
export async function startHostMemoryBackend(): Promise<string> {
  for (const name of HOST_MEMORY_BACKENDS) {
    if (tf.findBackendFactory(name) && (await tf.setBackend(name))) return name;
  }
  throw new Error(`no host-memory tfjs backend to evaluate on: import @tensorflow/tfjs-backend-wasm or @tensorflow/tfjs-backend-cpu first`);
}
