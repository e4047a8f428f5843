// Loading the module: the threads build where there is shared memory (Node; a cross-origin-isolated
// page), else the one-thread build, with the reason kept for info(). In Node the .wasm is read from
// wasm/ beside dist/ and the glue is handed `require` (it is Emscripten's Node code in an ES
// module); in a browser the files are fetched from where the bundler put them. Node built-ins are
// imported only on the Node path, under a specifier bundlers leave alone.
import buildInfo from '../wasm/build-info.json';
import { Heap, type EmscriptenModule } from './module.js';
import { WasmTrainer, type ModuleContext } from './trainer.js';
import type { NativeWasmBinding, NativeWasmInfo, WasmTrainerInit } from './types.js';

export interface LoadNativeWasmOptions {
  /**
   * The most threads a trainer may use (default: 2, or 1 on a one-core machine). With more than 1
   * the threads build is loaded, which needs SharedArrayBuffer; where there is none (a page
   * without cross-origin isolation) the one-thread build is loaded and `info().threadsUnavailable` says why.
   */
  threads?: number;
  /**
   * Worker threads to start with the module (default threads − 1: one trainer at a time). Each
   * live trainer of T threads holds T − 1 of them.
   */
  workers?: number;
}

interface Glue {
  default: (settings: Record<string, unknown>) => Promise<EmscriptenModule>;
  provideNodeRequire?: (require: unknown, directory: string) => void;
}

const isNode = typeof process === 'object' && typeof process.versions?.node === 'string';

/** Node's built-in modules, imported so that bundlers for the browser neither follow nor stub them. */
function nodeBuiltin<T>(name: string): Promise<T> {
  return import(/* @vite-ignore */ `node:${name}`) as Promise<T>;
}

async function hardwareConcurrency(): Promise<number> {
  const fromNavigator = (globalThis.navigator as { hardwareConcurrency?: number } | undefined)?.hardwareConcurrency;
  if (fromNavigator) return fromNavigator;
  return isNode ? (await nodeBuiltin<typeof import('node:os')>('os')).availableParallelism() : 1;
}

