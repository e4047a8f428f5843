import * as tf from '@tensorflow/tfjs-core';
import { tfSeed } from './seed.js';

/**
 * PyTorch's default `nn.Linear` init: kernel and bias uniform in ±1/√fan_in
 * (kaiming_uniform with a=√5 reduces to exactly this bound), so training curves compare with PyTorch's.
 */
export function linearInit(inputDim: number, outputDim: number, seed: number): { kernel: tf.Tensor2D; bias: tf.Tensor1D } {
  const bound = 1 / Math.sqrt(inputDim);
  return {
    kernel: tf.randomUniform([inputDim, outputDim], -bound, bound, 'float32', tfSeed(seed)),
    bias: tf.randomUniform([outputDim], -bound, bound, 'float32', tfSeed(seed + 1)),
  };
}
