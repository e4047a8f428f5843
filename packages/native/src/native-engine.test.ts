import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { convDescription, mlpDescription, Vae } from '@vae/model';
import { DEFAULT_TRAIN_SETTINGS, EngineRegistry, tfjsBackendEngine, train, type TrainRequest } from '@vae/train';
import { tinySplit } from '@vae/test-helpers/splits';
import { describe, expect, it } from 'vitest';
import { isNativeAvailable, nativeInfo, nativeLoadError } from './index.js';
import { nativeEngine } from './native-engine.js';

const available = isNativeAvailable();
const skipReason = available ? '' : ` — SKIPPED: the native addon is unavailable (${nativeLoadError()}); build it: pnpm --filter @vae/native build`;
const request: TrainRequest = { model: mlpDescription(), settings: DEFAULT_TRAIN_SETTINGS };
const cpu = tfjsBackendEngine({ name: 'cpu', summary: 'cpu', probe: async () => ({ available: true, device: { kind: 'cpu', label: 'plain JavaScript' } }) });

// What a library user does: register what @vae/native/engine exports beside the tfjs engines.
describe('nativeEngine in a registry', () => {
  it.skipIf(!available)(`is what auto takes for the MLP VAE, evaluating on wasm, and trains there${skipReason}`, async () => {
    const registry = new EngineRegistry([cpu, nativeEngine({ threads: 1 })]);
    const { engine, skipped } = await registry.resolve('auto', request);
    expect(skipped).toEqual([]);
    expect(engine).toMatchObject({ name: 'native', backend: 'wasm', device: { kind: 'cpu', label: `${nativeInfo()!.label}; wasm evaluates` } });
    expect(tf.getBackend()).toBe('wasm');
    const vae = new Vae({ inputDim: 16, encoderHidden: [12], latentDim: 2, decoderHidden: [12] }, { seed: 1 });
    const result = await train({ model: vae, data: { train: tinySplit(64, 1), test: tinySplit(16, 2) }, epochs: 2, batchSize: 16, seed: 2, engine: engine.stepEngine });
    expect(result.metrics).toHaveLength(2);
    expect(result.metrics[1]!.trainLoss).toBeLessThan(result.metrics[0]!.trainLoss);
    vae.dispose();
  });

  it.skipIf(!available)(`declines a model it has no kernel for, with the reason, and the next engine trains it${skipReason}`, async () => {
    const registry = new EngineRegistry([cpu, nativeEngine()]);
    const { engine, skipped } = await registry.resolve('auto', { ...request, model: convDescription() });
    expect(engine.name).toBe('cpu');
    expect(skipped).toEqual(['native: cannot train this run: the C++ core has kernels for dense layers only (an MLP VAE): layer "encoder.conv0" is conv2d']);
  });

  it('says why it is unavailable where the addon does not load', async () => {
    const probe = await nativeEngine().probe();
    if (available) expect(probe).toEqual({ available: true, device: { kind: 'cpu', label: nativeInfo()!.label } });
    else expect(probe).toEqual({ available: false, reason: `the native addon is unavailable: ${nativeLoadError()}` });
  });
});
