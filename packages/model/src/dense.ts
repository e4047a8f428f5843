import * as tf from '@tensorflow/tfjs-core';
import { matMulT } from './matmul.js';

import type { Activation } from './description.js';

export type { Activation };

/** A dense layer's parameters: kernel [in, out] and bias [out]. */
export interface DenseParams {
  kernel: tf.Variable<tf.Rank.R2>;
  bias: tf.Variable<tf.Rank.R1>;
}

/** y = act(x·W + b), one fused kernel where the backend has it. x: [batch, in] → [batch, out]. */
export function denseForward(x: tf.Tensor2D, p: DenseParams, activation: Activation): tf.Tensor2D {
  return tf.fused.matMul({ a: x, b: p.kernel, bias: p.bias, activation }) as tf.Tensor2D;
}

/**
 * Backward pass of one dense layer, by hand (no registered gradients needed).
 * Given the layer input x [batch, in], its output y [batch, out] and dL/dy, returns dL/dW, dL/db
 * and (unless `needInputGrad` is false) dL/dx. For ReLU the mask is taken from y > 0.
 */
export function denseBackward(
  x: tf.Tensor2D,
  y: tf.Tensor2D,
  dy: tf.Tensor2D,
  p: DenseParams,
  activation: Activation,
  needInputGrad: boolean,
): DenseGrads {
  return tf.tidy(() => {
    const dPre: tf.Tensor2D = activation === 'relu' ? tf.mul(dy, tf.step(y)) : dy;
    const grads: DenseGrads = {
      dKernel: matMulT(x, dPre, true, false),
      dBias: tf.sum(dPre, 0),
    };
    if (needInputGrad) grads.dx = matMulT(dPre, p.kernel, false, true);
    return grads as unknown as tf.TensorContainerObject;
  }) as unknown as DenseGrads;
}

export interface DenseGrads {
  dKernel: tf.Tensor2D;
  dBias: tf.Tensor1D;
  /** dL/dx, absent when the caller did not ask for it (the first layer). */
  dx?: tf.Tensor2D;
}
