import { mlpConfigOf } from '@vae/model';
import { describe, expect, it } from 'vitest';
import { describeArchitecture } from './model-architecture.js';
import { UsageError } from './train-options.js';

describe('vae train --model', () => {
  it('mlp is the reference model on the data’s image shape; conv the convolutional VAE', () => {
    const mlp = describeArchitecture('mlp', { height: 28, width: 28, channels: 1 }, 20);
    expect(mlpConfigOf(mlp)).toEqual({ inputDim: 784, encoderHidden: [512, 256], latentDim: 20, decoderHidden: [256, 512] });
    expect(describeArchitecture('mlp', { height: 20, width: 28, channels: 3 }, 2).input).toEqual({ height: 20, width: 28, channels: 3 });
    const conv = describeArchitecture('conv', { height: 32, width: 32, channels: 3 }, 2);
    expect(conv.decoder.at(-1)).toMatchObject({ type: 'conv2dTranspose', filters: 3, activation: 'linear' });
  });

  it('conv on images whose sides its two stride-2 layers do not divide: a usage error naming the flag', () => {
    const attempt = () => describeArchitecture('conv', { height: 30, width: 28, channels: 1 }, 20);
    expect(attempt).toThrow(UsageError);
    expect(attempt).toThrow('--model conv: a conv VAE with 2 stride-2 layers needs a height and width divisible by 4; the images are 30×28');
  });
});
