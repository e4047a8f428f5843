import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { mlpDescription, convDescription } from '@vae/model';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_TRAIN_SETTINGS } from './train-settings.js';
import { EngineRegistry, ENGINE_PRIORITY, type TrainRequest } from './engine-registry.js';
import { hostAdamStepEngine } from './host-adam-engine.js';
import { startHostMemoryBackend, stepEngineForBackend, tfjsBackendEngine } from './tfjs-backend-engine.js';
import { tfjsStepEngine } from './tfjs-engine.js';

const request: TrainRequest = { model: mlpDescription(), settings: DEFAULT_TRAIN_SETTINGS };
const here = async () => ({ available: true as const, device: { kind: 'cpu' as const, label: 'test' } });

afterEach(async () => {
  await tf.setBackend('cpu');
});

describe('tfjsBackendEngine', () => {
  it('makes its backend current and steps with the engine for it: Adam on the host for wasm and cpu, tfjs’ Adam elsewhere', async () => {
    expect(stepEngineForBackend('wasm')).toBe(hostAdamStepEngine);
    expect(stepEngineForBackend('cpu')).toBe(hostAdamStepEngine);
    expect(stepEngineForBackend('webgpu')).toBe(tfjsStepEngine);
    expect(stepEngineForBackend('tensorflow')).toBe(tfjsStepEngine);
    const wasm = tfjsBackendEngine({ name: 'wasm', summary: 'wasm', probe: here });
    expect(wasm.priority).toBe(ENGINE_PRIORITY.wasm);
    const active = await wasm.activate({ kind: 'cpu', label: 'test' });
    expect(tf.getBackend()).toBe('wasm');
    expect(active).toMatchObject({ name: 'wasm', backend: 'wasm', device: { label: 'test' } });
    expect(active.stepEngine).toBe(hostAdamStepEngine);
  });

  it('trains every model @vae/model builds, conv included', () => {
    const cpu = tfjsBackendEngine({ name: 'cpu', summary: 'cpu', probe: here });
    expect(cpu.supports(request)).toBe(true);
    expect(cpu.supports({ ...request, model: convDescription() })).toBe(true);
  });

  it('uses the app’s start and the device the started backend reports; a backend that does not start is a reason to move on', async () => {
    const started: string[] = [];
    const custom = tfjsBackendEngine({
      name: 'cpu',
      summary: 'cpu',
      probe: here,
      start: async () => {
        started.push('cpu');
        await tf.setBackend('cpu');
      },
      startedDevice: (device) => ({ ...device, label: `${device.label}, started` }),
    });
    expect((await custom.activate({ kind: 'cpu', label: 'test' })).device.label).toBe('test, started');
    expect(started).toEqual(['cpu']);
    const missing = tfjsBackendEngine({ name: 'webgl', summary: 'webgl', probe: here });
    const registry = new EngineRegistry([missing, tfjsBackendEngine({ name: 'cpu', summary: 'cpu', probe: here })]);
    const { engine, skipped } = await registry.resolve('auto', request);
    expect(engine.name).toBe('cpu');
    expect(skipped).toEqual([expect.stringMatching(/^webgl: failed to start: /)]);
  });

  it('needs a priority for a name ENGINE_PRIORITY does not list', () => {
    expect(() => tfjsBackendEngine({ name: 'mine', summary: 'mine', probe: here })).toThrow(/'mine' has no place in ENGINE_PRIORITY: give its priority/);
    expect(tfjsBackendEngine({ name: 'mine', backend: 'cpu', priority: 5, summary: 'mine', probe: here }).priority).toBe(5);
  });
});

describe('startHostMemoryBackend', () => {
  it('makes wasm current where it is registered, and says so', async () => {
    expect(await startHostMemoryBackend()).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
  });
});
