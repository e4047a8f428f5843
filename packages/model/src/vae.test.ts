import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { DEFAULT_VAE_CONFIG } from './config.js';
import { mlpConfigOf } from './description.js';
import { Vae, disposeForwardPass } from './vae.js';

const small = { inputDim: 12, encoderHidden: [9, 7], latentDim: 3, decoderHidden: [5, 8] };

function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!);
}

describe('Vae', () => {
  it('defaults to the reference model: 784→512→256→(20, 20), 20→256→512→784', () => {
    const vae = new Vae();
    expect(mlpConfigOf(vae.description)).toEqual(DEFAULT_VAE_CONFIG);
    expect(vae.imageShape).toEqual({ height: 28, width: 28, channels: 1 });
    const shapes = Object.fromEntries(vae.namedVariables().map(({ name, variable }) => [name, variable.shape]));
    expect(shapes).toEqual({
      'encoder.0.kernel': [784, 512], 'encoder.0.bias': [512],
      'encoder.1.kernel': [512, 256], 'encoder.1.bias': [256],
      'mu.kernel': [256, 20], 'mu.bias': [20],
      'logvar.kernel': [256, 20], 'logvar.bias': [20],
      'decoder.0.kernel': [20, 256], 'decoder.0.bias': [256],
      'decoder.1.kernel': [256, 512], 'decoder.1.bias': [512],
      'decoder.2.kernel': [512, 784], 'decoder.2.bias': [784],
    });
    expect(vae.parameterCount()).toBe(1_082_680);
    vae.dispose();
  });

  it('refuses a config field it does not know instead of building another model', () => {
    expect(() => new Vae({ kind: 'conv' } as never)).toThrow('VaeConfig: unknown field "kind"; this version knows inputDim, encoderHidden, latentDim, decoderHidden');
  });

  it('initializes like torch.nn.Linear: uniform within ±1/√fan_in, seeded', () => {
    const a = new Vae(small, { seed: 3 });
    const b = new Vae(small, { seed: 3 });
    for (const [i, { name, variable }] of a.namedVariables().entries()) {
      const fanIn = variable.rank === 2 ? variable.shape[0]! : a.namedVariables()[i - 1]!.variable.shape[0]!;
      const bound = 1 / Math.sqrt(fanIn);
      const values = variable.dataSync();
      expect(Math.max(...values.map(Math.abs)), name).toBeLessThanOrEqual(bound);
      expect(maxAbsDiff(variable, b.namedVariables()[i]!.variable)).toBe(0);
    }
    a.dispose();
    b.dispose();
    // Seed 0 (the default) is a seed like any other: tfjs alone would treat it as "random".
    const c = new Vae(small);
    const d = new Vae(small, { seed: 0 });
    expect(maxAbsDiff(c.namedVariables()[0]!.variable, d.namedVariables()[0]!.variable)).toBe(0);
    expect(maxAbsDiff(c.sample(3, 0), c.sample(3, 0))).toBe(0);
    c.dispose();
    d.dispose();
  });

  it('encodes, decodes into (0, 1), samples repeatably, reconstructs', () => {
    const vae = new Vae(small, { seed: 1 });
    const x = tf.randomUniform([4, 12], 0, 1, 'float32', 9) as tf.Tensor2D;
    const { mu, logvar } = vae.encode(x);
    expect(mu.shape).toEqual([4, 3]);
    expect(logvar.shape).toEqual([4, 3]);
    const p = vae.decode(mu);
    expect(p.shape).toEqual([4, 12]);
    expect(tf.min(p).dataSync()[0]).toBeGreaterThan(0);
    expect(tf.max(p).dataSync()[0]).toBeLessThan(1);
    expect(maxAbsDiff(vae.reconstruct(x), p)).toBe(0);
    expect(maxAbsDiff(vae.sample(6, 42), vae.sample(6, 42))).toBe(0);
    expect(maxAbsDiff(vae.sample(6, 42), vae.sample(6, 43))).toBeGreaterThan(0);
    // reparameterize: z − mu = std·eps
    const eps = tf.randomNormal([4, 3], 0, 1, 'float32', 5) as tf.Tensor2D;
    const z = vae.reparameterize(mu, logvar, eps);
    expect(maxAbsDiff(tf.div(tf.sub(z, mu), tf.exp(tf.mul(logvar, 0.5))), eps)).toBeLessThan(1e-5);
    vae.dispose();
  });

  it('names the expected shape when given a wrong input', () => {
    const vae = new Vae(small);
    expect(() => vae.encode(tf.zeros([2, 11]) as tf.Tensor2D)).toThrow(/x must have shape \[batch, 12\], got \[2, 11\]/);
    expect(() => new Vae({ latentDim: 0 })).toThrow(/latentDim/);
    expect(() => new Vae({ encoderHidden: [512, -1] })).toThrow(/encoderHidden\[1\]/);
    vae.dispose();
  });

  it('backward() gives the gradients tfjs autodiff gives (BCE + KL through the reparameterization)', () => {
    const vae = new Vae(small, { seed: 7 });
    const x = tf.randomUniform([5, 12], 0, 1, 'float32', 11) as tf.Tensor2D;
    const eps = tf.randomNormal([5, 3], 0, 1, 'float32', 12) as tf.Tensor2D;
    // The loss written with plain ops, for autodiff.
    const lossOf = () => {
      const pass = vae.forward(x, eps);
      const l = pass.logits;
      const bce = tf.sum(tf.add(tf.sub(tf.relu(l), tf.mul(l, x)), tf.log1p(tf.exp(tf.neg(tf.abs(l))))));
      const kl = tf.mul(tf.sum(tf.sub(tf.sub(tf.add(pass.logvar, 1), tf.square(pass.mu)), tf.exp(pass.logvar))), -0.5);
      return tf.add(bce, kl) as tf.Scalar;
    };
    const auto = tf.variableGrads(lossOf);
    const pass = vae.forward(x, eps);
    const mine = vae.backward(pass, {
      dLogits: tf.sub(tf.sigmoid(pass.logits), x),
      dMu: pass.mu,
      dLogvar: tf.mul(tf.sub(tf.exp(pass.logvar), 1), 0.5),
    });
    expect(Object.keys(mine).sort()).toEqual(Object.keys(auto.grads).sort());
    for (const [name, g] of Object.entries(auto.grads)) {
      const scale = Math.max(1, tf.max(tf.abs(g)).dataSync()[0]!);
      expect(maxAbsDiff(g, mine[name]!) / scale, name).toBeLessThan(1e-5);
    }
    disposeForwardPass(pass);
    vae.dispose();
  });

  it('keeps no tensors after forward/backward/dispose', () => {
    const x = tf.randomUniform([3, 12]) as tf.Tensor2D;
    const eps = tf.randomNormal([3, 3]) as tf.Tensor2D;
    const before = tf.memory().numTensors;
    const vae = new Vae(small);
    const pass = vae.forward(x, eps);
    const grads = vae.backward(pass, { dLogits: tf.onesLike(pass.logits), dMu: tf.onesLike(pass.mu), dLogvar: tf.onesLike(pass.logvar) });
    expect(Object.keys(grads)).toHaveLength(14);
    tf.dispose(grads);
    disposeForwardPass(pass);
    tf.tidy(() => {
      vae.sample(2);
      vae.reconstruct(x);
    });
    vae.dispose();
    // The three onesLike tensors above are the test's own.
    expect(tf.memory().numTensors).toBe(before + 3);
  });
});
