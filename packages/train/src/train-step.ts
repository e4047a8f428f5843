import * as tf from '@tensorflow/tfjs-core';
import { elbo, elboGrad, type ElboOptions } from '@vae/loss';
import { disposeForwardPass } from '@vae/model';
import type { TrainableModel } from './trainable-model.js';

/**
 * Forward and hand-written backward pass on a batch: the loss summed over the batch (as the
 * PyTorch reference sums it) and dL/dθ keyed by variable name. The caller owns all returned tensors.
 */
export function lossAndGradients(
  model: TrainableModel,
  x: tf.Tensor2D,
  eps: tf.Tensor2D,
  lossOptions: ElboOptions,
): { lossSum: tf.Scalar; gradients: tf.NamedTensorMap } {
  return tf.tidy(() => {
    const pass = model.forward(x, eps);
    const outputs = { x, logits: pass.logits, mu: pass.mu, logvar: pass.logvar };
    const lossSum = tf.sum(elbo(outputs, { ...lossOptions, checkTargets: false }).total) as tf.Scalar;
    const gradients = model.backward(pass, elboGrad(outputs, lossOptions));
    disposeForwardPass(pass);
    return { lossSum, gradients };
  });
}

/**
 * One optimizer step on a batch: forward, hand-written backward, optimizer update. Returns the
 * loss summed over the batch as a scalar tensor the caller owns, so the caller decides when to pay
 * for reading it back.
 */
export function trainStep(
  model: TrainableModel,
  optimizer: tf.Optimizer,
  x: tf.Tensor2D,
  eps: tf.Tensor2D,
  lossOptions: ElboOptions,
): tf.Scalar {
  return tf.tidy(() => {
    const { lossSum, gradients } = lossAndGradients(model, x, eps, lossOptions);
    // A list in `namedVariables()` order: Adam keys its moments by position, and checkpoints rely on it.
    optimizer.applyGradients(model.namedVariables().map(({ variable }) => ({ name: variable.name, tensor: gradients[variable.name]! })));
    return lossSum;
  });
}
