import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_VAE_CONFIG } from './config.js';
import {
  convDescription,
  mlpConfigOf,
  mlpDescription,
  resolveModel,
  weightShapes,
  type ImageShape,
  type LayerDescription,
  type ModelDescription,
} from './description.js';
import { conv2dFilterGrad, conv2dTransposeByConv } from './layer-ops.js';
import { Vae, disposeForwardPass } from './vae.js';

describe('model descriptions', () => {
  it('the reference MLP is the description of the default config, with the names models always had', () => {
    const description = mlpDescription();
    expect(description.input).toEqual({ height: 28, width: 28, channels: 1 });
    expect(description.encoder.map((l) => ('name' in l ? l.name : l.type))).toEqual(['encoder.0', 'encoder.1']);
    expect(description.decoder.at(-1)).toEqual({ type: 'dense', name: 'decoder.2', units: 784, activation: 'linear' });
    expect(mlpConfigOf(description)).toEqual(DEFAULT_VAE_CONFIG);
    expect(weightShapes(description).reduce((n, { shape }) => n + shape.reduce((a, b) => a * b, 1), 0)).toBe(1_082_680);
  });

  it("the conv VAE follows Keras' example: two stride-2 convolutions, a dense layer, transposed convolutions back", () => {
    const model = resolveModel(convDescription());
    expect(model.layers.map((l) => [l.layer.name, l.outputShape])).toEqual([
      ['encoder.conv0', [14, 14, 32]],
      ['encoder.conv1', [7, 7, 64]],
      ['encoder.dense', [256]],
      ['mu', [20]],
      ['logvar', [20]],
      ['decoder.dense', [256]],
      ['decoder.map', [3136]],
      ['decoder.deconv0', [14, 14, 32]],
      ['decoder.deconv1', [28, 28, 1]],
    ]);
    expect(model.layers.find((l) => l.layer.name === 'decoder.deconv0')!.kernelShape).toEqual([3, 3, 32, 64]);
    expect(mlpConfigOf(convDescription())).toBe('layer "encoder.conv0" is conv2d');
    expect(() => convDescription({ input: { height: 30, width: 28, channels: 1 } })).toThrow(/divisible by 4; the images are 30×28/);
  });

  it.each<[string, (d: any) => void, RegExp]>([
    ['an unknown layer type', (d) => (d.encoder[0].type = 'lstm'), /encoder\[0\]\.type: unknown layer type "lstm"/],
    ['an unknown field', (d) => (d.encoder[0].dropout = 0.5), /encoder\[0\]\.dropout: unknown field of a conv2d layer/],
    ['an unknown activation', (d) => (d.decoder[0].activation = 'tanh'), /decoder\[0\]\.activation: expected relu or linear, got "tanh"/],
    ['a conv on a flat row', (d) => d.decoder.splice(2, 1), /decoder\[2\]: a conv2dTranspose layer needs a feature map/],
    ['a reshape of the wrong size', (d) => (d.decoder[2].shape = [7, 7, 63]), /decoder\[2\]\.shape: \[7, 7, 63\] holds 3087 values, its input 3136/],
    ['a duplicate name', (d) => (d.decoder[0].name = 'mu'), /decoder\[0\]\.name: "mu" is used twice/],
    ['a decoder of the wrong size', (d) => (d.decoder.at(-1).filters = 2), /decoder: gives 1568 values per example/],
    ['a ReLU on the logits', (d) => (d.decoder.at(-1).activation = 'relu'), /the last layer gives logits: its activation must be "linear"/],
    ['a kernel larger than its input', (d) => (d.encoder[0] = { ...d.encoder[0], padding: 'valid', kernelSize: 30 }), /a 30×30 kernel does not fit its 28×28 input/],
  ])('refuses %s, naming the place', (_, edit, message) => {
    const description = structuredClone(convDescription());
    edit(description);
    expect(() => resolveModel(description)).toThrow(message);
  });
});

