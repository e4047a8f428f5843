import * as tf from '@tensorflow/tfjs-core';
import type { VaeConfig } from './config.js';
import { mlpDescription, resolveModel, type ImageShape, type ModelDescription, type ResolvedLayer, type ResolvedModel } from './description.js';
import { uniformInit } from './init.js';
import { layerBackward, layerForward, type LayerGrads, type LayerParams } from './layer-ops.js';
import { tfSeed } from './seed.js';

interface Layer {
  resolved: ResolvedLayer;
  params: LayerParams;
}

/** Whether `model` is a description (it lists layers) rather than an MLP config. */
function isDescription(model: Partial<VaeConfig> | ModelDescription): model is ModelDescription {
  return typeof model === 'object' && model !== null && 'encoder' in model;
}

/**
 * Tensors of one training forward pass, kept for the backward pass. The caller owns them:
 * release with `disposeForwardPass` (or inside a `tf.tidy`); `x` and `eps` stay the caller's.
 */
export interface ForwardPass {
  /** Input batch [batch, inputDim]. Not owned by the pass (not disposed with it). */
  x: tf.Tensor2D;
  /** Outputs of each weighted encoder layer, flat rows [batch, size]. */
  encoderActivations: tf.Tensor2D[];
  mu: tf.Tensor2D;
  logvar: tf.Tensor2D;
  /** Standard normal noise used by the reparameterization, [batch, latentDim]. Not owned by the pass. */
  eps: tf.Tensor2D;
  /** exp(logvar / 2), [batch, latentDim]. */
  std: tf.Tensor2D;
  z: tf.Tensor2D;
  /** Outputs of each weighted decoder layer but the last, flat rows [batch, size]. */
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
 * A variational autoencoder built from a `ModelDescription` (the MLP of a `VaeConfig` by default:
 * the reference model) on tfjs-core ops only: it runs on whichever backend the caller has
 * registered. Owns its variables: call `dispose()` when done.
 */
export class Vae {
  /** What this model is: the one description every engine, saved file and exporter reads. */
  readonly description: ModelDescription;
  /** Values per example: height · width · channels. */
  readonly inputDim: number;
  readonly latentDim: number;
  private readonly resolved: ResolvedModel;
  private readonly encoder: Layer[];
  private readonly muHead: Layer;
  private readonly logvarHead: Layer;
  private readonly decoder: Layer[];

  /**
   * `model`: a description (see `mlpDescription`, `convDescription`), or the sizes of an MLP
   * (`VaeConfig`, defaults: the reference model) whose image is taken to be square and grey.
   * Layer k (in `namedVariables` order) is initialized with seeds seed + 2k and seed + 2k + 1.
   */
  constructor(model: Partial<VaeConfig> | ModelDescription = {}, options: VaeOptions = {}) {
    this.resolved = resolveModel(isDescription(model) ? model : mlpDescription(model));
    this.description = this.resolved.description;
    this.inputDim = this.resolved.inputSize;
    this.latentDim = this.description.latentDim;
    let seed = options.seed ?? 0;
    const make = (resolved: ResolvedLayer): Layer => {
      const init = uniformInit(resolved.kernelShape, resolved.biasShape, resolved.fanIn, seed);
      seed += 2;
      const params = { kernel: tf.variable(init.kernel), bias: tf.variable(init.bias) as tf.Variable<tf.Rank.R1> };
      tf.dispose([init.kernel, init.bias]);
      return { resolved, params };
    };
    const byName = new Map(this.resolved.layers.map((l) => [l.layer.name, make(l)]));
    const part = (name: ResolvedLayer['part']) => this.resolved.layers.filter((l) => l.part === name).map((l) => byName.get(l.layer.name)!);
    this.encoder = part('encoder');
    this.muHead = byName.get('mu')!;
    this.logvarHead = byName.get('logvar')!;
    this.decoder = part('decoder');
  }

  /** The image each example is: `inputDim` values, height × width × channels, channels last. */
  get imageShape(): ImageShape {
    return { ...this.description.input };
  }

  private get layers(): Layer[] {
    return [...this.encoder, this.muHead, this.logvarHead, ...this.decoder];
  }

  /** The trainable variables under their stable names (`encoder.0.kernel`, `mu.bias`, …), in a fixed order. */
  namedVariables(): Array<{ name: string; variable: tf.Variable }> {
    return this.layers.flatMap(({ resolved, params }) => [
      { name: `${resolved.layer.name}.kernel`, variable: params.kernel },
      { name: `${resolved.layer.name}.bias`, variable: params.bias as tf.Variable },
    ]);
  }

