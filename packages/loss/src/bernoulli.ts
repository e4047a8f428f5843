import * as tf from '@tensorflow/tfjs-core';

/**
 * −log p(x|logits) under independent Bernoulli pixels, i.e. binary cross-entropy summed over
 * pixels, computed from logits as max(l, 0) − l·x + log(1 + e^−|l|), which stays finite for any l.
 * logits, x: [batch, pixels] → [batch] nats.
 */
export function bernoulliNegLogLikelihood(logits: tf.Tensor2D, x: tf.Tensor2D): tf.Tensor1D {
  return tf.tidy(() =>
    tf.sum(tf.add(tf.sub(tf.relu(logits), tf.mul(logits, x)), tf.log1p(tf.exp(tf.neg(tf.abs(logits))))), 1),
  );
}

/** d/dlogits of `bernoulliNegLogLikelihood`: sigmoid(l) − x, [batch, pixels]. */
export function bernoulliNegLogLikelihoodGrad(logits: tf.Tensor2D, x: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => tf.sub(tf.sigmoid(logits), x));
}
