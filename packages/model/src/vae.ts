import * as tf from '@tensorflow/tfjs-core';
import { layerSpecs, resolveVaeConfig, type LayerSpec, type VaeConfig } from './config.js';
import { denseBackward, denseForward, type Activation, type DenseParams } from './dense.js';
import { linearInit } from './init.js';
import { tfSeed } from './seed.js';

interface Layer {
  spec: LayerSpec;
  params: DenseParams;
  activation: Activation;
}

/**
 * Tensors of one training forward pass, kept for the backward pass. The caller owns them:
 * release with `disposeForwardPass` (or inside a `tf.tidy`); `x` and `eps` stay the caller's.
 */
export interface ForwardPass {
  /** Input batch [batch, inputDim]. Not owned by the pass (not disposed with it). */
  x: tf.Tensor2D;
  /** Outputs of each encoder hidden layer, [batch, width]. */
  encoderActivations: tf.Tensor2D[];
  mu: tf.Tensor2D;
  logvar: tf.Tensor2D;
  /** Standard normal noise used by the reparameterization, [batch, latentDim]. Not owned by the pass. */
  eps: tf.Tensor2D;
  /** exp(logvar / 2), [batch, latentDim]. */
  std: tf.Tensor2D;
  z: tf.Tensor2D;
  /** Outputs of each decoder hidden layer, [batch, width]. */
  decoderActivations: tf.Tensor2D[];
  /** Decoder output before the sigmoid, [batch, inputDim]. */
  logits: tf.Tensor2D;
}

/** Gradients of the loss with respect to the network's three outputs, all [batch, ·]. */
export interface OutputGradients {
  dLogits: tf.Tensor2D;
  dMu: tf.Tensor2D;
  dLogvar: tf.Tensor2D;
}

export function disposeForwardPass(pass: ForwardPass): void {
  const { x: _x, eps: _eps, ...owned } = pass;
  tf.dispose(owned as unknown as tf.TensorContainer);
}

export interface VaeOptions {
  /** Seed for the PyTorch-style uniform init. */
  seed?: number;
}

/**
 * An MLP variational autoencoder on tfjs-core ops only: it runs on whichever backend the caller
 * has registered. Owns its variables: call `dispose()` when done.
 */
export class Vae {
  readonly config: VaeConfig;
  private readonly encoder: Layer[];
  private readonly muHead: Layer;
  private readonly logvarHead: Layer;
  private readonly decoder: Layer[];

  constructor(config: Partial<VaeConfig> = {}, options: VaeOptions = {}) {
    this.config = resolveVaeConfig(config);
    const specs = layerSpecs(this.config);
    let seed = options.seed ?? 0;
    const make = (spec: LayerSpec): Layer => {
      const init = linearInit(spec.inputDim, spec.outputDim, seed);
      seed += 2;
      const params = { kernel: tf.variable(init.kernel), bias: tf.variable(init.bias) };
      tf.dispose([init.kernel, init.bias]);
      return { spec, params, activation: spec.activation };
    };
    this.encoder = specs.encoder.map(make);
    this.muHead = make(specs.mu);
    this.logvarHead = make(specs.logvar);
    this.decoder = specs.decoder.map(make);
  }

  private get layers(): Layer[] {
    return [...this.encoder, this.muHead, this.logvarHead, ...this.decoder];
  }

  /** The trainable variables under their stable names (`encoder.0.kernel`, `mu.bias`, …), in a fixed order. */
  namedVariables(): Array<{ name: string; variable: tf.Variable }> {
    return this.layers.flatMap(({ spec, params }) => [
      { name: `${spec.name}.kernel`, variable: params.kernel as tf.Variable },
      { name: `${spec.name}.bias`, variable: params.bias as tf.Variable },
    ]);
  }

  /** Number of trainable scalars (1,082,680 for the reference model). */
  parameterCount(): number {
    return this.namedVariables().reduce((n, { variable }) => n + variable.size, 0);
  }

