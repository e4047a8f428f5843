import type * as tf from '@tensorflow/tfjs-core';
import type { MnistSplit, Normalization } from '@vae/data';
import type { ElboOptions } from '@vae/loss';
import type { TrainableModel } from './trainable-model.js';
import type { BatchEvaluator } from './evaluate.js';

/** Adam's settings (PyTorch's defaults but the learning rate). */
export interface AdamSettings {
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
}

/** What an engine needs to know to train `model`. */
export interface StepEngineContext {
  model: TrainableModel;
  adam: AdamSettings;
  /** The loss: β, reconstruction term and (for the Gaussian term) the pixel range. */
  loss: ElboOptions;
}

/**
 * Performs the optimizer steps of `train`. The tfjs engines run tfjs-core ops on the model's own
 * variables on whichever backend is active (`tfjsStepEngine` with tfjs' Adam; `hostAdamStepEngine`
 * with Adam fused on the host, the default on wasm and cpu); an engine may instead keep its own copy
 * of the weights (e.g. a native addon) and write them into the model on `syncModel`.
 *
 * Noise is given as a seed, not as numbers, so an engine on a GPU can draw it on the device.
 * Every engine draws `eps ~ N(0, I)` `[n, latentDim]` as `standardNormalNoise(noiseSeed, n · latentDim)` gives it
 * (the project's generator: the same numbers on every backend, no device call).
 */
export interface StepEngine {
  readonly name: string;
  /** One Adam step on the batch `x` (`[n, inputDim]` row-major; the caller reuses the buffer after the call). */
  step(x: Float32Array, n: number, noiseSeed: number): void;
  /**
   * Optional: one Adam step on the rows `order[start..end)` of `split`, normalized with
   * `normalization`, which the engine gathers itself (e.g. a native engine, straight into its own
   * input buffer). Must do exactly what `step` does on `gatherBatchInto(split, order, start, end,
   * normalization, …)` with the same `noiseSeed`, and return true; or return false, having done
   * nothing, when it cannot handle this normalization (e.g. `dynamic-binary`, whose samples
   * `train` draws), and `train` then gathers the batch and calls `step`.
   */
  stepRows?(split: MnistSplit, order: Uint32Array, start: number, end: number, normalization: Normalization, noiseSeed: number): boolean;
  /**
   * The weight β of the KL term in the steps from now on; the context's `loss.beta` until called.
   * `train` calls it between steps, and only when β changes (a KL warm-up): afterwards a step must
   * do exactly what it would on an engine made with `loss.beta = beta`. `evaluateBatch` keeps the
   * context's β.
   */
  setKlBeta(beta: number): void;
  /**
   * Optional: evaluates a test batch on the engine's own weights (see `BatchEvaluator`), so the
   * per-epoch test evaluation runs at the engine's speed; without it `train` evaluates with tfjs.
   * It weighs the KL term with the context's `loss.beta`, whatever `setKlBeta` set for the steps.
   */
  evaluateBatch?: BatchEvaluator;
  /**
   * `start` plus the loss summed over the images of every step since the last `resetLoss(start)`.
   * A GPU engine keeps the sum on the device and reads it back here, asynchronously (WebGPU has no
   * synchronous read in Node, and a slow one in browsers).
   */
  readLossSum(): number | Promise<number>;
  /**
   * Starts the sum again at `start` (default 0), in the engine's own precision. `train` passes the
   * partial sum of a resumed epoch, so the sum adds the same numbers in the same order as a run
   * that never stopped, and the epoch's train loss is the same to the last bit.
   */
  resetLoss(start?: number): void;
  /**
   * Makes the model's variables hold the engine's weights (before evaluation, sampling, saving).
   * A GPU engine reads its weights back asynchronously (as `readLossSum`): `train` awaits it.
   */
  syncModel(): void | Promise<void>;
  /**
   * The optimizer's state for a checkpoint, keyed `adam/iterations`, `adam/accBeta1`,
   * `adam/accBeta2`, `adam/m/<variable name>`, `adam/v/<variable name>` (no moments before the
   * first step). `dispose` releases whatever the engine created for the call.
   */
  optimizerState(): Promise<{ tensors: tf.NamedTensorMap; dispose: () => void }>;
  /** Continues from a checkpoint: the model already holds its weights; `tensors` hold the optimizer's state as above. */
  restore(tensors: tf.NamedTensorMap, source: string): Promise<void>;
  dispose(): void;
}

/** Makes the engine for a run: `train({ engine })` takes one of these. */
export type StepEngineFactory = (context: StepEngineContext) => StepEngine;
