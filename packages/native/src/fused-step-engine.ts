// The StepEngine over the C++ core, whichever build runs it; no Node built-ins (`@vae/native/core`).
import * as tf from '@tensorflow/tfjs-core';
import { normalizationTable, valuesPerImage } from '@vae/data';
import { adamStateTensors, readAdamState, standardNormalNoise, type StepEngine, type StepEngineFactory, type Support, type TrainRequest } from '@vae/train';
import { nativeDeclines, type FusedVaeTrainer, type NativeParallel, type NativeVaeTrainerOptions } from './trainer.js';

export interface NativeStepEngineOptions {
  /** Threads for a step. Default min(2, available cores). */
  threads?: number;
  /** How the threads share a step (see `NativeParallel`). */
  parallel?: NativeParallel;
}

const NATIVE_RECONSTRUCTIONS: readonly string[] = ['bernoulli', 'gaussian'];

/**
 * Whether the C++ core (either build) trains `request` exactly (for `EngineRegistry`): a model of dense layers with a
 * Bernoulli or Gaussian reconstruction term, any normalization. Anything else is declined with the
 * reason, so the next engine trains it instead of the core training something else.
 */
export function nativeSupports({ model, settings }: TrainRequest): Support {
  const declined = nativeDeclines(model);
  if (declined) return declined;
  if (!NATIVE_RECONSTRUCTIONS.includes(settings.reconstruction)) {
    return `the C++ core has no '${settings.reconstruction}' reconstruction term (it has ${NATIVE_RECONSTRUCTIONS.join(', ')})`;
  }
  return true;
}

/**
 * A `StepEngine` for `@vae/train`'s `train({ engine })` that runs each step in the C++ core through
 * `makeTrainer` (the addon: `nativeStepEngine`; its WebAssembly build: `@vae/native-wasm/engine`).
 * The model's tfjs variables are copied in at the start and written back on `syncModel` (before
 * every evaluation and checkpoint), so evaluation, sampling and saving work as with the tfjs engine.
 * The noise is `standardNormalNoise` with the step's seed, as every engine draws it, and
 * checkpoints have the same layout, so a run may be resumed on either engine.
 */
export function fusedStepEngine(makeTrainer: (options: NativeVaeTrainerOptions) => FusedVaeTrainer, label: { name: string; device: string }, options: NativeStepEngineOptions = {}): StepEngineFactory {
  return ({ model, adam, loss }): StepEngine => {
    const variables = model.namedVariables();
    const trainer = makeTrainer({
      model: model.description,
      weights: variables.map(({ variable }) => variable.dataSync() as Float32Array),
      learningRate: adam.learningRate,
      beta1: adam.beta1,
      beta2: adam.beta2,
      epsilon: adam.epsilon,
      beta: loss.beta ?? 1,
      reconstruction: loss.reconstruction ?? 'bernoulli',
      gaussian: loss.gaussian,
      ...options,
    });
    const { inputDim, latentDim } = model;
    let lossSum = 0;
    const runBeta = loss.beta ?? 1;
    let stepBeta = runBeta; // the steps' β: `setKlBeta` changes it during a KL warm-up
    let modelIsCurrent = true; // false once a step has changed the core's weights since the last sync
    let noiseBuffer = new Float32Array(0);
    const noise = (n: number, noiseSeed: number) => {
      if (noiseBuffer.length < n * latentDim) noiseBuffer = new Float32Array(n * latentDim);
      return standardNormalNoise(noiseSeed, n * latentDim, noiseBuffer.subarray(0, n * latentDim));
    };
    const copyModelIn = () => trainer.setWeights(variables.map(({ variable }) => variable.dataSync() as Float32Array));
    return {
      // e.g. "native (OpenBLAS Haswell, prebuilt, 2 threads, auto)"
      name: `${label.name} (${label.device}, ${trainer.threads} thread${trainer.threads === 1 ? '' : 's'}, ${trainer.parallel})`,
      step(x, n, noiseSeed) {
        lossSum += trainer.step(x.subarray(0, n * inputDim), n, noise(n, noiseSeed));
        modelIsCurrent = false;
      },
      // The core's threads gather and normalize the rows straight into its input buffer.
      stepRows(split, order, start, end, normalization, noiseSeed) {
        const table = normalizationTable(normalization);
        if (!table) return false; // dynamic-binary: train() draws the samples
        const n = end - start;
        lossSum += trainer.stepRows(split.images, valuesPerImage(split), order, start, n, table, noise(n, noiseSeed));
        modelIsCurrent = false;
        return true;
      },
      // The test evaluation on the core's weights too (same batches and noise as tfjs' evaluate),
      // with the run's β even while a KL warm-up steps with a smaller one.
      evaluateBatch: (x, n, noiseSeed) => {
        const eps = noise(n, noiseSeed);
        if (stepBeta === runBeta) return trainer.evaluate(x.subarray(0, n * inputDim), n, eps);
        trainer.setKlBeta(runBeta);
        try {
          return trainer.evaluate(x.subarray(0, n * inputDim), n, eps);
        } finally {
          trainer.setKlBeta(stepBeta);
        }
      },
      setKlBeta(beta) {
        trainer.setKlBeta(beta);
        stepBeta = beta;
      },
      readLossSum: () => lossSum,
      resetLoss(start = 0) {
        lossSum = start;
      },
      // train() syncs before evaluating and again before saving: the second is free.
      syncModel() {
        if (modelIsCurrent) return;
        modelIsCurrent = true;
        const weights = trainer.getWeights();
        tf.tidy(() => variables.forEach(({ variable }, i) => variable.assign(tf.tensor(weights[i]!, variable.shape, 'float32'))));
      },
      async optimizerState() {
        const tensors = adamStateTensors(trainer.getAdamState(), variables);
        return { tensors, dispose: () => tf.dispose(Object.values(tensors)) };
      },
      async restore(tensors, source) {
        copyModelIn();
        const state = readAdamState(tensors, variables, adam, source);
        if (state) trainer.setAdamState(state);
      },
      dispose() {
        trainer.dispose();
      },
    };
  };
}
