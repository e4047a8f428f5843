// The trainer handle: the addon's `Trainer` methods over the wasm build's C entry points. Arrays
// are copied into heap buffers each trainer keeps (grown as batches grow) and results copied out.
// Every argument is checked first, with the addon's messages, so a rejected call changes nothing.
import { Heap, Scratch, type EmscriptenModule } from './module.js';
import type { WasmAdamState, WasmEvaluation, WasmTrainerHandle, WasmTrainerInit } from './types.js';

/** What the trainers of one loaded module share: the module, its heap and its worker threads. */
export interface ModuleContext {
  module: EmscriptenModule;
  heap: Heap;
  /** The most threads a trainer may use. */
  maxThreads: number;
  /** Why maxThreads is 1 although more were asked for; trainers asking for more then run one thread. */
  threadsUnavailable: string | undefined;
  /** Workers not held by a live trainer (each trainer of T threads holds T − 1 while it lives). */
  freeWorkers: number;
}

const PARALLEL = { split: 0, data: 1, auto: 2 } as const;

function fail(message: string, range = true): never {
  throw range ? new RangeError(message) : new TypeError(message);
}

function integer(value: unknown, what: string, min: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > 1e9) fail(`${what}: expected an integer ≥ ${min}, got ${String(value)}`);
  return value;
}

function finiteNumber(value: unknown, what: string): number {
  if (typeof value !== 'number' || Number.isNaN(value)) fail(`${what}: expected a number, got ${String(value)}`, false);
  return value;
}

function floats(value: unknown, expected: number, what: string): Float32Array {
  if (!(value instanceof Float32Array)) fail(`${what}: expected a Float32Array`, false);
  if (value.length !== expected) fail(`${what}: has ${value.length} values, expected ${expected}`);
  return value;
}

/** What a trainer holds in the module: the C++ trainer, its heap buffers, the workers its threads use. */
interface NativeParts {
  ptr: number;
  buffers: Scratch[];
  result: number;
  workers: number;
  context: ModuleContext;
}

/** Deletes the C++ trainer (its helper threads exit, their workers go back to the pool) and frees its buffers; once. */
function releaseNative(parts: NativeParts): void {
  if (!parts.ptr) return;
  parts.context.module._vae_trainer_delete(parts.ptr);
  parts.ptr = 0;
  parts.context.freeWorkers += parts.workers;
  for (const b of parts.buffers) b.free();
  parts.context.module._free(parts.result);
}

// Frees what a handle holds if it is collected without dispose() (the held value must not reference the handle).
const finalizer = new FinalizationRegistry<NativeParts>(releaseNative);

export class WasmTrainer implements WasmTrainerHandle {
  readonly threads: number;
  private readonly parts: NativeParts;
  private readonly context: ModuleContext;
  private readonly inputDim: number;
  private readonly latentDim: number;
  private readonly sizes: number[];
  private readonly names: string[];
  // Heap buffers: the batch, the noise, results (loss, evaluation, Adam's scalars), stepRows'
  // gathered rows, their indices and the normalization table.
  private readonly x: Scratch;
  private readonly eps: Scratch;
  private readonly out: Scratch;
  private readonly rows: Scratch;
  private readonly rowIndices: Scratch;
  private readonly table: Scratch;
  private readonly result: number;

