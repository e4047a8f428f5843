// The checked trainer over either build of the C++ core (the addon, or its WebAssembly build in
// @vae/native-wasm): no Node built-ins here, so browsers bundle it (`@vae/native/core`).
import { resolveModel, weightShapes, type LayerDescription, type ModelDescription } from '@vae/model/description';

export type NativeReconstruction = 'bernoulli' | 'gaussian';

/**
 * How the threads share a step (see README.md for measurements):
 * - `split`: every GEMM is cut into column blocks, one per thread, with the epilogue and the Adam
 *   update of each block done by the thread that computed it (one barrier per layer). Best for small batches.
 * - `data`: each thread runs the whole step on its slice of the batch into its own gradient buffer;
 *   one barrier, then the buffers are summed inside the Adam update. Best for large batches.
 * - `auto` (default): `split` below 256 rows, `data` from 256 rows on. Deterministic: it depends on n only.
 * - `blas`: one thread of ours, OpenBLAS' own thread pool inside each GEMM (slowest here; for comparison).
 */
export type NativeParallel = 'auto' | 'split' | 'data' | 'blas';

export interface NativeGaussianOptions {
  /** Data range; the decoder mean is lo + (hi − lo)·sigmoid(logits). Default [0, 1]. */
  range?: readonly [number, number];
  /** Fixed σ of p(x|z). Default 1. */
  sigma?: number;
  /** Add log σ + ½ log 2π per pixel. Default false. */
  includeConstant?: boolean;
}

export interface NativeVaeTrainerOptions {
  /**
   * The network, as `@vae/model` describes it (`vae.description`, `mlpDescription(…)`). The addon
   * has kernels for dense layers with `relu` or `linear` activations and refuses any other layer,
   * naming it (see `nativeDeclines`).
   */
  model: ModelDescription;
  /** Initial weights in `weightShapes(model)` order (= `vae.namedVariables()`): per layer its kernel [in, out] (row-major) then bias [out]. Copied. */
  weights: readonly Float32Array[];
  /** Adam, as tfjs' `tf.train.adam(learningRate, beta1, beta2, epsilon)`. Defaults 1e-3, 0.9, 0.999, 1e-8. */
  learningRate?: number;
  beta1?: number;
  beta2?: number;
  epsilon?: number;
  /** Weight of the KL term (β-VAE). Default 1. */
  beta?: number;
  /** Default 'bernoulli' (BCE on logits; targets must lie in [0, 1] — not checked here). */
  reconstruction?: NativeReconstruction;
  gaussian?: NativeGaussianOptions;
  /** Threads for a step. Default 1 (`NativeVaeTrainer`: min(2, available cores)). */
  threads?: number;
  /** How threads share a step (ignored with one thread). Default 'auto'. */
  parallel?: NativeParallel;
  /**
   * Let the first layer read a batch as sparse rows, skipping zero pixels, when at most half of
   * them are nonzero (MNIST in [0, 1]: about a fifth). Same results up to float32 rounding (the
   * sums run in another order); default true. False always uses the dense product.
   */
  sparseInput?: boolean;
}

/** Sums over the batch, in nats (divide by n for per-image means). */
export interface NativeEvaluation {
  /** Negative ELBO with z sampled as mu + σ·eps: recon + β·kl. */
  loss: number;
  /** Negative ELBO with z = mu. */
  lossMu: number;
  /** Reconstruction part of `loss`. */
  recon: number;
  /** KL part (not weighted by β). */
  kl: number;
}

/**
 * Adam's state, as tfjs' AdamOptimizer keeps it: `iterations` steps done, the running products
 * accBeta1 = β₁^(t+1) and accBeta2 = β₂^(t+1) (float32 values), and the moments m, v per tensor
 * in `namedVariables()` order (zeros before the first step).
 */
export interface NativeAdamState {
  iterations: number;
  accBeta1: number;
  accBeta2: number;
  m: Float32Array[];
  v: Float32Array[];
}

/**
 * What the addon is given to build its trainer (flat, every field present): the model as the
 * description's layer lists (`encoder`, `decoder`: the addon reads each layer's type, name, units
 * and activation, and refuses a layer it has no kernel for), its sizes, and the settings.
 */
