import { ENGINE_PRIORITY, startHostMemoryBackend, type EngineDefinition, type EngineProbe } from '@vae/train';
import { fusedWebgpuStepEngine, fusedWebgpuSupports } from './fused-step-engine.js';

/** What an app says of its WebGPU: finding the adapter and making the device are the app's business. */
export interface FusedWebgpuEngineOptions {
  /** Whether there is an adapter and what it is (`device.software` for SwiftShader, llvmpipe: `auto` never takes those). Never throws. */
  probe(): Promise<EngineProbe>;
  /** The device to train on, from the probed adapter (called once, on activation). */
  device(): Promise<GPUDevice>;
  /** Makes current the tfjs backend that evaluates, samples and saves; returns its name. Default `startHostMemoryBackend` (wasm, else cpu). */
  startBackend?(): Promise<string>;
  howToGet?: string;
}

/**
 * The fused WebGPU step as an engine of `@vae/train`'s registry, named `webgpu-fused` (so
 * `webgpu` still names tfjs' WebGPU backend, to compare the two). On a hardware adapter `auto`
 * takes it before every other engine; on a software one only when asked for by name.
 *
 * ```ts
 * const registry = new EngineRegistry([fusedWebgpuEngine({ probe, device }), ...theOthers]);
 * ```
 */
export function fusedWebgpuEngine(options: FusedWebgpuEngineOptions): EngineDefinition {
  return {
    name: 'webgpu-fused',
    priority: ENGINE_PRIORITY['webgpu-fused'],
    summary: 'the whole training step fused into a handful of WebGPU compute passes (@vae/webgpu); evaluates on a host-memory tfjs backend',
    ...(options.howToGet ? { howToGet: options.howToGet } : {}),
    probe: () => options.probe(),
    supports: fusedWebgpuSupports,
    async activate(device) {
      const gpuDevice = await options.device();
      const backend = await (options.startBackend ?? startHostMemoryBackend)();
      return { name: 'webgpu-fused', device: { ...device, label: `${device.label}; ${backend} evaluates` }, backend, stepEngine: fusedWebgpuStepEngine(gpuDevice) };
    },
  };
}
