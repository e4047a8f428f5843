import type * as tf from '@tensorflow/tfjs-core';
import { resolveModel, type DenseLayer, type ResolvedLayer, type ResolvedModel, type ResolvedStep, type Vae } from '@vae/model';
import { ExportError } from './export-error.js';

/** y = activation(x · kernel + bias); `kernel` is [inputDim, outputDim] row-major, as @vae/model stores it. */
export interface DenseNode {
  kind: 'dense';
  /** The layer's stable name in @vae/model (`encoder.0`, `mu`, …); also the name of its output tensor. */
  name: string;
  input: string;
  inputDim: number;
  outputDim: number;
  /** As the layer's description says; each format checks that it can write it. */
  activation: string;
  kernel: Float32Array;
  bias: Float32Array;
}

/** An elementwise function giving a named output: the decoder's sigmoid, and the identity that names the logits. */
export interface ActivationNode {
  kind: 'activation';
  /** The output's name (`probabilities`, `logits`). */
  name: string;
  input: string;
  dim: number;
  activation: 'sigmoid' | 'linear';
}

export type NetworkNode = DenseNode | ActivationNode;

/** A named tensor of shape [batch, dim], the batch size left open. */
export interface NetworkTensor {
  name: string;
  dim: number;
  /** What it holds, for the files' doc strings. */
  doc: string;
}

/** One exported model: the encoder (x → mu, logvar) or the decoder (z → probabilities, logits). */
export interface Network {
  part: 'encoder' | 'decoder';
  /** Pixels per image and the size of z, as the model's description gives them. */
  inputDim: number;
  latentDim: number;
  input: NetworkTensor;
  /** In the order they run: each reads the network input or an earlier node's output. */
  nodes: NetworkNode[];
  outputs: NetworkTensor[];
}

/** What the networks are built from: the model's resolved description (`resolveModel`) and its weights by stable name. */
export interface NetworkSource {
  model: ResolvedModel;
  weights: Record<string, { shape: readonly number[]; values: Float32Array }>;
}

/** The fields of a layer description this exporter knows how to write. Anything else (a future layer field…) is refused, not dropped. */
const KNOWN_LAYER_FIELDS: readonly string[] = ['type', 'name', 'units', 'activation'] satisfies (keyof DenseLayer)[];

/** Reads a model's description (resolved: every layer with its shapes) and a copy of its weights. */
export async function vaeSource(vae: Vae): Promise<NetworkSource> {
  const model = resolveModel(vae.description);
  // The formats are written from dense layers; a model with others (a conv VAE) is refused before anything is read.
  const other = model.layers.find((l) => l.layer.type !== 'dense');
  if (other) throw new ExportError(`the exporters write MLP models (dense layers) only: layer "${other.layer.name}" is ${other.layer.type}`);
  const tensors: tf.NamedTensorMap = vae.getWeights();
  try {
    const weights: NetworkSource['weights'] = {};
    for (const [name, tensor] of Object.entries(tensors)) {
      weights[name] = { shape: tensor.shape, values: (await tensor.data()) as Float32Array };
    }
    return { model, weights };
  } finally {
    for (const tensor of Object.values(tensors)) tensor.dispose();
  }
}

function refuse(layer: string, what: string): never {
  throw new ExportError(`layer "${layer}": ${what}`);
}

const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

