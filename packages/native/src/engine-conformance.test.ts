import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { describeEngineConformance } from '@vae/train/testing';
import { describe, expect, it } from 'vitest';
import { isNativeAvailable, nativeLoadError } from './index.js';
import { nativeStepEngine, nativeSupports } from './step-engine.js';

// The addon beside the tfjs backend the CLI evaluates on (wasm), against @vae/train's reference.
describeEngineConformance({
  name: 'native',
  unavailable: isNativeAvailable() ? null : `the addon is unavailable (${nativeLoadError()})`,
  activate: async () => void (await tf.setBackend('wasm')),
  engine: nativeStepEngine(),
});

describe('nativeSupports', () => {
  const settings = { batchSize: 64, normalization: 'unit' as const, reconstruction: 'bernoulli' as const, beta: 1 };
  const model = { inputDim: 784, encoderHidden: [512, 256], latentDim: 20, decoderHidden: [256, 512] };

  it('takes the MLP VAE with either reconstruction term', () => {
    expect(nativeSupports({ model, settings })).toBe(true);
    expect(nativeSupports({ model, settings: { ...settings, reconstruction: 'gaussian', normalization: 'symmetric' } })).toBe(true);
  });

  it('declines, with the reason, a model or a term it has no kernel for', () => {
    expect(nativeSupports({ model: { ...model, kind: 'conv' } as never, settings })).toBe("the addon implements the MLP VAE only; the model has 'kind'");
    expect(nativeSupports({ model, settings: { ...settings, reconstruction: 'laplace' as never } })).toBe("the addon has no 'laplace' reconstruction term (it has bernoulli, gaussian)");
  });
});