/** Why this environment cannot run the threads build, or undefined. */
function threadsUnavailable(): string | undefined {
  if (typeof SharedArrayBuffer === 'undefined') {
    return (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === false
      ? 'no SharedArrayBuffer: the page is not cross-origin isolated (serve it with Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp)'
      : 'no SharedArrayBuffer in this JavaScript environment';
  }
  return undefined;
}

async function instantiate(threaded: boolean, workers: number): Promise<EmscriptenModule> {
  const name = threaded ? 'vae-wasm-threads' : 'vae-wasm';
  // Static specifiers, so a bundler finds and emits the glue and the .wasm.
  const glue: Glue = threaded ? await import('../wasm/vae-wasm-threads.mjs') : await import('../wasm/vae-wasm.mjs');
  const wasmUrl = threaded ? new URL('../wasm/vae-wasm-threads.wasm', import.meta.url) : new URL('../wasm/vae-wasm.wasm', import.meta.url);
  const settings: Record<string, unknown> = { vaeWorkers: workers };
  if (isNode && wasmUrl.protocol === 'file:') {
    const [{ readFileSync }, { createRequire }, { fileURLToPath }] = await Promise.all([
      nodeBuiltin<typeof import('node:fs')>('fs'),
      nodeBuiltin<typeof import('node:module')>('module'),
      nodeBuiltin<typeof import('node:url')>('url'),
    ]);
    const wasmFile = fileURLToPath(wasmUrl);
    glue.provideNodeRequire?.(createRequire(wasmFile), fileURLToPath(new URL('.', wasmUrl)));
    settings.wasmBinary = readFileSync(wasmFile);
  } else {
    // Fetched here rather than through a `locateFile` setting: with one, Emscripten would also look
    // for the pthread worker script by its unbundled name, instead of the `new URL(…, import.meta.url)`
    // that bundlers rewrite.
    const response = await fetch(wasmUrl);
    if (!response.ok) throw new Error(`@vae/native-wasm: ${wasmUrl.href}: HTTP ${response.status} (is the .wasm served beside the bundle?)`);
    settings.wasmBinary = await response.arrayBuffer();
  }
  try {
    const module = await glue.default(settings);
    // In Node the pool's workers are worker_threads, which would keep the process alive after its
    // last trainer (a CLI would never exit): a trainer's step blocks the main thread while they
    // compute, so they need no event loop of their own.
    if (isNode) for (const worker of [...(module.PThread?.unusedWorkers ?? []), ...(module.PThread?.runningWorkers ?? [])]) (worker as { unref?: () => void }).unref?.();
    return module;
  } catch (error) {
    throw new Error(`@vae/native-wasm: ${name}.wasm did not load: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/**
 * Loads the WebAssembly build of the trainer (async: compiling and starting workers). The binding
 * has the shape of @vae/native's addon (`NativeBinding`): `new binding.Trainer(init)` with the
 * model as `encoder` / `decoder` layer lists.
 */
export async function loadNativeWasm(options: LoadNativeWasmOptions = {}): Promise<NativeWasmBinding> {
  const requested = options.threads ?? Math.min(2, await hardwareConcurrency());
  if (!Number.isInteger(requested) || requested < 1 || requested > 64) {
    throw new RangeError(`loadNativeWasm: threads: expected an integer from 1 to 64, got ${String(requested)}`);
  }
  const unavailable = requested > 1 ? threadsUnavailable() : undefined;
  const threaded = requested > 1 && unavailable === undefined;
  const workers = threaded ? (options.workers ?? requested - 1) : 0;
  if (!Number.isInteger(workers) || workers < 0 || workers > 256) {
    throw new RangeError(`loadNativeWasm: workers: expected an integer from 0 to 256, got ${String(options.workers)}`);
  }
  const module = await instantiate(threaded, workers);
  const maxThreads = threaded ? requested : 1;
  const context: ModuleContext = { module, heap: new Heap(module), maxThreads, threadsUnavailable: unavailable, freeWorkers: workers };
  const info: NativeWasmInfo = {
    build: 'wasm',
    module: threaded ? 'vae-wasm-threads' : 'vae-wasm',
    threads: maxThreads,
    threadsRequested: requested,
    ...(unavailable ? { threadsUnavailable: unavailable } : {}),
    workers,
    kernels: 'wasm-simd128',
    emcc: buildInfo.emcc,
    label: `wasm SIMD128, ${maxThreads} thread${maxThreads === 1 ? '' : 's'}${unavailable ? ` (${requested} asked: ${unavailable})` : ''}`,
  };
  return {
    Trainer: class extends WasmTrainer {
      constructor(init: WasmTrainerInit) {
        super(context, init);
      }
    },
    info: () => ({ ...info }),
    gemm: (transA, transB, m, n, k, a, b, beta, c, repeats = 1) => gemm(context, transA, transB, m, n, k, a, b, beta, c, repeats),
  };
}

function gemm(
  { module, heap }: ModuleContext,
  transA: boolean,
  transB: boolean,
  m: number,
  n: number,
  k: number,
  a: Float32Array,
  b: Float32Array,
  beta: number,
  c: Float32Array,
  repeats: number,
): Float32Array {
  for (const [value, name] of [[m, 'm'], [n, 'n'], [k, 'k']] as const) {
    if (!Number.isInteger(value) || value < 0) throw new RangeError(`gemm: ${name}: expected an integer ≥ 0, got ${value}`);
  }
  for (const [array, size, name] of [[a, m * k, 'a'], [b, k * n, 'b'], [c, m * n, 'c']] as const) {
    if (!(array instanceof Float32Array) || array.length !== size) throw new RangeError(`gemm: ${name}: expected a Float32Array of ${size} values`);
  }
  const pa = module._malloc(a.byteLength + 16);
  const pb = module._malloc(b.byteLength + 16);
  const pc = module._malloc(c.byteLength + 16);
  try {
    heap.putFloats(pa, a);
    heap.putFloats(pb, b);
    heap.putFloats(pc, c);
    for (let r = 0; r < repeats; r++) module._vae_gemm(transA ? 1 : 0, transB ? 1 : 0, m, n, k, pa, transA ? m : k, pb, transB ? k : n, beta, pc, n);
    return heap.floats(pc, m * n);
  } finally {
    module._free(pa);
    module._free(pb);
    module._free(pc);
  }
}
