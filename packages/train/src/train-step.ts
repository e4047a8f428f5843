import * as tf from '@tensorflow/tfjs-core';
import { elbo, elboGrad, type ElboOptions } from '@vae/loss';
import { disposeForwardPass, type Vae } from '@vae/model';

/**
 * One optimizer step on a batch: forward, hand-written backward, Adam update. The loss is summed
 * over the batch (as the PyTorch reference does); returns that sum as a scalar tensor the caller
 * owns, so the caller decides when to pay for reading it back.
 */
export function trainStep(
  model: Vae,
  optimizer: tf.Optimizer,
  x: tf.Tensor2D,
  eps: tf.Tensor2D,
  lossOptions: ElboOptions,
): tf.Scalar {
  return tf.tidy(() => {
    const pass = model.forward(x, eps);
    const outputs = { x, logits: pass.logits, mu: pass.mu, logvar: pass.logvar };
    const lossSum = tf.sum(elbo(outputs, { ...lossOptions, checkTargets: false }).total);
    const grads = model.backward(pass, elboGrad(outputs, lossOptions));
    // A list in `namedVariables()` order: Adam keys its moments by position, and checkpoints rely on it.
    optimizer.applyGradients(model.namedVariables().map(({ variable }) => ({ name: variable.name, tensor: grads[variable.name]! })));
    disposeForwardPass(pass);
    return lossSum as tf.Scalar;
  });
}