function denseNode(step: ResolvedStep | ResolvedLayer, input: { name: string; dim: number }, source: NetworkSource): DenseNode {
  if ('kind' in step && step.kind === 'reshape') refuse(`reshape after "${input.name}"`, 'the exporters write dense layers only');
  const resolved = 'kind' in step ? (step as Extract<ResolvedStep, { kind: 'weighted' }>).resolved : step;
  const layer = resolved.layer as unknown as Record<string, unknown>;
  const name = typeof layer.name === 'string' ? layer.name : JSON.stringify(layer);
  const unknown = Object.keys(layer).filter((key) => !KNOWN_LAYER_FIELDS.includes(key));
  if (unknown.length > 0) {
    refuse(
      name,
      `field ${unknown.map((k) => JSON.stringify(k)).join(', ')} is not one this exporter knows (it writes dense layers: ${KNOWN_LAYER_FIELDS.join(', ')}); ` +
        'writing the layer without it would compute something else: update @vae/export to a version that knows this model',
    );
  }
  if (layer.type !== 'dense') refuse(name, `is a ${String(layer.type)} layer; the exporters write dense layers only`);
  const inputDim = size(resolved.inputShape);
  const outputDim = size(resolved.outputShape);
  if (inputDim !== input.dim) refuse(name, `takes ${inputDim} inputs but "${input.name}" gives ${input.dim}; the layers do not form a network`);
  const kernel = source.weights[`${name}.kernel`];
  const bias = source.weights[`${name}.bias`];
  const check = (weight: typeof kernel, suffix: string, shape: number[]) => {
    if (!weight) refuse(name, `no weight "${name}.${suffix}" in the model; export a model loaded whole (loadVae)`);
    if (weight.shape.length !== shape.length || weight.shape.some((d, i) => d !== shape[i]) || weight.values.length !== size(shape)) {
      refuse(name, `weight "${name}.${suffix}" has shape [${weight.shape.join(', ')}], expected [${shape.join(', ')}]`);
    }
  };
  check(kernel, 'kernel', [inputDim, outputDim]);
  check(bias, 'bias', [outputDim]);
  return { kind: 'dense', name, input: input.name, inputDim, outputDim, activation: String(layer.activation), kernel: kernel!.values, bias: bias!.values };
}

/** Dense layers one after another from `input`; returns the nodes and the last tensor. */
function chain(steps: ResolvedStep[], input: { name: string; dim: number }, source: NetworkSource) {
  const nodes: DenseNode[] = [];
  let last = input;
  for (const step of steps) {
    const node = denseNode(step, last, source);
    nodes.push(node);
    last = { name: node.name, dim: node.outputDim };
  }
  return { nodes, last };
}

/**
 * The encoder and decoder as format-neutral graphs, from the resolved description: every layer the model has,
 * in its order, with its activation. What a format cannot write is refused by that format's writer.
 */
export function vaeNetworks(source: NetworkSource): { encoder: Network; decoder: Network } {
  const { model } = source;
  const inputDim = model.inputSize;
  const latentDim = model.description.latentDim;
  const x = { name: 'x', dim: inputDim };
  const body = chain(model.encoder, x, source);
  const mu = denseNode(model.mu, body.last, source);
  const logvar = denseNode(model.logvar, body.last, source);
  const encoder: Network = {
    part: 'encoder',
    inputDim,
    latentDim,
    input: { ...x, doc: `images, ${inputDim} pixels each, normalized as in training` },
    nodes: [...body.nodes, mu, logvar],
    outputs: [
      { name: mu.name, dim: mu.outputDim, doc: 'mean of q(z|x)' },
      { name: logvar.name, dim: logvar.outputDim, doc: 'log-variance of q(z|x)' },
    ],
  };

  const z = { name: 'z', dim: latentDim };
  const head = chain(model.decoder, z, source);
  if (head.last.dim !== inputDim) refuse(head.last.name, `gives ${head.last.dim} values, the model's images have ${inputDim} pixels`);
  // decodeLogits is the last layer's output, decode its sigmoid (@vae/model's Vae): two named outputs.
  const decoder: Network = {
    part: 'decoder',
    inputDim,
    latentDim,
    input: { ...z, doc: `latent codes, ${latentDim} each` },
    nodes: [
      ...head.nodes,
      { kind: 'activation', name: 'probabilities', input: head.last.name, dim: head.last.dim, activation: 'sigmoid' },
      { kind: 'activation', name: 'logits', input: head.last.name, dim: head.last.dim, activation: 'linear' },
    ],
    outputs: [
      { name: 'probabilities', dim: inputDim, doc: 'sigmoid(logits): pixel probabilities of p(x|z), in (0, 1)' },
      { name: 'logits', dim: inputDim, doc: 'logits of p(x|z), before the sigmoid' },
    ],
  };
  for (const network of [encoder, decoder]) {
    const names = [network.input.name, ...network.nodes.map((n) => n.name)];
    const twice = names.find((name, i) => names.indexOf(name) !== i);
    if (twice !== undefined) refuse(twice, `the ${network.part} would have two tensors named "${twice}"; rename the layer in its description`);
  }
  return { encoder, decoder };
}