export interface NativeTrainerInit {
  inputDim: number;
  encoder: readonly LayerDescription[];
  latentDim: number;
  decoder: readonly LayerDescription[];
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  beta: number;
  reconstruction: NativeReconstruction;
  gaussianLo: number;
  gaussianHi: number;
  gaussianSigma: number;
  gaussianIncludeConstant: boolean;
  threads: number;
  parallel: NativeParallel;
  /** Default true. */
  sparseInput?: boolean;
  weights: Float32Array[];
}

/**
 * Why the addon cannot train `model` (one line naming the layer), or undefined when it can: it has
 * kernels for dense layers with `relu` or `linear` activations, the Gaussian heads, and a linear
 * output layer. Throws `ModelDescriptionError` for a description that describes no model.
 */
export function nativeDeclines(model: ModelDescription): string | undefined {
  const resolved = resolveModel(model);
  for (const part of ['encoder', 'decoder'] as const) {
    for (const step of resolved[part]) {
      if (step.kind === 'reshape') return `the C++ core has kernels for dense layers only (an MLP VAE): the ${part} has a reshape layer`;
      const { layer } = step.resolved;
      if (layer.type !== 'dense') return `the C++ core has kernels for dense layers only (an MLP VAE): layer "${layer.name}" is ${layer.type}`;
    }
  }
  return undefined;
}

export interface NativeTrainerHandle {
  step(x: Float32Array, n: number, eps: Float32Array): number;
  stepRows(images: Uint8Array, rowLength: number, indices: Uint32Array, start: number, n: number, table: Float32Array, eps: Float32Array): number;
  gradients(x: Float32Array, n: number, eps: Float32Array): { loss: number; gradients: Float32Array[] };
  evaluate(x: Float32Array, n: number, eps: Float32Array): NativeEvaluation;
  logImportanceWeights(x: Float32Array, n: number, k: number, eps: Float32Array): Float32Array;
  getWeights(): Float32Array[];
  setWeights(weights: Float32Array[]): void;
  getAdamState(): NativeAdamState;
  setAdamState(state: NativeAdamState): void;
  setKlBeta(beta: number): void;
  tensorNames(): string[];
  dispose(): void;
}

/** What makes trainer handles: the addon (`loadNative()`), or its WebAssembly build (`@vae/native-wasm`). */
export interface TrainerBinding {
  Trainer: new (init: NativeTrainerInit) => NativeTrainerHandle;
}

const WHO = 'NativeVaeTrainer';

function finite(value: unknown, field: string, check: (v: number) => boolean, expected: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || !check(value)) {
    throw new RangeError(`${WHO}: ${field}: expected ${expected}, got ${JSON.stringify(value)}`);
  }
  return value;
}

function checkTensors(list: readonly Float32Array[], names: string[], shapes: number[][], field: string): Float32Array[] {
  if (!Array.isArray(list)) throw new TypeError(`${WHO}: ${field}: expected an array of ${names.length} Float32Array`);
  if (list.length !== names.length) {
    throw new RangeError(`${WHO}: ${field}: expected ${names.length} tensors (${names.join(', ')}), got ${list.length}`);
  }
  return list.map((t, i) => {
    const shape = shapes[i]!;
    const size = shape.reduce((a, b) => a * b, 1);
    if (!(t instanceof Float32Array)) throw new TypeError(`${WHO}: ${field}[${i}] (${names[i]}): expected a Float32Array`);
    if (t.length !== size) {
      throw new RangeError(`${WHO}: ${field}[${i}] (${names[i]}): has ${t.length} values, expected ${shape.join(' × ')} = ${size}`);
    }
    return t;
  });
}

/**
 * The whole training step of the MLP VAE (forward, summed loss, backward, Adam) in one call into the C++ core, through a binding of either build (the addon: `NativeVaeTrainer`).
 * Equivalent to `@vae/train`'s `trainStep` with tfjs' Adam: same loss, gradients within float32
 * rounding, and Adam's update bit-for-bit that of `tf.train.adam` given the same gradients.
 * Owns native memory and threads: call `dispose()` (the GC also frees it, later).
 */
