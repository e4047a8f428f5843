import { FusedVaeTrainer, fusedStepEngine, nativeSupports, type TrainerBinding } from '@vae/native/core';
import { ENGINE_PRIORITY, startHostMemoryBackend, type EngineDefinition, type EngineDevice, type EngineProbe } from '@vae/train';
import { loadNativeWasm } from './load.js';
import type { NativeWasmBinding } from './types.js';

export interface NativeWasmEngineOptions {
  /** Threads of a step (default: 2, or 1 on a one-core machine; 1 where the page is not cross-origin isolated). */
  threads?: number;
}

/**
 * The fused training step of `@vae/native` compiled to WebAssembly (SIMD128, threads): the same C++
 * and the same checked trainer and StepEngine (`@vae/native/core`) as the addon, through the
 * WebAssembly binding. It declines what the addon declines (a layer other than dense, another
 * reconstruction term), with the reason; it evaluates, samples and saves on a host-memory tfjs
 * backend (`startHostMemoryBackend`: wasm, else cpu) the app registers by importing it. A page
 * must be cross-origin isolated for threads (else it runs one thread, and its label says why), and
 * must train in a Web Worker (a step blocks its thread while the workers compute).
 */
export function nativeWasmEngine(options: NativeWasmEngineOptions = {}): EngineDefinition {
  let binding: NativeWasmBinding | undefined;
  return {
    name: 'native-wasm',
    priority: ENGINE_PRIORITY['native-wasm'],
    summary: 'the fused C++ training step compiled to WebAssembly with SIMD128 and threads (@vae/native-wasm)',
    async probe(): Promise<EngineProbe> {
      binding = await loadNativeWasm(options.threads === undefined ? {} : { threads: options.threads });
      return { available: true, device: { kind: 'cpu', label: binding.info().label } };
    },
    supports: nativeSupports,
    async activate(device: EngineDevice) {
      const wasm = binding;
      if (!wasm) throw new Error('activate() before a successful probe()');
      const backend = await startHostMemoryBackend();
      const threads = wasm.info().threads;
      // The addon's init with `parallel` never `blas` (mapped below) is the wasm build's init (binding-shape.test.ts).
      const trainers: TrainerBinding = { Trainer: wasm.Trainer as unknown as TrainerBinding['Trainer'] };
      // `blas` is the addon's schedule only (OpenBLAS' own threads): the wasm GEMM has none.
      const stepEngine = fusedStepEngine(
        (o) => new FusedVaeTrainer(trainers, { ...o, parallel: o.parallel === 'blas' ? 'auto' : o.parallel }),
        { name: 'native-wasm', device: 'WebAssembly SIMD128' },
        { threads },
      );
      return { name: 'native-wasm', device: { ...device, label: `${device.label}; ${backend} evaluates` }, backend, stepEngine };
    },
  };
}