  /** q(z|x): x [batch, inputDim] → mu, logvar [batch, latentDim]. */
  encode(x: tf.Tensor2D): { mu: tf.Tensor2D; logvar: tf.Tensor2D } {
    this.checkInput(x, this.config.inputDim, 'x');
    return tf.tidy(() => {
      const h = this.encoder.reduce((a, l) => denseForward(a, l.params, l.activation), x);
      return { mu: denseForward(h, this.muHead.params, this.muHead.activation), logvar: denseForward(h, this.logvarHead.params, this.logvarHead.activation) };
    });
  }

  /** z = mu + exp(logvar/2)·eps with eps ~ N(0, I) (drawn fresh if not given; a number is taken as the seed of that draw). */
  reparameterize(mu: tf.Tensor2D, logvar: tf.Tensor2D, eps?: tf.Tensor2D | number): tf.Tensor2D {
    return tf.tidy(() => {
      const noise = eps instanceof tf.Tensor ? eps : tf.randomNormal(mu.shape, 0, 1, 'float32', eps === undefined ? undefined : tfSeed(eps));
      return tf.add(mu, tf.mul(tf.exp(tf.mul(logvar, 0.5)), noise));
    });
  }

  /** p(x|z) as logits: z [batch, latentDim] → [batch, inputDim]. Numerically safer for losses than probabilities. */
  decodeLogits(z: tf.Tensor2D): tf.Tensor2D {
    this.checkInput(z, this.config.latentDim, 'z');
    return tf.tidy(() => this.decoder.reduce((a, l) => denseForward(a, l.params, l.activation), z));
  }

