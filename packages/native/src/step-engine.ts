import * as tf from '@tensorflow/tfjs-core';
import { normalizationTable } from '@vae/data';
import type { StepEngine, StepEngineFactory } from '@vae/train';
import { NativeVaeTrainer, type NativeParallel } from './index.js';

export interface NativeStepEngineOptions {
  /** Threads for a step. Default min(2, available cores). */
  threads?: number;
  /** How the threads share a step (see `NativeParallel`). */
  parallel?: NativeParallel;
}

/**
 * A `StepEngine` for `@vae/train`'s `train({ engine })` that runs each step in the native addon.
 * The model's tfjs variables are copied in at the start and written back on `syncModel` (before
 * every evaluation and checkpoint), so evaluation, sampling and saving work as with the tfjs engine.
 * The noise is `tf.randomNormal` with the step's seed, as the tfjs engine draws it, and
 * checkpoints have the same layout, so a run may be resumed on either engine.
 */
export function nativeStepEngine(options: NativeStepEngineOptions = {}): StepEngineFactory {
  return ({ model, adam, loss }): StepEngine => {
    const variables = model.namedVariables();
    const trainer = new NativeVaeTrainer({
      config: model.config,
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
    const { inputDim, latentDim } = model.config;
    let lossSum = 0;
    let modelIsCurrent = true; // false once a step has changed the addon's weights since the last sync
    const noise = (n: number, noiseSeed: number) => {
      const t = tf.randomNormal([n, latentDim], 0, 1, 'float32', noiseSeed);
      const eps = t.dataSync() as Float32Array;
      t.dispose();
      return eps;
    };
    const copyModelIn = () => trainer.setWeights(variables.map(({ variable }) => variable.dataSync() as Float32Array));
    return {
      name: `native (OpenBLAS, ${trainer.threads} thread${trainer.threads === 1 ? '' : 's'}, ${trainer.parallel})`,
      step(x, n, noiseSeed) {
        lossSum += trainer.step(x.subarray(0, n * inputDim), n, noise(n, noiseSeed));
        modelIsCurrent = false;
      },
      // The addon's threads gather and normalize the rows straight into its input buffer.
      stepRows(split, order, start, end, normalization, noiseSeed) {
        const table = normalizationTable(normalization);
        if (!table) return false; // dynamic-binary: train() draws the samples
        const n = end - start;
        lossSum += trainer.stepRows(split.images, split.rows * split.cols, order, start, n, table, noise(n, noiseSeed));
        modelIsCurrent = false;
        return true;
      },
      // The test evaluation on the addon's weights too (same batches and noise as tfjs' evaluate).
      evaluateBatch: (x, n, noiseSeed) => trainer.evaluate(x.subarray(0, n * inputDim), n, noise(n, noiseSeed)),
      readLossSum: () => lossSum,
      resetLoss() {
        lossSum = 0;
      },
      // train() syncs before evaluating and again before saving: the second is free.
      syncModel() {
        if (modelIsCurrent) return;
        modelIsCurrent = true;
        const weights = trainer.getWeights();
        tf.tidy(() => variables.forEach(({ variable }, i) => variable.assign(tf.tensor(weights[i]!, variable.shape, 'float32'))));
      },
      async optimizerState() {
        const state = trainer.getAdamState();
        const tensors: tf.NamedTensorMap = {
          'adam/iterations': tf.scalar(state.iterations, 'int32'),
          'adam/accBeta1': tf.scalar(state.accBeta1),
          'adam/accBeta2': tf.scalar(state.accBeta2),
        };
        if (state.iterations > 0) {
          variables.forEach(({ name, variable }, i) => {
            tensors[`adam/m/${name}`] = tf.tensor(state.m[i]!, variable.shape, 'float32');
            tensors[`adam/v/${name}`] = tf.tensor(state.v[i]!, variable.shape, 'float32');
          });
        }
        return { tensors, dispose: () => tf.dispose(Object.values(tensors)) };
      },
      async restore(tensors, source) {
        copyModelIn();
        const iterations = tensors['adam/iterations'];
        if (!iterations) throw new Error(`${source}: missing optimizer state "adam/iterations"`);
        if (!tensors[`adam/m/${variables[0]!.name}`]) return; // saved before the first step
        const steps = iterations.dataSync()[0]!;
        const read = (key: string) => {
          const t = tensors[key];
          if (!t) throw new Error(`${source}: missing optimizer state "${key}"`);
          return t.dataSync() as Float32Array;
        };
        // Checkpoints written by older tfjs optimizers lack the running products: recompute them as tfjs does.
        const power = (key: string, beta: number) => (tensors[key] ? read(key)[0]! : Math.fround(beta ** (steps + 1)));
        trainer.setAdamState({
          iterations: steps,
          accBeta1: power('adam/accBeta1', adam.beta1),
          accBeta2: power('adam/accBeta2', adam.beta2),
          m: variables.map(({ name }) => read(`adam/m/${name}`)),
          v: variables.map(({ name }) => read(`adam/v/${name}`)),
        });
      },
      dispose() {
        trainer.dispose();
      },
    };
  };
}