/** Random small descriptions: conv and dense encoders, dense or transposed-conv decoders, any image shape. */
const descriptions = (): fc.Arbitrary<ModelDescription> =>
  fc
    .record({
      stride: fc.constantFrom(1, 2),
      half: fc.integer({ min: 1, max: 3 }),
      widthHalf: fc.integer({ min: 1, max: 3 }),
      channels: fc.integer({ min: 1, max: 3 }),
      latentDim: fc.integer({ min: 1, max: 3 }),
      encoderConvs: fc.array(fc.record({ filters: fc.integer({ min: 1, max: 3 }), kernelSize: fc.integer({ min: 1, max: 3 }), strides: fc.constantFrom(1, 2), padding: fc.constantFrom('same', 'valid') as fc.Arbitrary<'same' | 'valid'> }), { maxLength: 2 }),
      denseWidth: fc.integer({ min: 1, max: 5 }),
      convDecoder: fc.boolean(),
      extraDeconv: fc.boolean(),
      mapFilters: fc.integer({ min: 1, max: 3 }),
    })
    .map((p): ModelDescription => {
      const input: ImageShape = { height: 2 * p.half, width: 2 * p.widthHalf, channels: p.channels };
      let h = input.height;
      let w = input.width;
      const encoder: LayerDescription[] = [];
      p.encoderConvs.forEach((c, i) => {
        // Keep every kernel within its input: a valid convolution shrinks the map.
        const kernelSize = c.padding === 'valid' ? Math.min(c.kernelSize, h, w) : c.kernelSize;
        encoder.push({ type: 'conv2d', name: `e${i}`, filters: c.filters, kernelSize, strides: c.strides, padding: c.padding, activation: 'relu' });
        h = c.padding === 'same' ? Math.ceil(h / c.strides) : Math.floor((h - kernelSize) / c.strides) + 1;
        w = c.padding === 'same' ? Math.ceil(w / c.strides) : Math.floor((w - kernelSize) / c.strides) + 1;
      });
      encoder.push({ type: 'dense', name: 'e.dense', units: p.denseWidth, activation: 'relu' });
      const size = input.height * input.width * input.channels;
      const decoder: LayerDescription[] = [{ type: 'dense', name: 'd.dense', units: p.denseWidth, activation: 'relu' }];
      if (!p.convDecoder) {
        decoder.push({ type: 'dense', name: 'd.out', units: size, activation: 'linear' });
      } else {
        const s = p.stride;
        const map: [number, number, number] = [input.height / s, input.width / s, p.mapFilters];
        decoder.push({ type: 'dense', name: 'd.map', units: map[0] * map[1] * map[2], activation: 'relu' }, { type: 'reshape', shape: map });
        if (p.extraDeconv) decoder.push({ type: 'conv2dTranspose', name: 'd.mid', filters: 2, kernelSize: 3, strides: 1, padding: 'same', activation: 'relu' });
        decoder.push({ type: 'conv2dTranspose', name: 'd.out', filters: input.channels, kernelSize: 3, strides: s, padding: 'same', activation: 'linear' });
      }
      return { input, latentDim: p.latentDim, encoder, decoder };
    });

