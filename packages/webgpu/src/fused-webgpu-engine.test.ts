import { convDescription, mlpDescription } from '@vae/model';
import { EngineRegistry, type EngineDevice } from '@vae/train';
import { describe, expect, it } from 'vitest';
import { fusedWebgpuSupports } from './fused-step-engine.js';
import { fusedWebgpuEngine } from './fused-webgpu-engine.js';

const settings = { batchSize: 64, normalization: 'unit' as const, reconstruction: 'bernoulli' as const, beta: 1 };

describe('fusedWebgpuSupports', () => {
  it('takes the MLP VAE with either reconstruction term', () => {
    expect(fusedWebgpuSupports({ model: mlpDescription(), settings })).toBe(true);
    expect(fusedWebgpuSupports({ model: mlpDescription(), settings: { ...settings, reconstruction: 'gaussian', normalization: 'symmetric' } })).toBe(true);
  });

  it('declines the conv VAE, naming the layer, and a term it has no kernel for', () => {
    expect(fusedWebgpuSupports({ model: convDescription(), settings })).toBe('the fused WebGPU step has kernels for dense layers only (an MLP VAE): layer "encoder.conv0" is conv2d');
    expect(fusedWebgpuSupports({ model: mlpDescription(), settings: { ...settings, reconstruction: 'laplace' as never } })).toBe(
      "the fused WebGPU step has no 'laplace' reconstruction term (it has bernoulli, gaussian)",
    );
  });
});

describe('fusedWebgpuEngine in the registry', () => {
  const gpu = (software: boolean): EngineDevice => ({ kind: 'gpu', software, label: software ? 'SwiftShader' : 'nvidia ampere' });
  // `device()` is never called: choosing activates nothing.
  const engineOn = (device: EngineDevice) => fusedWebgpuEngine({ probe: async () => ({ available: true, device }), device: () => Promise.reject(new Error('not activated in this test')) });
  const cpuEngine = { name: 'native', priority: 90, summary: 'a CPU engine', probe: async () => ({ available: true as const, device: { kind: 'cpu' as const, label: 'cpu' } }), supports: () => true as const, activate: () => Promise.reject(new Error('unused')) };

  it('auto takes it first on a hardware adapter, before the CPU engines', async () => {
    const registry = new EngineRegistry([cpuEngine, engineOn(gpu(false))]);
    const choice = await registry.choose('auto', { model: mlpDescription(), settings });
    expect(choice.candidates.map((c) => c.definition.name)).toEqual(['webgpu-fused', 'native']);
  });

  it('auto passes over a software adapter, saying so; by name it is taken', async () => {
    const registry = new EngineRegistry([cpuEngine, engineOn(gpu(true))]);
    const choice = await registry.choose('auto', { model: mlpDescription(), settings });
    expect(choice.candidates.map((c) => c.definition.name)).toEqual(['native']);
    expect(choice.skipped).toEqual(['webgpu-fused: SwiftShader is a software adapter, slower than any CPU engine (ask for it by name to use it anyway)']);
    expect((await registry.choose('webgpu-fused', { model: mlpDescription(), settings })).candidates.map((c) => c.definition.name)).toEqual(['webgpu-fused']);
  });

  it('a conv model passes to the next engine with the reason', async () => {
    const registry = new EngineRegistry([cpuEngine, engineOn(gpu(false))]);
    const choice = await registry.choose('auto', { model: convDescription(), settings });
    expect(choice.candidates.map((c) => c.definition.name)).toEqual(['native']);
    expect(choice.skipped[0]).toMatch(/^webgpu-fused: cannot train this run: the fused WebGPU step has kernels for dense layers only/);
  });
});