export class FusedVaeTrainer {
  /** The network it trains (as resolved from the options: defaults filled, checked). */
  readonly model: ModelDescription;
  /** Values per image and the size of z. */
  readonly inputDim: number;
  readonly latentDim: number;
  readonly threads: number;
  readonly parallel: NativeParallel;
  readonly weightNames: readonly string[];
  private readonly shapes: number[][];
  private handle: NativeTrainerHandle | undefined;

  constructor(binding: TrainerBinding, options: NativeVaeTrainerOptions) {
    if (typeof options !== 'object' || options === null) throw new TypeError(`${WHO}: expected an options object`);
    const resolved = resolveModel(options.model);
    const declined = nativeDeclines(resolved.description);
    if (declined) throw new RangeError(`${WHO}: model: ${declined}`);
    this.model = resolved.description;
    this.inputDim = resolved.inputSize;
    this.latentDim = resolved.description.latentDim;
    const weights = weightShapes(resolved.description);
    this.weightNames = weights.map((w) => w.name);
    this.shapes = weights.map((w) => w.shape);
    const initial = checkTensors(options.weights, [...this.weightNames], this.shapes, 'weights');
    const learningRate = finite(options.learningRate ?? 1e-3, 'learningRate', (v) => v > 0, 'a number > 0');
    const beta1 = finite(options.beta1 ?? 0.9, 'beta1', (v) => v >= 0 && v < 1, 'a number in [0, 1)');
    const beta2 = finite(options.beta2 ?? 0.999, 'beta2', (v) => v >= 0 && v < 1, 'a number in [0, 1)');
    const epsilon = finite(options.epsilon ?? 1e-8, 'epsilon', (v) => v > 0, 'a number > 0');
    const beta = finite(options.beta ?? 1, 'beta', (v) => v >= 0, 'a finite number ≥ 0');
    const reconstruction = options.reconstruction ?? 'bernoulli';
    if (reconstruction !== 'bernoulli' && reconstruction !== 'gaussian') {
      throw new RangeError(`${WHO}: reconstruction: expected 'bernoulli' or 'gaussian', got ${JSON.stringify(reconstruction)}`);
    }
    const range = options.gaussian?.range ?? [0, 1];
    if (!Array.isArray(range) || range.length !== 2 || !range.every(Number.isFinite) || !(range[0] < range[1])) {
      throw new RangeError(`${WHO}: gaussian.range: expected [lo, hi] with finite lo < hi, got ${JSON.stringify(range)}`);
    }
    const sigma = finite(options.gaussian?.sigma ?? 1, 'gaussian.sigma', (v) => v > 0, 'a number > 0');
    const threads = options.threads ?? 1;
    if (!Number.isInteger(threads) || threads < 1 || threads > 64) {
      throw new RangeError(`${WHO}: threads: expected an integer in [1, 64], got ${JSON.stringify(options.threads)}`);
    }
    const parallel = options.parallel ?? 'auto';
    if (parallel !== 'auto' && parallel !== 'split' && parallel !== 'data' && parallel !== 'blas') {
      throw new RangeError(`${WHO}: parallel: expected 'auto', 'split', 'data' or 'blas', got ${JSON.stringify(parallel)}`);
    }
    const sparseInput = options.sparseInput ?? true;
    if (typeof sparseInput !== 'boolean') {
      throw new RangeError(`${WHO}: sparseInput: expected true or false, got ${JSON.stringify(options.sparseInput)}`);
    }
    this.threads = threads;
    this.parallel = parallel;
    this.handle = new binding.Trainer({
      inputDim: this.inputDim,
      latentDim: this.latentDim,
      encoder: resolved.description.encoder,
      decoder: resolved.description.decoder,
      learningRate,
      beta1,
      beta2,
      epsilon,
      beta,
      reconstruction,
      gaussianLo: range[0],
      gaussianHi: range[1],
      gaussianSigma: sigma,
      gaussianIncludeConstant: options.gaussian?.includeConstant === true,
      threads,
      parallel,
      sparseInput,
      weights: initial,
    });
  }

  /**
   * One Adam step on rows x [n, inputDim] (row-major) with reparameterization noise eps [n, latentDim];
   * returns the loss summed over the batch (before the update), in nats. n may change from call to call.
   */
  step(x: Float32Array, n: number, eps: Float32Array): number {
    this.checkBatch('step', x, n, eps);
    return this.live().step(x, n, eps);
  }

