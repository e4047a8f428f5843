import { resolveModel, type Activation, type ModelDescription, type ResolvedLayer } from '@vae/model';

/** One dense layer as the kernels see it: sizes, activation and where its weights sit in the packed parameter buffer. */
export interface DenseStage {
  name: string;
  /** Inputs per row (K) and outputs per row (N): kernel `[K, N]` row-major at `kernelOffset`, bias `[N]` at `biasOffset`. */
  inputs: number;
  outputs: number;
  activation: Activation;
  kernelOffset: number;
  biasOffset: number;
}

/**
 * The model as a fused step runs it: the encoder's dense layers, the two Gaussian heads, the
 * decoder's dense layers (the last gives the logits), and every weight's place in one packed
 * buffer, in `weightShapes` / `namedVariables()` order (per layer its kernel, then its bias).
 */
export interface FusedPlan {
  inputSize: number;
  latentDim: number;
  encoder: DenseStage[];
  mu: DenseStage;
  logvar: DenseStage;
  decoder: DenseStage[];
  /** Floats in the packed parameter buffer (and in the gradient and moment buffers of the same layout). */
  parameterCount: number;
  /** Each variable's [offset, length] in the packed buffer, in `namedVariables()` order. */
  variableRanges: [number, number][];
}

/**
 * Why the fused engine cannot train `model`, or undefined when it can: it has kernels for dense
 * layers only (an MLP VAE); a convolutional VAE is declined, naming the layer, so the registry
 * passes it to an engine that trains exactly that model.
 */
export function fusedWebgpuDeclines(model: ModelDescription): string | undefined {
  const resolved = resolveModel(model);
  for (const part of ['encoder', 'decoder'] as const) {
    for (const step of resolved[part]) {
      if (step.kind === 'reshape') return `the fused WebGPU step has kernels for dense layers only (an MLP VAE): the ${part} has a reshape layer`;
      const { layer } = step.resolved;
      if (layer.type !== 'dense') return `the fused WebGPU step has kernels for dense layers only (an MLP VAE): layer "${layer.name}" is ${layer.type}`;
    }
  }
  if (resolved.decoder.length === 0) return 'the fused WebGPU step needs at least one decoder layer (the logits)';
  return undefined;
}

/** The plan of a model `fusedWebgpuDeclines` accepts (it throws, with the reason, on any other). */
export function fusedPlan(model: ModelDescription): FusedPlan {
  const declined = fusedWebgpuDeclines(model);
  if (declined) throw new Error(declined);
  const resolved = resolveModel(model);
  let offset = 0;
  const variableRanges: [number, number][] = [];
  const stages = new Map<ResolvedLayer, DenseStage>();
  for (const layer of resolved.layers) {
    const [inputs, outputs] = layer.kernelShape as [number, number];
    const kernelOffset = offset;
    offset += inputs * outputs;
    const biasOffset = offset;
    offset += outputs;
    variableRanges.push([kernelOffset, inputs * outputs], [biasOffset, outputs]);
    stages.set(layer, { name: layer.layer.name, inputs, outputs, activation: layer.layer.activation, kernelOffset, biasOffset });
  }
  const stageOf = (layer: ResolvedLayer) => stages.get(layer)!;
  const dense = (steps: typeof resolved.encoder) => steps.map((step) => (step.kind === 'weighted' ? stageOf(step.resolved) : undefined)).filter((s): s is DenseStage => s !== undefined);
  return {
    inputSize: resolved.inputSize,
    latentDim: model.latentDim,
    encoder: dense(resolved.encoder),
    mu: stageOf(resolved.mu),
    logvar: stageOf(resolved.logvar),
    decoder: dense(resolved.decoder),
    parameterCount: offset,
    variableRanges,
  };
}