describe('hand-written backward pass against tfjs autodiff', () => {
  it('matches on random descriptions, conv layers included (relative error ≤ 1e-3)', () => {
    fc.assert(
      fc.property(descriptions(), fc.integer({ min: 1, max: 1000 }), (description, seed) => {
        const vae = new Vae(description, { seed });
        const batch = 3;
        const { inputDim, latentDim } = vae;
        const before = tf.memory().numTensors;
        tf.tidy(() => {
          const x = tf.randomUniform([batch, inputDim], 0, 1, 'float32', seed) as tf.Tensor2D;
          const eps = tf.randomNormal([batch, latentDim], 0, 1, 'float32', seed + 1) as tf.Tensor2D;
          // A loss that is linear in the three outputs: its gradients with respect to them are these weights.
          const dLogits = tf.randomNormal([batch, inputDim], 0, 1, 'float32', seed + 2) as tf.Tensor2D;
          const dMu = tf.randomNormal([batch, latentDim], 0, 1, 'float32', seed + 3) as tf.Tensor2D;
          const dLogvar = tf.randomNormal([batch, latentDim], 0, 1, 'float32', seed + 4) as tf.Tensor2D;
          const pass = vae.forward(x, eps);
          const hand = vae.backward(pass, { dLogits, dMu, dLogvar });
          disposeForwardPass(pass);
          const { grads } = tf.variableGrads(() => {
            const p = vae.forward(x, eps);
            return tf.addN([tf.sum(tf.mul(p.logits, dLogits)), tf.sum(tf.mul(p.mu, dMu)), tf.sum(tf.mul(p.logvar, dLogvar))]) as tf.Scalar;
          });
          for (const { variable } of vae.namedVariables()) {
            const auto = grads[variable.name]!;
            const mine = hand[variable.name]!;
            expect(mine.shape, variable.name).toEqual(auto.shape);
            const scale = Math.max(1, tf.max(tf.abs(auto)).dataSync()[0]!);
            const error = tf.max(tf.abs(tf.sub(mine, auto))).dataSync()[0]! / scale;
            expect(error, `${variable.name} in ${JSON.stringify(description)}`).toBeLessThan(1e-3);
          }
        });
        expect(tf.memory().numTensors).toBe(before);
        vae.dispose();
      }),
      { seed: 11, numRuns: 40 },
    );
  });
});

describe('convolution building blocks against tfjs kernels', () => {
  it('conv2dTransposeByConv equals tf.conv2dTranspose, and conv2dFilterGrad tfjs’ filter gradient', () => {
    fc.assert(
      fc.property(
        fc.record({
          b: fc.integer({ min: 1, max: 3 }),
          h: fc.integer({ min: 1, max: 6 }),
          w: fc.integer({ min: 1, max: 6 }),
          ci: fc.integer({ min: 1, max: 3 }),
          co: fc.integer({ min: 1, max: 3 }),
          k: fc.integer({ min: 1, max: 4 }),
          s: fc.integer({ min: 1, max: 3 }),
          padding: fc.constantFrom('same', 'valid') as fc.Arbitrary<'same' | 'valid'>,
          seed: fc.integer({ min: 1, max: 1000 }),
        }),
        ({ b, h, w, ci, co, k, s, padding, seed }) => {
          const oh = padding === 'same' ? h * s : (h - 1) * s + k;
          const ow = padding === 'same' ? w * s : (w - 1) * s + k;
          tf.tidy(() => {
            const x = tf.randomNormal([b, h, w, ci], 0, 1, 'float32', seed) as tf.Tensor4D;
            const filter = tf.randomNormal([k, k, co, ci], 0, 1, 'float32', seed + 1) as tf.Tensor4D;
            const want = tf.conv2dTranspose(x, filter, [b, oh, ow, co], s, padding);
            const got = conv2dTransposeByConv(x, filter, [b, oh, ow, co], s, padding);
            expect(got.shape).toEqual(want.shape);
            expect(tf.max(tf.abs(tf.sub(got, want))).dataSync()[0]!).toBeLessThan(1e-4);
            // The filter gradient of y = conv2d(u, filter): u is the big map, x the output gradient.
            const u = tf.randomNormal([b, oh, ow, co], 0, 1, 'float32', seed + 2) as tf.Tensor4D;
            const conv = (f: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(u, f as tf.Tensor4D, s, padding), x));
            const auto = tf.grad(conv)(tf.zeros([k, k, co, ci]) as tf.Tensor4D);
            const mine = conv2dFilterGrad(u, x, k, s, padding);
            expect(mine.shape).toEqual(auto.shape);
            expect(tf.max(tf.abs(tf.sub(mine, auto))).dataSync()[0]!).toBeLessThan(1e-3);
          });
        },
      ),
      { seed: 5, numRuns: 150 },
    );
  });
});
