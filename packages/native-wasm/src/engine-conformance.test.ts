// The WebAssembly build as an engine: @vae/train's conformance suite against the tfjs reference (the
// same suite the addon passes), and its place in a registry beside the addon and tfjs.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { convDescription, mlpDescription } from '@vae/model';
import { nativeDeclines } from '@vae/native/core';
import { DEFAULT_TRAIN_SETTINGS, EngineRegistry, tfjsBackendEngine, type TrainRequest } from '@vae/train';
import { describeEngineConformance } from '@vae/train/testing';
import { describe, expect, it } from 'vitest';
import { nativeWasmEngine } from './native-wasm-engine.js';

await tf.setBackend('cpu');
const definition = nativeWasmEngine({ threads: 2 });
const probe = await definition.probe();
const active = probe.available ? await definition.activate(probe.device) : undefined;

describeEngineConformance({
  name: 'native-wasm',
  unavailable: active ? null : `the WebAssembly build did not load`,
  activate: async () => void (await tf.setBackend('wasm')),
  engine: active!.stepEngine,
  cpu: true,
  supports: (model) => nativeDeclines(model) ?? true,
});

describe('nativeWasmEngine in a registry', () => {
  const request: TrainRequest = { model: mlpDescription(), settings: DEFAULT_TRAIN_SETTINGS };
  const tfjsWasm = tfjsBackendEngine({ name: 'wasm', summary: 'wasm', probe: async () => ({ available: true, device: { kind: 'cpu', label: 'WebAssembly SIMD' } }) });

  it('comes before tfjs’ wasm for the MLP VAE, on 2 threads, evaluating on wasm', async () => {
    const { engine, skipped } = await new EngineRegistry([tfjsWasm, nativeWasmEngine({ threads: 2 })]).resolve('auto', request);
    expect(skipped).toEqual([]);
    expect(engine).toMatchObject({ name: 'native-wasm', backend: 'wasm', device: { kind: 'cpu', label: 'wasm SIMD128, 2 threads; wasm evaluates' } });
  });

  it('declines a model it has no kernel for, with the reason, and tfjs trains it', async () => {
    const { engine, skipped } = await new EngineRegistry([tfjsWasm, nativeWasmEngine({ threads: 1 })]).resolve('auto', { ...request, model: convDescription() });
    expect(engine.name).toBe('wasm');
    expect(skipped).toEqual(['native-wasm: cannot train this run: the C++ core has kernels for dense layers only (an MLP VAE): layer "encoder.conv0" is conv2d']);
  });
});
