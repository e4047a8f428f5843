import { ENGINE_PRIORITY, startHostMemoryBackend, type EngineDefinition, type EngineProbe } from '@vae/train';
import { isNativeAvailable, nativeInfo, nativeLoadError } from './index.js';
import { nativeStepEngine, nativeSupports, type NativeStepEngineOptions } from './step-engine.js';

/**
 * The native addon as an engine of `@vae/train`'s registry: register it and `auto` takes it when
 * the addon loads here and the run is one it has kernels for (else it says why and the next engine
 * trains). It trains in the addon and evaluates, samples and saves on a host-memory tfjs backend
 * (`startHostMemoryBackend`: wasm, else cpu), which the app registers by importing it.
 *
 * ```ts
 * import '@tensorflow/tfjs-backend-wasm';
 * import { EngineRegistry } from '@vae/train';
 * import { nativeEngine } from '@vae/native/engine';
 * const registry = new EngineRegistry([nativeEngine(), ...theOthers]);
 * ```
 */
export function nativeEngine(options: NativeStepEngineOptions = {}): EngineDefinition {
  return {
    name: 'native',
    priority: ENGINE_PRIORITY.native,
    summary: 'the whole training step fused in C++ on OpenBLAS (@vae/native), both cores',
    howToGet: 'Building it needs a C++ compiler and OpenBLAS (Debian/Ubuntu: `apt-get install g++ make python3 libopenblas-dev`), then `pnpm build`.',
    async probe(): Promise<EngineProbe> {
      if (!isNativeAvailable()) return { available: false, reason: `the native addon is unavailable: ${nativeLoadError()}` };
      return { available: true, device: { kind: 'cpu', label: nativeInfo()?.label ?? 'OpenBLAS' } };
    },
    supports: nativeSupports,
    async activate(device) {
      const backend = await startHostMemoryBackend();
      return { name: 'native', device: { ...device, label: `${device.label}; ${backend} evaluates` }, backend, stepEngine: nativeStepEngine(options) };
    },
  };
}
