// The Emscripten module as the binding uses it: the C entry points of cc/wasm-api.cc (pointers
// are numbers into the heap) and views of its memory that follow its growth.

/** The instance Emscripten's factory resolves to (only what the binding uses). */
export interface EmscriptenModule {
  _malloc(bytes: number): number;
  _free(ptr: number): void;
  UTF8ToString(ptr: number): string;
  stringToUTF8(text: string, ptr: number, maxBytes: number): void;
  lengthBytesUTF8(text: string): number;
  HEAPU8: Uint8Array<ArrayBufferLike>;
  /** Set by the threads build; its buffer grows (a new SharedArrayBuffer) when the heap does. */
  wasmMemory?: WebAssembly.Memory;
  /** The threads build's worker pool (Node: worker_threads `Worker`s). */
  PThread?: { unusedWorkers: unknown[]; runningWorkers: unknown[] };
  _vae_last_error(): number;
  _vae_has_threads(): number;
  _vae_options_new(...args: number[]): number;
  _vae_options_add_layer(options: number, decoder: number, type: number, units: number, activation: number, name: number): void;
  _vae_options_delete(options: number): void;
  _vae_trainer_new(options: number): number;
  _vae_trainer_delete(trainer: number): void;
  _vae_tensor_count(trainer: number): number;
  _vae_tensor_size(trainer: number, i: number): number;
  _vae_tensor_name(trainer: number, i: number): number;
  _vae_set_tensor(trainer: number, i: number, src: number): void;
  _vae_get_tensor(trainer: number, i: number, dst: number): void;
  _vae_set_moment(trainer: number, second: number, i: number, src: number): void;
  _vae_get_moment(trainer: number, second: number, i: number, dst: number): void;
  _vae_get_gradient(trainer: number, i: number, dst: number): void;
  _vae_get_adam_scalars(trainer: number, out: number): void;
  _vae_set_adam_scalars(trainer: number, iterations: number, accBeta1: number, accBeta2: number): void;
  _vae_set_kl_beta(trainer: number, beta: number): void;
  _vae_step(trainer: number, x: number, n: number, eps: number, loss: number): number;
  _vae_step_rows(trainer: number, images: number, indices: number, table: number, n: number, eps: number, loss: number): number;
  _vae_gradients(trainer: number, x: number, n: number, eps: number, loss: number): number;
  _vae_evaluate(trainer: number, x: number, n: number, eps: number, out: number): number;
  _vae_log_importance_weights(trainer: number, x: number, n: number, k: number, eps: number, out: number): number;
  _vae_gemm(
    transA: number,
    transB: number,
    m: number,
    n: number,
    k: number,
    a: number,
    lda: number,
    b: number,
    ldb: number,
    beta: number,
    c: number,
    ldc: number,
  ): void;
}

/** Typed views of the module's memory, made again whenever the memory has grown. */
export class Heap {
  private buffer: ArrayBufferLike | undefined;
  private u8: Uint8Array<ArrayBufferLike> = new Uint8Array(0);
  private f32: Float32Array<ArrayBufferLike> = new Float32Array(0);
  private f64: Float64Array<ArrayBufferLike> = new Float64Array(0);
  private u32: Uint32Array<ArrayBufferLike> = new Uint32Array(0);

  constructor(private readonly module: EmscriptenModule) {}

  private refresh(): void {
    const buffer = this.module.wasmMemory?.buffer ?? this.module.HEAPU8.buffer;
    if (buffer === this.buffer) return;
    this.buffer = buffer;
    this.u8 = new Uint8Array(buffer);
    this.f32 = new Float32Array(buffer);
    this.f64 = new Float64Array(buffer);
    this.u32 = new Uint32Array(buffer);
  }
  get U8(): Uint8Array<ArrayBufferLike> {
    this.refresh();
    return this.u8;
  }
  get F32(): Float32Array<ArrayBufferLike> {
    this.refresh();
    return this.f32;
  }
  get F64(): Float64Array<ArrayBufferLike> {
    this.refresh();
    return this.f64;
  }
  get U32(): Uint32Array<ArrayBufferLike> {
    this.refresh();
    return this.u32;
  }

  /** Copies `values` to the heap at `ptr` (4-byte aligned). */
  putFloats(ptr: number, values: Float32Array): void {
    this.F32.set(values, ptr >>> 2);
  }
  /** A copy of `length` floats at `ptr`. */
  floats(ptr: number, length: number): Float32Array {
    return new Float32Array(this.F32.subarray(ptr >>> 2, (ptr >>> 2) + length));
  }

  /** A NUL-terminated copy of `text` (free it with _free). */
  string(text: string): number {
    const bytes = this.module.lengthBytesUTF8(text) + 1;
    const ptr = this.module._malloc(bytes);
    this.module.stringToUTF8(text, ptr, bytes);
    return ptr;
  }
}

/** A heap allocation that grows to what each call needs (contents are not kept across growth). */
export class Scratch {
  ptr = 0;
  private bytes = 0;
  constructor(private readonly module: EmscriptenModule) {}
  /** At least `bytes` bytes, 16-byte aligned (malloc's alignment). */
  reserve(bytes: number): number {
    if (bytes > this.bytes) {
      if (this.ptr) this.module._free(this.ptr);
      this.ptr = this.module._malloc(bytes);
      if (!this.ptr) {
        this.bytes = 0;
        throw new RangeError(`NativeVaeTrainer: out of memory: the WebAssembly heap cannot grow by ${bytes} bytes (use smaller batches)`);
      }
      this.bytes = bytes;
    }
    return this.ptr;
  }
  free(): void {
    if (this.ptr) this.module._free(this.ptr);
    this.ptr = 0;
    this.bytes = 0;
  }
}
