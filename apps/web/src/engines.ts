import * as tf from '@tensorflow/tfjs-core';
import { adapterInfoOf, adapterLabel, ENGINE_PRIORITY, EngineRegistry, type EngineDefinition, type EngineProbe } from '@vae/train';

/** The bit of WebGPU this file touches (`adapter.info` is newer than the @webgpu/types tfjs ships with). */
interface GpuLike {
  requestAdapter(options?: { powerPreference?: 'high-performance' | 'low-power' }): Promise<{ info?: Record<string, unknown> } | null>;
}

/** Why WebGPU cannot run here, or the adapter it would run on. */
async function probeWebgpu(): Promise<EngineProbe> {
  if (!window.isSecureContext) return { available: false, reason: 'WebGPU needs a secure context (https or localhost)' };
  const gpu = (navigator as unknown as { gpu?: GpuLike }).gpu;
  if (!gpu) return { available: false, reason: 'this browser has no WebGPU (navigator.gpu is missing)' };
  // tfjs asks for the high-performance adapter too, so this is the one it will get.
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) return { available: false, reason: 'navigator.gpu.requestAdapter() found no adapter' };
  const info = adapterInfoOf(adapter.info);
  return { available: true, device: { kind: 'gpu', software: info.isFallbackAdapter, label: adapterLabel(info), adapter: info } };
}

/** A tfjs backend that the page bundles (registered on import); setBackend resolves false, and logs why, when it fails to start. */
function bundled(name: 'webgpu' | 'wasm' | 'cpu', summary: string, probe: () => Promise<EngineProbe>): EngineDefinition {
  return {
    name,
    priority: ENGINE_PRIORITY[name],
    summary,
    probe,
    supports: () => true, // tfjs ops: every model @vae/model builds
    async activate(device) {
      if (!(await tf.setBackend(name))) throw new Error('failed to initialize (see the console)');
      return { name, device, backend: name };
    },
  };
}

/** The page's engines, in @vae/train's registry: the same order and explanations as the CLI's. */
export function browserEngineRegistry(): EngineRegistry {
  const cpuDevice = (label: string) => async (): Promise<EngineProbe> => ({ available: true, device: { kind: 'cpu', label } });
  return new EngineRegistry([
    bundled('webgpu', 'TensorFlow.js on WebGPU: the GPU', probeWebgpu),
    bundled('wasm', 'TensorFlow.js on WebAssembly with SIMD', cpuDevice('WebAssembly SIMD')),
    bundled('cpu', 'TensorFlow.js in plain JavaScript (slow)', cpuDevice('plain JavaScript')),
  ]);
}
