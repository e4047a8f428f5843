import * as tf from '@tensorflow/tfjs-core';

export const BACKEND_CHOICES = ['auto', 'tensorflow', 'wasm', 'cpu'] as const;
export type BackendChoice = (typeof BACKEND_CHOICES)[number];

export interface SelectedBackend {
  /** The tfjs backend name now active: `tensorflow`, `wasm` or `cpu`. */
  name: string;
  /** One line for the user: what runs and why. */
  description: string;
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

async function useCpu(): Promise<boolean> {
  await import('@tensorflow/tfjs-backend-cpu');
  return tf.setBackend('cpu');
}

/**
 * Registers and activates a tfjs backend. `auto` takes the fastest that works here:
 * TensorFlow's C library (GPU build first) when installed, else WebAssembly (SIMD), else plain JS.
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
    case 'wasm':
      if (await useWasm()) return { name: 'wasm', description: 'wasm (WebAssembly, SIMD)' };
      throw new BackendUnavailableError('--backend wasm: the WebAssembly backend failed to initialize; try --backend cpu');
    case 'cpu':
      await useCpu();
      return { name: 'cpu', description: 'cpu (plain JavaScript; slow)' };
    case 'auto': {
      const tensorflow = await tryTensorflow();
      if (tensorflow.ok) return { name: 'tensorflow', description: `tensorflow (${tensorflow.pkg}), chosen by --backend auto` };
      const skipped = `not tensorflow: ${tensorflow.reasons.join('; ')}`;
      if (await useWasm()) return { name: 'wasm', description: `wasm (WebAssembly, SIMD), chosen by --backend auto (${skipped})` };
      await useCpu();
      return { name: 'cpu', description: `cpu (plain JavaScript), chosen by --backend auto (${skipped}; wasm failed to initialize)` };
    }
  }
}