  constructor(context: ModuleContext, init: WasmTrainerInit) {
    const { module, heap } = context;
    if (typeof init !== 'object' || init === null) fail('Trainer: expected an options object', false);
    const inputDim = integer(init.inputDim, 'inputDim', 1);
    const latentDim = integer(init.latentDim, 'latentDim', 1);
    const threadsAsked = integer(init.threads, 'threads', 1);
    if (threadsAsked > 64) fail('threads: at most 64');
    let threads = threadsAsked;
    if (threads > context.maxThreads) {
      // Without shared memory the module runs one thread and says so in info(); otherwise asking
      // for more threads than it was loaded with is a mistake to report, not to paper over.
      if (context.threadsUnavailable === undefined) {
        fail(`threads: is ${threads}, but this module was loaded for at most ${context.maxThreads} (loadNativeWasm({ threads: ${threads} }))`);
      }
      threads = 1;
    }
    if (threads - 1 > context.freeWorkers) {
      fail(
        `threads: ${threads} needs ${threads - 1} free worker thread${threads === 2 ? '' : 's'}, the module has ${context.freeWorkers} left: dispose() other trainers, or load it with loadNativeWasm({ workers }) for more at once`,
      );
    }
    const parallel = init.parallel as string;
    if (parallel === 'blas') fail("parallel: 'blas' needs OpenBLAS' thread pool, which the wasm build has not: use 'auto', 'split' or 'data'");
    if (!(parallel in PARALLEL)) fail("parallel: expected 'auto', 'split' or 'data'");
    const recon = init.reconstruction as string;
    if (recon !== 'bernoulli' && recon !== 'gaussian') fail("reconstruction: expected 'bernoulli' or 'gaussian'");
    for (const key of ['encoder', 'decoder'] as const) {
      if (!Array.isArray(init[key])) {
        fail(`${key}: expected an array of layers ({ type, units, activation, name? })${(init as unknown as Record<string, unknown>)[`${key}Hidden`] ? ` (the ${key}Hidden widths form is not taken: pass layer lists)` : ''}`, false);
      }
    }
    const options = module._vae_options_new(
      inputDim,
      latentDim,
      finiteNumber(init.learningRate, 'learningRate'),
      finiteNumber(init.beta1, 'beta1'),
      finiteNumber(init.beta2, 'beta2'),
      finiteNumber(init.epsilon, 'epsilon'),
      finiteNumber(init.beta, 'beta'),
      recon === 'gaussian' ? 1 : 0,
      finiteNumber(init.gaussianLo, 'gaussianLo'),
      finiteNumber(init.gaussianHi, 'gaussianHi'),
      finiteNumber(init.gaussianSigma, 'gaussianSigma'),
      init.gaussianIncludeConstant ? 1 : 0,
      threads,
      PARALLEL[parallel as keyof typeof PARALLEL],
      init.sparseInput === false ? 0 : 1,
    );
    let ptr = 0;
    try {
      for (const key of ['encoder', 'decoder'] as const) {
        init[key].forEach((layer, i) => {
          const where = `${key}[${i}]`;
          if (typeof layer !== 'object' || layer === null) fail(`${where}: expected a layer object`, false);
          if (typeof layer.type !== 'string') fail(`${where}.type: expected a string`, false);
          let units = 0;
          let activation = '';
          if (layer.type === 'dense') {
            units = integer(layer.units, `${where}.units`, 1);
            if (typeof layer.activation !== 'string') fail(`${where}.activation: expected a string`, false);
            activation = layer.activation;
          }
          const strings = [layer.type, activation, typeof layer.name === 'string' ? layer.name : ''].map((s) => heap.string(s));
          module._vae_options_add_layer(options, key === 'decoder' ? 1 : 0, strings[0]!, units, strings[1]!, strings[2]!);
          for (const s of strings) module._free(s);
        });
      }
      ptr = module._vae_trainer_new(options);
    } finally {
      module._vae_options_delete(options);
    }
    if (!ptr) fail(module.UTF8ToString(module._vae_last_error()));

    const count = module._vae_tensor_count(ptr);
    this.sizes = Array.from({ length: count }, (_, i) => module._vae_tensor_size(ptr, i));
    this.names = Array.from({ length: count }, (_, i) => module.UTF8ToString(module._vae_tensor_name(ptr, i)));
    this.context = context;
    this.inputDim = inputDim;
    this.latentDim = latentDim;
    this.threads = threads;
    this.x = new Scratch(module);
    this.eps = new Scratch(module);
    this.out = new Scratch(module);
    this.rows = new Scratch(module);
    this.rowIndices = new Scratch(module);
    this.table = new Scratch(module);
    this.result = module._malloc(64);
    context.freeWorkers -= threads - 1;
    this.parts = {
      ptr,
      buffers: [this.x, this.eps, this.out, this.rows, this.rowIndices, this.table],
      result: this.result,
      workers: threads - 1,
      context,
    };
    try {
      if (!Array.isArray(init.weights)) fail('weights: expected an array', false);
      if (init.weights.length !== count) fail(`weights: expected ${count} tensors, got ${init.weights.length}`);
      this.setList(init.weights, 'weights', (i, src) => module._vae_set_tensor(ptr, i, src));
    } catch (error) {
      releaseNative(this.parts);
      throw error;
    }
    finalizer.register(this, this.parts, this);
  }

