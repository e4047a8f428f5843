import * as tf from '@tensorflow/tfjs-core';
import { mlpDescription } from '@vae/model';
import { DEFAULT_TRAIN_SETTINGS, EngineRegistry, type ActiveEngine, type TrainRequest } from '@vae/train';
import { bundledTfjsEngine, nativeEngine } from './native.js';
import { importByName, type ImportModule } from './module-loading.js';
import { tensorflowEngine } from './tensorflow.js';
import { webgpuNodeEngine } from './webgpu-node.js';

/**
 * The CLI's engines. `auto` tries a hardware GPU first (tfjs-node-gpu with a CUDA device, then
 * WebGPU on a real adapter), then the CPU engines: native, tfjs-node, wasm, plain JS.
 */
export function nodeEngineRegistry(importModule: ImportModule = importByName): EngineRegistry {
  return new EngineRegistry([
    nativeEngine(importModule),
    tensorflowEngine(importModule),
    webgpuNodeEngine(importModule),
    bundledTfjsEngine({ name: 'wasm', summary: 'TensorFlow.js on WebAssembly with SIMD, one thread', label: 'WebAssembly SIMD' }, importModule),
    bundledTfjsEngine({ name: 'cpu', summary: 'TensorFlow.js in plain JavaScript (slow)', label: 'plain JavaScript' }, importModule),
  ]);
}

export const ENGINE_CHOICES = ['auto', 'native', 'tensorflow', 'webgpu', 'wasm', 'cpu'] as const;
export type EngineChoice = (typeof ENGINE_CHOICES)[number];

/** The reference model and settings, for `vae backends` and the bench. */
export const REFERENCE_REQUEST: TrainRequest = { model: mlpDescription(), settings: DEFAULT_TRAIN_SETTINGS };

/** One line for the user: what trains, on what, and for `auto`, why nothing better was taken. */
export function describeSelection(choice: string, engine: ActiveEngine, skipped: string[]): string {
  const base = `${engine.name} (${engine.device.label})`;
  if (choice !== 'auto') return base;
  return `${base}, chosen by --backend auto${skipped.length > 0 ? ` (not ${skipped.join('; not ')})` : ''}`;
}

/**
 * Picks and activates the engine for `choice`. Production mode skips tfjs' debug checks and its
 * "install tfjs-node" banner; the training loop checks the loss for NaN/Inf itself.
 */
export async function selectEngine(choice: string, request: TrainRequest, registry = nodeEngineRegistry()): Promise<{ engine: ActiveEngine; description: string }> {
  tf.enableProdMode();
  const { engine, skipped } = await registry.resolve(choice, request);
  return { engine, description: describeSelection(choice, engine, skipped) };
}