  /**
   * `step` on rows the trainer gathers itself: row i of the batch is image `indices[start + i]` of
   * `images` (`[count, rowLength]` bytes, e.g. an MNIST split's pixels), each pixel v becoming
   * `table[v]` (a 256-entry lookup table, e.g. `normalizationTable` of `@vae/data`). The trainer's
   * threads gather straight into its own input buffer, so nothing is copied through JS; the result
   * (loss and weights) is bit-identical to `step` on the same rows. rowLength must equal inputDim.
   */
  stepRows(images: Uint8Array, rowLength: number, indices: Uint32Array, start: number, n: number, table: Float32Array, eps: Float32Array): number {
    const who = `${WHO}.stepRows`;
    const { inputDim, latentDim } = this;
    if (!(images instanceof Uint8Array)) throw new TypeError(`${who}: images: expected a Uint8Array`);
    if (rowLength !== inputDim) throw new RangeError(`${who}: rowLength: is ${JSON.stringify(rowLength)}, expected inputDim = ${inputDim}`);
    if (!(indices instanceof Uint32Array)) throw new TypeError(`${who}: indices: expected a Uint32Array`);
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 1) throw new RangeError(`${who}: n: expected a positive integer, got ${JSON.stringify(n)}`);
    if (typeof start !== 'number' || !Number.isInteger(start) || start < 0 || start + n > indices.length) {
      throw new RangeError(`${who}: start: expected an integer with 0 <= start and start + n <= indices.length = ${indices.length} (n = ${n}), got ${JSON.stringify(start)}`);
    }
    if (!(table instanceof Float32Array)) throw new TypeError(`${who}: table: expected a Float32Array`);
    if (table.length !== 256) throw new RangeError(`${who}: table: has ${table.length} values, expected 256 (one per pixel value)`);
    if (!(eps instanceof Float32Array)) throw new TypeError(`${who}: eps: expected a Float32Array`);
    if (eps.length !== n * latentDim) {
      throw new RangeError(`${who}: eps: has ${eps.length} values, expected n × latentDim = ${n} × ${latentDim} = ${n * latentDim}`);
    }
    // The addon checks every index against images.length / rowLength (it must, to stay memory-safe).
    return this.live().stepRows(images, rowLength, indices, start, n, table, eps);
  }

  /** The summed loss and its gradients dL/dθ in `namedVariables()` order; changes nothing. */
  gradients(x: Float32Array, n: number, eps: Float32Array): { loss: number; gradients: Float32Array[] } {
    this.checkBatch('gradients', x, n, eps);
    return this.live().gradients(x, n, eps);
  }

  /** Loss terms summed over the batch (like `@vae/train`'s `evaluate`, before dividing by the count); changes nothing. */
  evaluate(x: Float32Array, n: number, eps: Float32Array): NativeEvaluation {
    this.checkBatch('evaluate', x, n, eps);
    return this.live().evaluate(x, n, eps);
  }

  /**
   * Log importance weights of `k` draws for each of `n` images, in nats:
   * log p(x|z) + log N(z; 0, I) − log N(z; μ, diag σ²) with z = μ + σ·eps, where log p(x|z) is minus
   * the reconstruction loss this trainer uses (Bernoulli, or Gaussian with its options). As
   * `@vae/loss`' importance-weighted bound computes them, on caller-supplied noise.
   * x: `[n, inputDim]`; eps: `[n·k, latentDim]` image-major (rows i·k … i·k + k − 1 are image i's);
   * returns `[n·k]` in the same order. Each image is encoded once and its k decoder passes run in
   * blocks of 256 rows on all threads; the result does not depend on the thread count. Changes nothing.
   */
  logImportanceWeights(x: Float32Array, n: number, k: number, eps: Float32Array): Float32Array {
    const who = `${WHO}.logImportanceWeights`;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 1) throw new RangeError(`${who}: n: expected a positive integer, got ${JSON.stringify(n)}`);
    if (typeof k !== 'number' || !Number.isInteger(k) || k < 1) throw new RangeError(`${who}: k: expected a positive integer, got ${JSON.stringify(k)}`);
    if (n * k > 0x7fffffff) throw new RangeError(`${who}: n × k: is ${n} × ${k} = ${n * k}, at most ${0x7fffffff} draws per call`);
    const { inputDim, latentDim } = this;
    if (!(x instanceof Float32Array)) throw new TypeError(`${who}: x: expected a Float32Array`);
    if (x.length !== n * inputDim) {
      throw new RangeError(`${who}: x: has ${x.length} values, expected n × inputDim = ${n} × ${inputDim} = ${n * inputDim}`);
    }
    if (!(eps instanceof Float32Array)) throw new TypeError(`${who}: eps: expected a Float32Array`);
    if (eps.length !== n * k * latentDim) {
      throw new RangeError(`${who}: eps: has ${eps.length} values, expected n × k × latentDim = ${n} × ${k} × ${latentDim} = ${n * k * latentDim}`);
    }
    return this.live().logImportanceWeights(x, n, k, eps);
  }

  /** Copies of the weights in `namedVariables()` order. */
  getWeights(): Float32Array[] {
    return this.live().getWeights();
  }

  /** Replaces all weights (checked first: a bad list changes nothing). Adam's state is kept. */
  setWeights(weights: readonly Float32Array[]): void {
    const live = this.live();
    live.setWeights(checkTensors(weights, [...this.weightNames], this.shapes, 'weights'));
  }

  /** A copy of Adam's state (see `NativeAdamState`). */
  getAdamState(): NativeAdamState {
    return this.live().getAdamState();
  }

  /** Restores what `getAdamState` returned; the run then continues bit-identically. */
  setAdamState(state: NativeAdamState): void {
    const live = this.live();
    if (typeof state !== 'object' || state === null) throw new TypeError(`${WHO}: setAdamState: expected a state object`);
    const { iterations, accBeta1, accBeta2 } = state;
    if (!Number.isInteger(iterations) || iterations < 0) {
      throw new RangeError(`${WHO}: setAdamState: iterations: expected an integer ≥ 0, got ${JSON.stringify(iterations)}`);
    }
    finite(accBeta1, 'setAdamState: accBeta1', (v) => v >= 0 && v < 1, 'a number in [0, 1)');
    finite(accBeta2, 'setAdamState: accBeta2', (v) => v >= 0 && v < 1, 'a number in [0, 1)');
    const m = checkTensors(state.m, [...this.weightNames], this.shapes, 'setAdamState: m');
    const v = checkTensors(state.v, [...this.weightNames], this.shapes, 'setAdamState: v');
    live.setAdamState({ iterations, accBeta1, accBeta2, m, v });
  }

  /**
   * The weight β of the KL term in the steps and evaluations from now on (KL warm-up changes it
   * between steps): the trainer then computes exactly what a new one made with this `beta` would.
   */
  setKlBeta(beta: number): void {
    const live = this.live();
    live.setKlBeta(finite(beta, 'setKlBeta: beta', (v) => v >= 0, 'a finite number ≥ 0'));
  }

  /** Frees native memory and stops the helper thread; the trainer is unusable afterwards. Idempotent. */
  dispose(): void {
    this.handle?.dispose();
    this.handle = undefined;
  }

  get disposed(): boolean {
    return this.handle === undefined;
  }

  private live(): NativeTrainerHandle {
    if (!this.handle) throw new Error(`${WHO}: used after dispose()`);
    return this.handle;
  }

  private checkBatch(method: string, x: Float32Array, n: number, eps: Float32Array): void {
    const who = `${WHO}.${method}`;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 1) throw new RangeError(`${who}: n: expected a positive integer, got ${JSON.stringify(n)}`);
    const { inputDim, latentDim } = this;
    if (!(x instanceof Float32Array)) throw new TypeError(`${who}: x: expected a Float32Array`);
    if (x.length !== n * inputDim) {
      throw new RangeError(`${who}: x: has ${x.length} values, expected n × inputDim = ${n} × ${inputDim} = ${n * inputDim}`);
    }
    if (!(eps instanceof Float32Array)) throw new TypeError(`${who}: eps: expected a Float32Array`);
    if (eps.length !== n * latentDim) {
      throw new RangeError(`${who}: eps: has ${eps.length} values, expected n × latentDim = ${n} × ${latentDim} = ${n * latentDim}`);
    }
  }
}
