import * as tf from '@tensorflow/tfjs-core';
import type { StepEngineFactory } from '@vae/train';

export const BACKEND_CHOICES = ['auto', 'native', 'tensorflow', 'wasm', 'cpu'] as const;
export type BackendChoice = (typeof BACKEND_CHOICES)[number];

export interface SelectedBackend {
  /** What trains: `native`, or the tfjs backend now active (`tensorflow`, `wasm`, `cpu`). */
  name: string;
  /** One line for the user: what runs and why. */
  description: string;
  /** For `native`: the engine that runs the training steps (tfjs, on wasm, still evaluates and samples). */
  engine?: StepEngineFactory;
}

/** Raised when the backend asked for cannot be used; the message says how to get it. */
export class BackendUnavailableError extends Error {
  override name = 'BackendUnavailableError';
}

// Loaded by name at run time: neither is a dependency (their install downloads libtensorflow,
// which fails without internet), so the bundler must not see these as imports.
const TENSORFLOW_PACKAGES = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'] as const;
const importByName = (name: string): Promise<unknown> => import(/* @vite-ignore */ name);

async function tryTensorflow(): Promise<{ ok: true; pkg: string } | { ok: false; reasons: string[] }> {
  const reasons: string[] = [];
  for (const pkg of TENSORFLOW_PACKAGES) {
    try {
      await importByName(pkg);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      reasons.push(code === 'ERR_MODULE_NOT_FOUND' ? `${pkg} is not installed` : `${pkg} failed to load: ${(error as Error).message.split('\n')[0]}`);
      continue;
    }
    if (await tf.setBackend('tensorflow')) return { ok: true, pkg };
    reasons.push(`${pkg} loaded but the 'tensorflow' backend did not initialize`);
  }
  return { ok: false, reasons };
}

async function useWasm(): Promise<boolean> {
  await import('@tensorflow/tfjs-backend-wasm');
  try {
    return await tf.setBackend('wasm');
  } catch {
    return false;
  }
}

/** The native addon of @vae/native, when it was built here (it needs a C++ compiler and OpenBLAS). */
async function tryNative(): Promise<{ ok: true; engine: StepEngineFactory; detail: string } | { ok: false; reason: string }> {
  let native: typeof import('@vae/native/engine');
  try {
    native = await import('@vae/native/engine');
  } catch (error) {
    return { ok: false, reason: `@vae/native failed to load: ${(error as Error).message.split('\n')[0]}` };
  }
  if (!native.isNativeAvailable()) return { ok: false, reason: `the native addon is unavailable: ${native.nativeLoadError()}` };
  const info = native.nativeInfo();
  return { ok: true, engine: native.nativeStepEngine(), detail: info ? `OpenBLAS ${info.blasCore}` : 'OpenBLAS' };
}

/** tfjs backend for evaluation and sampling beside the native engine. */
async function evaluationBackend(): Promise<string> {
  if (await useWasm()) return 'wasm';
  await useCpu();
  return 'cpu';
}

async function useCpu(): Promise<boolean> {
  await import('@tensorflow/tfjs-backend-cpu');
  return tf.setBackend('cpu');
}

/**
 * Registers and activates a tfjs backend (and for `native`, the native training engine). `auto`
 * takes the fastest that works here: the native addon (fused C++ steps on OpenBLAS, both cores)
 * when it was built, else TensorFlow's C library (GPU build first) when installed, else
 * WebAssembly (SIMD), else plain JS.
 */
export async function selectBackend(choice: BackendChoice): Promise<SelectedBackend> {
  // Production mode skips tfjs' debug checks and its "install tfjs-node" banner; the training loop
  // checks the loss for NaN/Inf itself.
  tf.enableProdMode();
  switch (choice) {
    case 'tensorflow': {
      const result = await tryTensorflow();
      if (result.ok) return { name: 'tensorflow', description: `tensorflow (${result.pkg})` };
      throw new BackendUnavailableError(
        `--backend tensorflow: ${result.reasons.join('; ')}. Install one into the CLI, e.g. ` +
          '`pnpm --filter cli add @tensorflow/tfjs-node@4.22.0` (or @tensorflow/tfjs-node-gpu@4.22.0 with CUDA 11.8 and cuDNN 8); ' +
          'its install downloads libtensorflow, so it needs internet access. Or use --backend wasm.',
      );
    }
    case 'native': {
      const native = await tryNative();
      if (!native.ok) {
        throw new BackendUnavailableError(
          `--backend native: ${native.reason}. Building it needs a C++ compiler and OpenBLAS ` +
            '(Debian/Ubuntu: `apt-get install g++ make python3 libopenblas-dev`, then `pnpm build`). Or use --backend wasm.',
        );
      }
      const evaluation = await evaluationBackend();
      return { name: 'native', description: `native (fused C++ steps on ${native.detail}; ${evaluation} evaluates)`, engine: native.engine };
    }
    case 'wasm':
      if (await useWasm()) return { name: 'wasm', description: 'wasm (WebAssembly, SIMD)' };
      throw new BackendUnavailableError('--backend wasm: the WebAssembly backend failed to initialize; try --backend cpu');
    case 'cpu':
      await useCpu();
      return { name: 'cpu', description: 'cpu (plain JavaScript; slow)' };
    case 'auto': {
      const native = await tryNative();
      if (native.ok) {
        const evaluation = await evaluationBackend();
        return { name: 'native', description: `native (fused C++ steps on ${native.detail}; ${evaluation} evaluates), chosen by --backend auto`, engine: native.engine };
      }
      const tensorflow = await tryTensorflow();
      if (tensorflow.ok) return { name: 'tensorflow', description: `tensorflow (${tensorflow.pkg}), chosen by --backend auto (not native: ${native.reason})` };
      const skipped = `not native: ${native.reason}; not tensorflow: ${tensorflow.reasons.join('; ')}`;
      if (await useWasm()) return { name: 'wasm', description: `wasm (WebAssembly, SIMD), chosen by --backend auto (${skipped})` };
      await useCpu();
      return { name: 'cpu', description: `cpu (plain JavaScript), chosen by --backend auto (${skipped}; wasm failed to initialize)` };
    }
  }
}
