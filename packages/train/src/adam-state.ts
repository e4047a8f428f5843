import * as tf from '@tensorflow/tfjs-core';
import type { AdamSettings } from './step-engine.js';

/**
 * Adam's state as tfjs' `AdamOptimizer` keeps it: `iterations` steps done, the running products
 * `accBeta1` = β₁^(t+1) and `accBeta2` = β₂^(t+1) (float32 values; β₁, β₂ before the first step), and
 * the moments m, v per variable in `namedVariables()` order.
 */
export interface AdamState {
  iterations: number;
  accBeta1: number;
  accBeta2: number;
  m: Float32Array[];
  v: Float32Array[];
}

/** A named variable, as `Vae.namedVariables()` lists them. */
export interface NamedVariable {
  name: string;
  variable: tf.Variable;
}

/** The checkpoint tensors of a state (see `StepEngine.optimizerState`); the caller disposes them. */
export function adamStateTensors(state: AdamState, variables: readonly NamedVariable[]): tf.NamedTensorMap {
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
  return tensors;
}

/**
 * The state held by checkpoint tensors (see `StepEngine.optimizerState`), or undefined when they
 * were saved before the first step (nothing to restore). Errors name `source` and the missing key.
 */
export function readAdamState(tensors: tf.NamedTensorMap, variables: readonly NamedVariable[], adam: AdamSettings, source: string): AdamState | undefined {
  const iterations = tensors['adam/iterations'];
  if (!iterations) throw new Error(`${source}: missing optimizer state "adam/iterations"`);
  if (!tensors[`adam/m/${variables[0]!.name}`]) return undefined;
  const steps = iterations.dataSync()[0]!;
  const read = (key: string) => {
    const t = tensors[key];
    if (!t) throw new Error(`${source}: missing optimizer state "${key}"`);
    return Float32Array.from(t.dataSync() as Float32Array);
  };
  // Checkpoints written by older tfjs optimizers lack the running products: recompute them as tfjs does.
  const power = (key: string, beta: number) => (tensors[key] ? read(key)[0]! : Math.fround(beta ** (steps + 1)));
  return {
    iterations: steps,
    accBeta1: power('adam/accBeta1', adam.beta1),
    accBeta2: power('adam/accBeta2', adam.beta2),
    m: variables.map(({ name }) => read(`adam/m/${name}`)),
    v: variables.map(({ name }) => read(`adam/v/${name}`)),
  };
}