  private get live(): number {
    if (!this.parts.ptr) fail('NativeVaeTrainer: used after dispose()', false);
    return this.parts.ptr;
  }

  /** Copies the batch and noise in, checking their sizes. */
  private batch(x: Float32Array, n: number, eps: Float32Array): { x: number; n: number; eps: number } {
    integer(n, 'n', 1);
    floats(x, n * this.inputDim, 'x');
    floats(eps, n * this.latentDim, 'eps');
    const xPtr = this.x.reserve(x.byteLength);
    const epsPtr = this.eps.reserve(eps.byteLength);
    this.context.heap.putFloats(xPtr, x);
    this.context.heap.putFloats(epsPtr, eps);
    return { x: xPtr, n, eps: epsPtr };
  }

  private check(status: number): void {
    if (status !== 0) fail(this.context.module.UTF8ToString(this.context.module._vae_last_error()));
  }

  private get loss(): number {
    return this.context.heap.F64[this.result >>> 3]!;
  }

  step(x: Float32Array, n: number, eps: Float32Array): number {
    const t = this.live;
    const b = this.batch(x, n, eps);
    this.check(this.context.module._vae_step(t, b.x, b.n, b.eps, this.result));
    return this.loss;
  }

  // The rows of the batch are copied into the heap (n × rowLength bytes), not the whole image set:
  // the trainer then reads row i from index i — the same rows, gathered and normalized by its own
  // threads, as the addon's stepRows.
  stepRows(images: Uint8Array, rowLength: number, indices: Uint32Array, start: number, n: number, table: Float32Array, eps: Float32Array): number {
    const t = this.live;
    if (!(images instanceof Uint8Array)) fail('images: expected a Uint8Array', false);
    integer(rowLength, 'rowLength', 1);
    if (rowLength !== this.inputDim) fail(`rowLength: is ${rowLength}, expected inputDim = ${this.inputDim}`);
    if (!(indices instanceof Uint32Array)) fail('indices: expected a Uint32Array', false);
    integer(start, 'start', 0);
    integer(n, 'n', 1);
    if (start + n > indices.length) fail(`start + n: is ${start} + ${n}, beyond indices.length = ${indices.length}`);
    floats(table, 256, 'table');
    floats(eps, n * this.latentDim, 'eps');
    const rows = Math.floor(images.length / rowLength);
    for (let i = 0; i < n; i++) {
      const index = indices[start + i]!;
      if (index >= rows) {
        fail(`NativeVaeTrainer.stepRows: indices[${start + i}]: is ${index}, out of range for images of ${rows} rows (images.length / rowLength)`);
      }
    }
    const heap = this.context.heap;
    const rowsPtr = this.rows.reserve(n * rowLength);
    const indicesPtr = this.rowIndices.reserve(n * 4);
    const tablePtr = this.table.reserve(256 * 4);
    const epsPtr = this.eps.reserve(eps.byteLength);
    const u8 = heap.U8;
    for (let i = 0; i < n; i++) {
      const from = indices[start + i]! * rowLength;
      u8.set(images.subarray(from, from + rowLength), rowsPtr + i * rowLength);
    }
    const u32 = heap.U32;
    for (let i = 0; i < n; i++) u32[(indicesPtr >>> 2) + i] = i;
    heap.putFloats(tablePtr, table);
    heap.putFloats(epsPtr, eps);
    this.check(this.context.module._vae_step_rows(t, rowsPtr, indicesPtr, tablePtr, n, epsPtr, this.result));
    return this.loss;
  }

  gradients(x: Float32Array, n: number, eps: Float32Array): { loss: number; gradients: Float32Array[] } {
    const t = this.live;
    const b = this.batch(x, n, eps);
    this.check(this.context.module._vae_gradients(t, b.x, b.n, b.eps, this.result));
    const loss = this.loss;
    return { loss, gradients: this.getList((i, dst) => this.context.module._vae_get_gradient(t, i, dst)) };
  }

  evaluate(x: Float32Array, n: number, eps: Float32Array): WasmEvaluation {
    const t = this.live;
    const b = this.batch(x, n, eps);
    this.check(this.context.module._vae_evaluate(t, b.x, b.n, b.eps, this.result));
    const f64 = this.context.heap.F64;
    const at = this.result >>> 3;
    return { loss: f64[at]!, lossMu: f64[at + 1]!, recon: f64[at + 2]!, kl: f64[at + 3]! };
  }