  /** Number of trainable scalars (1,082,680 for the reference model). */
  parameterCount(): number {
    return this.namedVariables().reduce((n, { variable }) => n + variable.size, 0);
  }

  /** q(z|x): x [batch, inputDim] → mu, logvar [batch, latentDim]. */
  encode(x: tf.Tensor2D): { mu: tf.Tensor2D; logvar: tf.Tensor2D } {
    this.checkInput(x, this.inputDim, 'x');
    return tf.tidy(() => {
      const h = this.encoder.reduce((a, l) => layerForward(l.resolved, l.params, a), x);
      return { mu: layerForward(this.muHead.resolved, this.muHead.params, h), logvar: layerForward(this.logvarHead.resolved, this.logvarHead.params, h) };
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
    this.checkInput(z, this.latentDim, 'z');
    return tf.tidy(() => this.decoder.reduce((a, l) => layerForward(l.resolved, l.params, a), z));
  }

  /** p(x|z) as pixel probabilities in (0, 1): z [batch, latentDim] → [batch, inputDim]. */
  decode(z: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => tf.sigmoid(this.decodeLogits(z)));
  }

  /** Decodes `n` draws of z ~ N(0, I): [n, inputDim] probabilities. Same seed, same images. */
  sample(n: number, seed?: number): tf.Tensor2D {
    return tf.tidy(() => this.decode(tf.randomNormal([n, this.latentDim], 0, 1, 'float32', seed === undefined ? undefined : tfSeed(seed))));
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
    this.checkInput(x, this.inputDim, 'x');
    return tf.tidy(() => {
      const encoderActivations: tf.Tensor2D[] = [];
      let h: tf.Tensor2D = x;
      for (const l of this.encoder) {
        h = layerForward(l.resolved, l.params, h);
        encoderActivations.push(h);
      }
      const mu = layerForward(this.muHead.resolved, this.muHead.params, h);
      const logvar = layerForward(this.logvarHead.resolved, this.logvarHead.params, h);
      const std = tf.exp(tf.mul(logvar, 0.5)) as tf.Tensor2D;
      const z = tf.add(mu, tf.mul(std, eps)) as tf.Tensor2D;
      const decoderActivations: tf.Tensor2D[] = [];
      let d: tf.Tensor2D = z;
      for (const l of this.decoder) {
        d = layerForward(l.resolved, l.params, d);
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
      const put = (l: Layer, g: LayerGrads) => {
        out[l.params.kernel.name] = g.dKernel;
        out[l.params.bias.name] = g.dBias;
      };
      // Decoder, output layer first.
      let dy = grads.dLogits;
      for (let i = this.decoder.length - 1; i >= 0; i--) {
        const l = this.decoder[i]!;
        const input = i === 0 ? pass.z : pass.decoderActivations[i - 1]!;
        const output = i === this.decoder.length - 1 ? pass.logits : pass.decoderActivations[i]!;
        const g = layerBackward(l.resolved, l.params, input, output, dy, true);
        put(l, g);
        dy = g.dx!;
      }
      // z = mu + std·eps: dz/dmu = 1, dz/dlogvar = eps·std/2.
      const dz = dy;
      const dMu: tf.Tensor2D = tf.add(dz, grads.dMu);
      const dLogvar: tf.Tensor2D = tf.add(tf.mul(tf.mul(dz, pass.eps), tf.mul(pass.std, 0.5)), grads.dLogvar);
      const h = pass.encoderActivations[pass.encoderActivations.length - 1] ?? pass.x;
      const gMu = layerBackward(this.muHead.resolved, this.muHead.params, h, pass.mu, dMu, true);
      const gLv = layerBackward(this.logvarHead.resolved, this.logvarHead.params, h, pass.logvar, dLogvar, true);
      put(this.muHead, gMu);
      put(this.logvarHead, gLv);
      dy = tf.add(gMu.dx!, gLv.dx!);
      for (let i = this.encoder.length - 1; i >= 0; i--) {
        const l = this.encoder[i]!;
        const input = i === 0 ? pass.x : pass.encoderActivations[i - 1]!;
        const g = layerBackward(l.resolved, l.params, input, pass.encoderActivations[i]!, dy, i > 0);
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
