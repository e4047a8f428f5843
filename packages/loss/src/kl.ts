import * as tf from '@tensorflow/tfjs-core';

/**
 * KL(q(z|x) ‖ N(0, I)) in closed form for a diagonal Gaussian q = N(mu, exp(logvar)):
 * −½ Σ (1 + logvar − mu² − exp(logvar)). mu, logvar: [batch, latent] → [batch] nats.
 */
export function klDivergence(mu: tf.Tensor2D, logvar: tf.Tensor2D): tf.Tensor1D {
  return tf.tidy(() => tf.mul(tf.sum(tf.sub(tf.sub(tf.add(logvar, 1), tf.square(mu)), tf.exp(logvar)), 1), -0.5));
}

/** Gradients of `klDivergence`: d/dmu = mu, d/dlogvar = ½(exp(logvar) − 1). */
export function klDivergenceGrad(mu: tf.Tensor2D, logvar: tf.Tensor2D): { dMu: tf.Tensor2D; dLogvar: tf.Tensor2D } {
  return tf.tidy(() => ({ dMu: tf.clone(mu), dLogvar: tf.mul(tf.sub(tf.exp(logvar), 1), 0.5) as tf.Tensor2D }));
}