  logImportanceWeights(x: Float32Array, n: number, k: number, eps: Float32Array): Float32Array {
    const t = this.live;
    integer(n, 'n', 1);
    integer(k, 'k', 1);
    const rows = n * k;
    if (rows > 0x7fffffff) fail(`n × k: is ${rows}, at most 2147483647`);
    floats(x, n * this.inputDim, 'x');
    floats(eps, rows * this.latentDim, 'eps');
    const heap = this.context.heap;
    const xPtr = this.x.reserve(x.byteLength);
    const epsPtr = this.eps.reserve(eps.byteLength);
    const outPtr = this.out.reserve(rows * 4);
    heap.putFloats(xPtr, x);
    heap.putFloats(epsPtr, eps);
    this.check(this.context.module._vae_log_importance_weights(t, xPtr, n, k, epsPtr, outPtr));
    return heap.floats(outPtr, rows);
  }

  /** One tensor list out, through a heap buffer the size of the largest tensor. */
  private getList(read: (i: number, dst: number) => void): Float32Array[] {
    const ptr = this.out.reserve(Math.max(...this.sizes) * 4);
    return this.sizes.map((size, i) => {
      read(i, ptr);
      return this.context.heap.floats(ptr, size);
    });
  }

  /** Checks every tensor of `list` first, then copies each in. */
  private checkList(list: unknown, what: string): Float32Array[] {
    if (!Array.isArray(list)) fail(`${what}: expected an array`, false);
    if (list.length !== this.sizes.length) fail(`${what}: expected ${this.sizes.length} tensors, got ${list.length}`);
    return list.map((t, i) => floats(t, this.sizes[i]!, `${what}[${i}] (${this.names[i]})`));
  }
  private setList(list: unknown, what: string, write: (i: number, src: number) => void): void {
    const checked = this.checkList(list, what);
    const ptr = this.out.reserve(Math.max(...this.sizes) * 4);
    checked.forEach((t, i) => {
      this.context.heap.putFloats(ptr, t);
      write(i, ptr);
    });
  }

  getWeights(): Float32Array[] {
    const t = this.live;
    return this.getList((i, dst) => this.context.module._vae_get_tensor(t, i, dst));
  }

  setWeights(weights: Float32Array[]): void {
    const t = this.live;
    this.setList(weights, 'weights', (i, src) => this.context.module._vae_set_tensor(t, i, src));
  }

  getAdamState(): WasmAdamState {
    const t = this.live;
    const module = this.context.module;
    module._vae_get_adam_scalars(t, this.result);
    const f64 = this.context.heap.F64;
    const at = this.result >>> 3;
    const [iterations, accBeta1, accBeta2] = [f64[at]!, f64[at + 1]!, f64[at + 2]!];
    return {
      iterations,
      accBeta1,
      accBeta2,
      m: this.getList((i, dst) => module._vae_get_moment(t, 0, i, dst)),
      v: this.getList((i, dst) => module._vae_get_moment(t, 1, i, dst)),
    };
  }

  setAdamState(state: WasmAdamState): void {
    const t = this.live;
    const module = this.context.module;
    if (typeof state !== 'object' || state === null) fail('setAdamState: expected a state object', false);
    const iterations = finiteNumber(state.iterations, 'iterations');
    if (!(iterations >= 0) || !Number.isInteger(iterations)) fail('iterations: expected an integer ≥ 0');
    const accBeta1 = finiteNumber(state.accBeta1, 'accBeta1');
    const accBeta2 = finiteNumber(state.accBeta2, 'accBeta2');
    this.checkList(state.m, 'm');
    this.checkList(state.v, 'v');
    this.setList(state.m, 'm', (i, src) => module._vae_set_moment(t, 0, i, src));
    this.setList(state.v, 'v', (i, src) => module._vae_set_moment(t, 1, i, src));
    module._vae_set_adam_scalars(t, iterations, accBeta1, accBeta2);
  }

  setKlBeta(beta: number): void {
    this.context.module._vae_set_kl_beta(this.live, finiteNumber(beta, 'beta'));
  }

  tensorNames(): string[] {
    this.live;
    return [...this.names];
  }

  dispose(): void {
    finalizer.unregister(this);
    releaseNative(this.parts);
  }
}
