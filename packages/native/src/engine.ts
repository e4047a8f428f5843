/**
 * @vae/native/engine: everything in `@vae/native` plus `nativeStepEngine`, the adapter that lets
 * `@vae/train`'s `train({ engine })` run its steps in the addon. Kept apart so the main entry
 * needs no TensorFlow.js.
 */
export * from './index.js';
export { nativeModelConfig, nativeStepEngine, nativeSupports, requireNativeConfig, type NativeStepEngineOptions } from './step-engine.js';
export { nativeLogWeights } from './log-weights.js';
