import * as tf from '@tensorflow/tfjs-core';
import { tfSeed } from './seed.js';

/**
 * PyTorch's default init of `nn.Linear`, `nn.Conv2d` and `nn.ConvTranspose2d`: kernel and bias
 * uniform in ±1/√fan_in (kaiming_uniform with a=√5 reduces to exactly this bound), so training
 * curves compare with PyTorch's. The kernel is drawn with `seed`, the bias with `seed + 1`.
 */
export function uniformInit(kernelShape: number[], biasShape: number[], fanIn: number, seed: number): { kernel: tf.Tensor; bias: tf.Tensor1D } {
  const bound = 1 / Math.sqrt(fanIn);
  return {
    kernel: tf.randomUniform(kernelShape, -bound, bound, 'float32', tfSeed(seed)),
    bias: tf.randomUniform(biasShape as [number], -bound, bound, 'float32', tfSeed(seed + 1)) as tf.Tensor1D,
  };
}

/** `uniformInit` of a dense layer: kernel [inputDim, outputDim], bias [outputDim]. */
export function linearInit(inputDim: number, outputDim: number, seed: number): { kernel: tf.Tensor2D; bias: tf.Tensor1D } {
  const { kernel, bias } = uniformInit([inputDim, outputDim], [outputDim], inputDim, seed);
  return { kernel: kernel as tf.Tensor2D, bias };
}
