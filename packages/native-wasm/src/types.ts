// The binding's shape: that of @vae/native's raw addon (`NativeBinding`), so an engine can drive
// either with the same code; src/binding-shape.test.ts checks it against @vae/native's types.

/** A layer as the trainer takes it: `@vae/model`'s `LayerDescription` fields (dense with relu or linear; anything else is refused, naming it). */
export interface WasmLayer {
  type: string;
  units?: number;
  activation?: string;
  /** Weight names `<name>.kernel`, `<name>.bias` (the description's layer name; a dense layer without one is refused). */
  name?: string;
}

export type WasmReconstruction = 'bernoulli' | 'gaussian';

/**
 * How the threads share a step, as in @vae/native: `split` (column blocks per thread), `data`
 * (row slices, gradients summed in the Adam update), `auto` (`split` below 256 rows, `data` from
 * there). There is no `blas`: the wasm build's GEMM has no threads of its own.
 */
export type WasmParallel = 'auto' | 'split' | 'data';

/** The trainer's options, flat and complete, as @vae/native's addon takes them (`NativeTrainerInit`), with the model as layer lists. */
export interface WasmTrainerInit {
  inputDim: number;
  encoder: readonly WasmLayer[];
  latentDim: number;
  /** z → logits: the last layer is linear and `inputDim` wide. */
  decoder: readonly WasmLayer[];
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  /** KL weight. */
  beta: number;
  reconstruction: WasmReconstruction;
  gaussianLo: number;
  gaussianHi: number;
  gaussianSigma: number;
  gaussianIncludeConstant: boolean;
  /** At most the module's `info().threads` (see `loadNativeWasm`). */
  threads: number;
  parallel: WasmParallel;
  /** Default true. */
  sparseInput?: boolean;
  /** In `namedVariables()` order: per dense layer its kernel [in, out] then bias [out]. Copied. */
  weights: Float32Array[];
}

/** Sums over the batch, in nats. */
export interface WasmEvaluation {
  loss: number;
  lossMu: number;
  recon: number;
  kl: number;
}

/** Adam's state as tfjs' AdamOptimizer keeps it (see @vae/native's `NativeAdamState`). */
export interface WasmAdamState {
  iterations: number;
  accBeta1: number;
  accBeta2: number;
  m: Float32Array[];
  v: Float32Array[];
}

export interface WasmTrainerHandle {
  /** The threads this trainer's steps use. */
  readonly threads: number;
  step(x: Float32Array, n: number, eps: Float32Array): number;
  stepRows(images: Uint8Array, rowLength: number, indices: Uint32Array, start: number, n: number, table: Float32Array, eps: Float32Array): number;
  gradients(x: Float32Array, n: number, eps: Float32Array): { loss: number; gradients: Float32Array[] };
  evaluate(x: Float32Array, n: number, eps: Float32Array): WasmEvaluation;
  logImportanceWeights(x: Float32Array, n: number, k: number, eps: Float32Array): Float32Array;
  getWeights(): Float32Array[];
  setWeights(weights: Float32Array[]): void;
  getAdamState(): WasmAdamState;
  setAdamState(state: WasmAdamState): void;
  setKlBeta(beta: number): void;
  tensorNames(): string[];
  dispose(): void;
}

/** What the loaded module is (`NativeWasmBinding.info()`). */
export interface NativeWasmInfo {
  build: 'wasm';
  /** Which module loaded: with threads (shared memory, workers) or the one-thread build. */
  module: 'vae-wasm-threads' | 'vae-wasm';
  /** The most threads a trainer may use: what `loadNativeWasm` was asked for, or 1 without shared memory. */
  threads: number;
  /** The threads asked of `loadNativeWasm`. */
  threadsRequested: number;
  /** Why `threads` is 1 although more were asked for (no SharedArrayBuffer: a page that is not cross-origin isolated). */
  threadsUnavailable?: string;
  /** Worker threads started with the module (shared by the live trainers: each holds threads − 1). */
  workers: number;
  /** The instruction set of the kernels. */
  kernels: 'wasm-simd128';
  /** The Emscripten that built the module. */
  emcc: string;
  /** For engine labels: "wasm SIMD128, 2 threads" or "wasm SIMD128, 1 thread (…why)". */
  label: string;
}

/** The loaded module: the same shape as @vae/native's `NativeBinding`. */
export interface NativeWasmBinding {
  Trainer: new (init: WasmTrainerInit) => WasmTrainerHandle;
  info(): NativeWasmInfo;
  /**
   * The core's GEMM on its own (C = op(A)·op(B) + beta·C, row-major; gemm.h), for tests and
   * benchmarks: copies in, computes `repeats` times (default 1; the same product with beta 0), copies C out.
   */
  gemm(
    transA: boolean,
    transB: boolean,
    m: number,
    n: number,
    k: number,
    a: Float32Array,
    b: Float32Array,
    beta: number,
    c: Float32Array,
    repeats?: number,
  ): Float32Array;
}
