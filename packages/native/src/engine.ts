/**
 * @vae/native/engine: everything in `@vae/native` plus what plugs the addon into `@vae/train`:
 * `nativeEngine` (an `EngineDefinition` for the registry), `nativeStepEngine` (for
 * `train({ engine })`) and `nativeLogWeights`. Kept apart so the main entry needs no TensorFlow.js.
 */
export * from './index.js';
export { nativeEngine } from './native-engine.js';
export { nativeStepEngine, nativeSupports, type NativeStepEngineOptions } from './step-engine.js';
export { nativeLogWeights } from './log-weights.js';
