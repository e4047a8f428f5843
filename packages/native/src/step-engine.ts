import type { StepEngineFactory } from '@vae/train';
import { fusedStepEngine, type NativeStepEngineOptions } from './fused-step-engine.js';

export { nativeSupports, type NativeStepEngineOptions } from './fused-step-engine.js';
import { NativeVaeTrainer, nativeInfo } from './index.js';

/**
 * `fusedStepEngine` on the native addon: every step (and the test evaluation) in C++ on OpenBLAS,
 * e.g. "native (OpenBLAS Haswell, prebuilt, 2 threads, auto)".
 */
export function nativeStepEngine(options: NativeStepEngineOptions = {}): StepEngineFactory {
  return fusedStepEngine((o) => new NativeVaeTrainer(o), { name: 'native', device: nativeInfo()?.label ?? 'OpenBLAS' }, options);
}
