/**
 * @vae/native/core: the C++ core's checked trainer and its StepEngine, for any build of the core
 * given as a binding (the addon, or `@vae/native-wasm`'s WebAssembly build). No Node built-ins:
 * browsers bundle it.
 */
export * from './trainer.js';
export { fusedStepEngine, nativeSupports, type NativeStepEngineOptions } from './fused-step-engine.js';
