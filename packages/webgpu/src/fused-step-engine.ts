import * as tf from '@tensorflow/tfjs-core';
import { adamStateTensors, readAdamState, standardNormalNoise, type StepEngine, type StepEngineFactory, type Support, type TrainRequest } from '@vae/train';
import { fusedWebgpuDeclines } from './fused-plan.js';
import { FusedStep } from './fused-step.js';

const FUSED_RECONSTRUCTIONS: readonly string[] = ['bernoulli', 'gaussian'];

/**
 * Whether the fused step trains `request` exactly (for `EngineRegistry`): an MLP VAE (dense layers)
 * with a Bernoulli or Gaussian reconstruction term, any normalization; anything else is declined
 * with the reason, so another engine trains it.
 */
export function fusedWebgpuSupports({ model, settings }: TrainRequest): Support {
  const declined = fusedWebgpuDeclines(model);
  if (declined) return declined;
  if (!FUSED_RECONSTRUCTIONS.includes(settings.reconstruction)) {
    return `the fused WebGPU step has no '${settings.reconstruction}' reconstruction term (it has ${FUSED_RECONSTRUCTIONS.join(', ')})`;
  }
  return true;
}

/**
 * A `StepEngine` whose steps run on `device` as a handful of compute dispatches (`FusedStep`):
 * weights, Adam's moments, the batch, its noise and the loss sum stay on the GPU; the loss is read
 * back only in `readLossSum`, the weights only in `syncModel` (before evaluation and saving) and
 * the moments only in `optimizerState`. The model's tfjs variables (on a host-memory backend) are
 * copied in at the start and on `restore`.
 */
export function fusedWebgpuStepEngine(device: GPUDevice): StepEngineFactory {
  return ({ model, adam, loss }): StepEngine => {
    const variables = model.namedVariables();
    const reconstruction = loss.reconstruction ?? 'bernoulli';
    if (reconstruction !== 'bernoulli' && reconstruction !== 'gaussian') throw new Error(`the fused WebGPU step has no '${String(reconstruction)}' reconstruction term`);
    const gaussian = { sigma: loss.gaussian?.sigma ?? 1, range: loss.gaussian?.range ?? ([0, 1] as const), includeConstant: loss.gaussian?.includeConstant ?? false };
    let klBeta = loss.beta ?? 1;
    const fused = new FusedStep(device, model.description, adam, { reconstruction, klBeta, gaussian });
    const copyModelIn = () => fused.writeParameters(variables.map(({ variable }) => variable.dataSync() as Float32Array));
    copyModelIn();
    const { inputDim, latentDim } = model;
    let modelIsCurrent = true; // false once a step has changed the GPU's weights since the last sync
    return {
      name: 'webgpu-fused',
      step(x, n, noiseSeed) {
        const eps = standardNormalNoise(noiseSeed, n * latentDim, fused.noiseBuffer(n * latentDim));
        fused.step(x.subarray(0, n * inputDim), eps, n, klBeta);
        modelIsCurrent = false;
      },
      setKlBeta(beta) {
        klBeta = beta;
      },
      readLossSum: () => fused.readLossSum(),
      resetLoss(start = 0) {
        fused.resetLoss(start);
      },
      // A GPU read-back is asynchronous: `train` awaits it before evaluating and saving.
      async syncModel() {
        if (modelIsCurrent) return;
        const weights = await fused.readParameters();
        modelIsCurrent = true;
        tf.tidy(() => variables.forEach(({ variable }, i) => variable.assign(tf.tensor(weights[i]!, variable.shape, 'float32'))));
      },
      async optimizerState() {
        const { m, v } = fused.iterations > 0 ? await fused.readMoments() : { m: [], v: [] };
        const tensors = adamStateTensors({ iterations: fused.iterations, accBeta1: fused.accBeta1, accBeta2: fused.accBeta2, m, v }, variables);
        return { tensors, dispose: () => tf.dispose(Object.values(tensors)) };
      },
      async restore(tensors, source) {
        copyModelIn();
        modelIsCurrent = true;
        const state = readAdamState(tensors, variables, adam, source);
        if (state) fused.writeAdamState(state);
      },
      dispose() {
        fused.destroy();
      },
    };
  };
}
