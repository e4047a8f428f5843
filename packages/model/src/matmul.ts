import * as tf from '@tensorflow/tfjs-core';

/**
 * a·b with either operand transposed, choosing how per backend.
 *
 * Why: tfjs-backend-wasm (XNNPACK) runs `matMul(a, b, transposeA, transposeB)` through a slow
 * generic path (measured 1–2 GFLOP/s against ~28 for the plain product), while an explicit
 * `transpose` followed by a plain product runs near full speed. Other backends fuse the transpose
 * into the product, so they get the flags.
 */
export function matMulT(a: tf.Tensor2D, b: tf.Tensor2D, transposeA: boolean, transposeB: boolean): tf.Tensor2D {
  if (tf.getBackend() !== 'wasm') return tf.matMul(a, b, transposeA, transposeB);
  return tf.tidy(() => tf.matMul(transposeA ? tf.transpose(a) : a, transposeB ? tf.transpose(b) : b));
}
