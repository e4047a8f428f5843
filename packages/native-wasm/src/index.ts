export { loadNativeWasm, type LoadNativeWasmOptions } from './load.js';
export type {
  NativeWasmBinding,
  NativeWasmInfo,
  WasmAdamState,
  WasmEvaluation,
  WasmLayer,
  WasmParallel,
  WasmReconstruction,
  WasmTrainerHandle,
  WasmTrainerInit,
} from './types.js';
