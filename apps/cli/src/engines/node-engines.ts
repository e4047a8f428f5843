import * as tf from '@tensorflow/tfjs-core';
// The tfjs backends the CLI ships, registered on import: the wasm and cpu engines, and where the native engine evaluates.
import '@tensorflow/tfjs-backend-wasm';
import '@tensorflow/tfjs-backend-cpu';
import { mlpDescription } from '@vae/model';
import { DEFAULT_TRAIN_SETTINGS, ENGINE_PRIORITY, EngineRegistry, tfjsBackendEngine, type ActiveEngine, type EngineProbe, type TrainRequest } from '@vae/train';
import { importByName, type ImportModule } from './module-loading.js';
import { packageEngine } from './package-engine.js';
import { tensorflowEngine } from './tensorflow.js';
import { dawnWebgpu, fusedWebgpuNodeEngine, webgpuNodeEngine } from './webgpu-node.js';

type NativeEngineModule = typeof import('@vae/native/engine');
type NativeWasmEngineModule = typeof import('@vae/native-wasm/engine');

/** A backend the CLI bundles: always here. */
const bundled = (label: string) => async (): Promise<EngineProbe> => ({ available: true, device: { kind: 'cpu', label } });

/**
 * The CLI's engines. `auto` tries a hardware GPU first (the fused WebGPU step, tfjs-node-gpu with a
 * CUDA device, tfjs' WebGPU, on a real adapter), then the CPU engines: native, tfjs-node, wasm, plain JS.
 */
export function nodeEngineRegistry(importModule: ImportModule = importByName): EngineRegistry {
  const dawn = dawnWebgpu(importModule);
  return new EngineRegistry([
    fusedWebgpuNodeEngine(dawn),
    packageEngine<NativeEngineModule>(
      importModule,
      '@vae/native/engine',
      { name: 'native', priority: ENGINE_PRIORITY.native, summary: 'the whole training step fused in C++ (@vae/native)' },
      (native) => native.nativeEngine(),
    ),
    packageEngine<NativeWasmEngineModule>(
      importModule,
      '@vae/native-wasm/engine',
      { name: 'native-wasm', priority: ENGINE_PRIORITY['native-wasm'], summary: 'the fused C++ training step compiled to WebAssembly (@vae/native-wasm)' },
      (wasm) => wasm.nativeWasmEngine(),
    ),
    tensorflowEngine(importModule),
    webgpuNodeEngine(importModule, undefined, dawn),
    tfjsBackendEngine({ name: 'wasm', summary: 'TensorFlow.js on WebAssembly with SIMD, one thread', probe: bundled('WebAssembly SIMD') }),
    tfjsBackendEngine({ name: 'cpu', summary: 'TensorFlow.js in plain JavaScript (slow)', probe: bundled('plain JavaScript') }),
  ]);
}

/** What `--backend` takes: `auto`, or an engine of the registry by name. */
export const ENGINE_CHOICES: readonly string[] = ['auto', ...nodeEngineRegistry().names];
export type EngineChoice = string;

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
