/**
 * @vae/native-wasm/engine: the WebAssembly build of the C++ core as an engine of `@vae/train`'s
 * registry, in Node and in browsers. Register it beside the others; `auto` takes it after the native
 * addon and before TensorFlow's C library and tfjs' own WebAssembly backend.
 */
export * from './index.js';
export { nativeWasmEngine, type NativeWasmEngineOptions } from './native-wasm-engine.js';
