import * as tf from '@tensorflow/tfjs-core';
import { tfjsBackendEngine, type EngineDefinition, type EngineProbe } from '@vae/train';
import { firstLine, loadOptional, type ImportModule } from './module-loading.js';

/** GPU build first: it falls back to the CPU itself when it sees no CUDA device. */
export const TENSORFLOW_PACKAGES = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'] as const;

/**
 * What went wrong when tfjs-node(-gpu) is installed but does not load, in terms a user can act on:
 * a CUDA library missing from the library path, or libtensorflow never downloaded.
 */
export function explainTensorflowLoadError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const cuda = /\b(lib(?:cudart|cublas|cublasLt|cudnn|cufft|curand|cusolver|cusparse|nvinfer)[\w.-]*\.so[\d.]*)/.exec(message);
  if (cuda) return `CUDA library ${cuda[1]} is missing (libtensorflow 2.9 needs CUDA 11.2 and cuDNN 8.1 on LD_LIBRARY_PATH)`;
  if (/tfjs_binding\.node|libtensorflow/.test(message)) return `its libtensorflow is missing (its install script downloads it: reinstall with internet access): ${firstLine(error)}`;
  return firstLine(error);
}

/** tfjs-node's backend says whether libtensorflow placed its ops on a CUDA device. */
interface TensorflowBackend {
  isUsingGpuDevice?: boolean;
}

/**
 * TensorFlow's C library through `@tensorflow/tfjs-node-gpu` (CUDA) or `@tensorflow/tfjs-node`
 * (CPU), when the user installed one. A GPU engine only when libtensorflow sees a CUDA device.
 */
export function tensorflowEngine(importModule: ImportModule): EngineDefinition {
  return tfjsBackendEngine({
    name: 'tensorflow',
    summary: 'TensorFlow C library (@tensorflow/tfjs-node-gpu on CUDA, or @tensorflow/tfjs-node on the CPU)',
    howToGet:
      'Install one into the CLI: `pnpm --filter cli add @tensorflow/tfjs-node-gpu@4.22.0` (Linux, NVIDIA, CUDA 11.2 and cuDNN 8.1) ' +
      'or `pnpm --filter cli add @tensorflow/tfjs-node@4.22.0` (CPU); their install downloads libtensorflow, so it needs internet access. ' +
      'For a GPU without CUDA, use --backend webgpu.',
    async probe(): Promise<EngineProbe> {
      const reasons: string[] = [];
      for (const pkg of TENSORFLOW_PACKAGES) {
        const loaded = await loadOptional(importModule, pkg, explainTensorflowLoadError);
        if (!loaded.ok) {
          reasons.push(loaded.reason);
          continue;
        }
        if (!(await tf.setBackend('tensorflow'))) {
          reasons.push(`${pkg} loaded but its 'tensorflow' backend did not start`);
          continue;
        }
        const gpu = (tf.backend() as TensorflowBackend).isUsingGpuDevice === true;
        const label = gpu ? `${pkg} on a CUDA GPU` : pkg === TENSORFLOW_PACKAGES[0] ? `${pkg} found no CUDA device: CPU` : `${pkg}: CPU`;
        return { available: true, device: { kind: gpu ? 'gpu' : 'cpu', label } };
      }
      return { available: false, reason: reasons.join('; ') };
    },
  });
}