  /** p(x|z) as pixel probabilities in (0, 1): z [batch, latentDim] → [batch, inputDim]. */
  decode(z: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => tf.sigmoid(this.decodeLogits(z)));
  }

  /** Decodes `n` draws of z ~ N(0, I): [n, inputDim] probabilities. Same seed, same images. */
  sample(n: number, seed?: number): tf.Tensor2D {
    return tf.tidy(() => this.decode(tf.randomNormal([n, this.config.latentDim], 0, 1, 'float32', seed === undefined ? undefined : tfSeed(seed))));
  }

  /** Decodes the posterior mean of each input: x [batch, inputDim] → probabilities [batch, inputDim]. */
  reconstruct(x: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => {
      const { mu, logvar } = this.encode(x);
      logvar.dispose();
      return this.decode(mu);
    });
  }

  /**
   * The training forward pass, keeping what `backward` needs. `eps` is the reparameterization noise
   * [batch, latentDim] (pass zeros to use z = mu).
   */
  forward(x: tf.Tensor2D, eps: tf.Tensor2D): ForwardPass {
    this.checkInput(x, this.config.inputDim, 'x');
    return tf.tidy(() => {
      const encoderActivations: tf.Tensor2D[] = [];
      let h: tf.Tensor2D = x;
      for (const l of this.encoder) {
        h = denseForward(h, l.params, l.activation);
        encoderActivations.push(h);
      }
      const mu = denseForward(h, this.muHead.params, this.muHead.activation);
      const logvar = denseForward(h, this.logvarHead.params, this.logvarHead.activation);
      const std = tf.exp(tf.mul(logvar, 0.5)) as tf.Tensor2D;
      const z = tf.add(mu, tf.mul(std, eps)) as tf.Tensor2D;
      const decoderActivations: tf.Tensor2D[] = [];
      let d: tf.Tensor2D = z;
      for (const l of this.decoder) {
        d = denseForward(d, l.params, l.activation);
        decoderActivations.push(d);
      }
      const logits = decoderActivations.pop()!;
      // `x` and `eps` are inputs: tidy keeps returned tensors, and inputs are not tidy's to dispose.
      return { x, encoderActivations, mu, logvar, eps, std, z, decoderActivations, logits } as unknown as tf.TensorContainerObject;
    }) as unknown as ForwardPass;
  }

  /**
   * Backpropagation through the network by hand (no registered gradients needed, so it runs on a
   * bare tfjs-core). Returns dL/dθ keyed by tfjs variable name, to be handed to `optimizer.applyGradients` as a list in `namedVariables()` order (see `trainStep` in @vae/train).
   * `grads.dMu`/`grads.dLogvar` are the loss's direct terms (the KL); the path through z is added here.
   */
  backward(pass: ForwardPass, grads: OutputGradients): tf.NamedTensorMap {
    return tf.tidy(() => {
      const out: tf.NamedTensorMap = {};
      const put = (l: Layer, g: { dKernel: tf.Tensor; dBias: tf.Tensor }) => {
        out[l.params.kernel.name] = g.dKernel;
        out[l.params.bias.name] = g.dBias;
      };
      // Decoder, output layer first.
      let dy = grads.dLogits;
      for (let i = this.decoder.length - 1; i >= 0; i--) {
        const l = this.decoder[i]!;
        const input = i === 0 ? pass.z : pass.decoderActivations[i - 1]!;
        const output = i === this.decoder.length - 1 ? pass.logits : pass.decoderActivations[i]!;
        const g = denseBackward(input, output, dy, l.params, l.activation, true);
        put(l, g);
        dy = g.dx!;
      }
      // z = mu + std·eps: dz/dmu = 1, dz/dlogvar = eps·std/2.
      const dz = dy;
      const dMu: tf.Tensor2D = tf.add(dz, grads.dMu);
      const dLogvar: tf.Tensor2D = tf.add(tf.mul(tf.mul(dz, pass.eps), tf.mul(pass.std, 0.5)), grads.dLogvar);
      const h = pass.encoderActivations[pass.encoderActivations.length - 1] ?? pass.x;
      const gMu = denseBackward(h, pass.mu, dMu, this.muHead.params, this.muHead.activation, true);
      const gLv = denseBackward(h, pass.logvar, dLogvar, this.logvarHead.params, this.logvarHead.activation, true);
      put(this.muHead, gMu);
      put(this.logvarHead, gLv);
      dy = tf.add(gMu.dx!, gLv.dx!);
      for (let i = this.encoder.length - 1; i >= 0; i--) {
        const l = this.encoder[i]!;
        const input = i === 0 ? pass.x : pass.encoderActivations[i - 1]!;
        const g = denseBackward(input, pass.encoderActivations[i]!, dy, l.params, l.activation, i > 0);
        put(l, g);
        if (g.dx) dy = g.dx;
      }
      return out;
    });
  }

  /** Copies of the weights under their stable names (caller disposes). */
  getWeights(): tf.NamedTensorMap {
    return Object.fromEntries(this.namedVariables().map(({ name, variable }) => [name, tf.clone(variable)]));
  }

  /** Assigns weights by stable name; every variable must be present with its exact shape. */
  setWeights(weights: tf.NamedTensorMap, source = 'weights'): void {
    for (const { name, variable } of this.namedVariables()) {
      const w = weights[name];
      if (!w) throw new Error(`${source}: missing weight "${name}" (expected shape [${variable.shape.join(', ')}])`);
      if (!tf.util.arraysEqual(w.shape, variable.shape)) {
        throw new Error(`${source}: weight "${name}" has shape [${w.shape.join(', ')}], expected [${variable.shape.join(', ')}]`);
      }
    }
    for (const { name, variable } of this.namedVariables()) variable.assign(weights[name]!);
  }

  dispose(): void {
    for (const { variable } of this.namedVariables()) variable.dispose();
  }

  private checkInput(t: tf.Tensor, width: number, name: string): void {
    if (t.rank !== 2 || t.shape[1] !== width) {
      throw new Error(`Vae: ${name} must have shape [batch, ${width}], got [${t.shape.join(', ')}]`);
    }
  }
}
