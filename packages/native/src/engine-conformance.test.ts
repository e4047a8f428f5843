import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { describeEngineConformance } from '@vae/train/testing';
import { describe, expect, it } from 'vitest';
import { isNativeAvailable, nativeDeclines, nativeLoadError } from './index.js';
import { convDescription, mlpDescription } from '@vae/model';
import { nativeStepEngine, nativeSupports } from './step-engine.js';

// The addon beside the tfjs backend the CLI evaluates on (wasm), against @vae/train's reference.
describeEngineConformance({
  name: 'native',
  unavailable: isNativeAvailable() ? null : `the addon is unavailable (${nativeLoadError()})`,
  activate: async () => void (await tf.setBackend('wasm')),
  engine: nativeStepEngine(),
  cpu: true,
  supports: (model) => nativeDeclines(model) ?? true,
});

describe('nativeSupports', () => {
  const settings = { batchSize: 64, normalization: 'unit' as const, reconstruction: 'bernoulli' as const, beta: 1 };
  const model = mlpDescription();

  it('takes the MLP VAE with either reconstruction term, and dense layers of either activation', () => {
    expect(nativeSupports({ model, settings })).toBe(true);
    expect(nativeSupports({ model, settings: { ...settings, reconstruction: 'gaussian', normalization: 'symmetric' } })).toBe(true);
    const linearHidden = { ...model, encoder: [{ ...model.encoder[0]!, activation: 'linear' as const }, model.encoder[1]!] };
    expect(nativeSupports({ model: linearHidden, settings })).toBe(true);
  });

  it('declines, with the reason, a model or a term it has no kernel for', () => {
    expect(nativeSupports({ model: convDescription(), settings })).toBe('the C++ core has kernels for dense layers only (an MLP VAE): layer "encoder.conv0" is conv2d');
    expect(nativeSupports({ model, settings: { ...settings, reconstruction: 'laplace' as never } })).toBe("the C++ core has no 'laplace' reconstruction term (it has bernoulli, gaussian)");
  });
});
