import { DEFAULT_VAE_CONFIG, resolveVaeConfig, type VaeConfig } from './config.js';
// `show`: a value in a message, cut to one short line.
import { brief as show, isRecord } from '@vae/internal';

/**
 * The model described once: a VAE is an image shape, an encoder (a list of layers from the image
 * to a feature vector), two Gaussian heads `mu` and `logvar` (dense, linear, `latentDim` wide, read
 * from the flattened encoder output), and a decoder (a list of layers from z to the image's logits).
 * `@vae/model` builds it on tfjs-core ops, the native engine and the exporters read it, and a saved
 * model records it. Every engine interprets this description; one that lacks a layer's kernel
 * declines the run, naming the layer (`describeUnsupported`).
 *
 * Tensors flow between layers as flat rows `[batch, size]`; a layer that needs a feature map reads
 * its row as `[height, width, channels]` (channels last), as tfjs and TensorFlow store images.
 */
export interface ModelDescription {
  /** The image: `height × width × channels` values per example, channels last. */
  input: ImageShape;
  /** Size of z: the width of the `mu` and `logvar` heads. */
  latentDim: number;
  /** Image → features, in order. The heads read the last layer's output, flattened. */
  encoder: LayerDescription[];
  /** z → logits of the image, in order. The last layer gives `height·width·channels` values, linear. */
  decoder: LayerDescription[];
}

export interface ImageShape {
  height: number;
  width: number;
  channels: number;
}

/** What a layer applies after its affine map. The decoder's last layer is `linear` (logits): `decode` applies the sigmoid. */
export type Activation = 'relu' | 'linear';

export const ACTIVATIONS: readonly Activation[] = ['relu', 'linear'];

/** y = act(x·W + b). Kernel `[in, units]`, bias `[units]`. Reads any input as a flat row. */
export interface DenseLayer {
  type: 'dense';
  /** Stable name in saved files: its weights are `<name>.kernel` and `<name>.bias`. */
  name: string;
  units: number;
  activation: Activation;
}

/** What a convolution and its transpose both have. */
interface ConvolutionFields {
  name: string;
  filters: number;
  kernelSize: number;
  strides: number;
  /**
   * conv2d: `same` gives ⌈in/strides⌉ (TensorFlow's padding, the extra row and column at the
   * bottom/right), `valid` no padding. conv2dTranspose: `same` gives in·strides, `valid` (in − 1)·strides + k.
   */
  padding: 'same' | 'valid';
  activation: Activation;
}

/** A 2-D convolution (cross-correlation, as tfjs' `conv2d`). Kernel `[k, k, inChannels, filters]`, bias `[filters]`. */
export interface Conv2dLayer extends ConvolutionFields {
  type: 'conv2d';
}

/** The transpose of a `conv2d` (tfjs' `conv2dTranspose`). Kernel `[k, k, filters, inChannels]`, bias `[filters]`. */
export interface Conv2dTransposeLayer extends ConvolutionFields {
  type: 'conv2dTranspose';
}

/** Reads a flat row as a feature map `[height, width, channels]` (no weights, no copy). */
export interface ReshapeLayer {
  type: 'reshape';
  shape: [number, number, number];
}

export type LayerDescription = DenseLayer | Conv2dLayer | Conv2dTransposeLayer | ReshapeLayer;
export type LayerType = LayerDescription['type'];
export type WeightedLayer = Exclude<LayerDescription, ReshapeLayer>;

/** A tensor's shape per example: a flat row `[size]` or a feature map `[height, width, channels]`. */
export type ExampleShape = [number] | [number, number, number];

/** One weighted layer, resolved: where it sits, its input and output shapes and its weights' shapes. */
export interface ResolvedLayer {
  layer: WeightedLayer;
  part: 'encoder' | 'heads' | 'decoder';
  inputShape: ExampleShape;
  outputShape: ExampleShape;
  kernelShape: number[];
  biasShape: [number];
  /** Inputs per output (PyTorch's fan_in): the init draws uniformly in ±1/√fanIn. */
  fanIn: number;
}

/** Every layer of a description with its shapes, in the model's fixed order (encoder, mu, logvar, decoder). */
export interface ResolvedModel {
  description: ModelDescription;
  inputSize: number;
  layers: ResolvedLayer[];
  /** The steps of each part, reshapes included, with the shape each one produces. */
  encoder: ResolvedStep[];
  mu: ResolvedLayer;
  logvar: ResolvedLayer;
  decoder: ResolvedStep[];
}

export type ResolvedStep = { kind: 'weighted'; resolved: ResolvedLayer } | { kind: 'reshape'; shape: [number, number, number] };

/** A description that does not describe a model this version can build; one line naming the field. */
export class ModelDescriptionError extends TypeError {
  override name = 'ModelDescriptionError';
}

const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/** The output length of a convolution along one axis, as TensorFlow computes it. */
export function convOutputSize(input: number, kernelSize: number, strides: number, padding: 'same' | 'valid'): number {
  return padding === 'same' ? Math.ceil(input / strides) : Math.floor((input - kernelSize) / strides) + 1;
}

/** The output length of a transposed convolution along one axis (Keras' choice for `same`). */
export function convTransposeOutputSize(input: number, kernelSize: number, strides: number, padding: 'same' | 'valid'): number {
  return padding === 'same' ? input * strides : (input - 1) * strides + kernelSize;
}

const LAYER_FIELDS: Record<LayerType, readonly string[]> = {
  dense: ['type', 'name', 'units', 'activation'],
  conv2d: ['type', 'name', 'filters', 'kernelSize', 'strides', 'padding', 'activation'],
  conv2dTranspose: ['type', 'name', 'filters', 'kernelSize', 'strides', 'padding', 'activation'],
  reshape: ['type', 'shape'],
};

/**
 * Checks a description and works out every layer's shapes. Anything this version does not know (a
 * layer type, a field, an activation) is refused, never dropped: dropping it would build another
 * model than the one described. Errors are `ModelDescriptionError`, one line naming the place.
 */
export function resolveModel(description: unknown): ResolvedModel {
  const fail = (where: string, what: string): never => {
    throw new ModelDescriptionError(`model description: ${where}: ${what}`);
  };
  if (!isRecord(description)) return fail('(top)', `expected an object, got ${show(description)}`);
  const known = ['input', 'latentDim', 'encoder', 'decoder'];
  const extra = Object.keys(description).filter((k) => !known.includes(k));
  if (extra.length > 0) fail(extra.map((k) => JSON.stringify(k)).join(', '), `unknown field; this version knows ${known.join(', ')}`);
  const positive = (v: unknown, where: string): number =>
    typeof v === 'number' && Number.isSafeInteger(v) && v >= 1 ? v : fail(where, `expected a positive integer, got ${show(v)}`);
  const input = description.input;
  if (!isRecord(input)) return fail('input', `expected { height, width, channels }, got ${show(input)}`);
  const inputShape: [number, number, number] = [
    positive(input.height, 'input.height'),
    positive(input.width, 'input.width'),
    positive(input.channels, 'input.channels'),
  ];
  const extraInput = Object.keys(input).filter((k) => !['height', 'width', 'channels'].includes(k));
  if (extraInput.length > 0) fail(`input.${extraInput[0]}`, 'unknown field; input has height, width, channels');
  const latentDim = positive(description.latentDim, 'latentDim');
  const names = new Set<string>(['mu', 'logvar']);
  const layers: ResolvedLayer[] = [];

  const chain = (part: 'encoder' | 'decoder', list: unknown, start: ExampleShape): { steps: ResolvedStep[]; shape: ExampleShape } => {
    if (!Array.isArray(list)) return fail(part, `expected a list of layers, got ${show(list)}`);
    let shape = start;
    const steps: ResolvedStep[] = [];
    list.forEach((raw: unknown, i) => {
      const where = `${part}[${i}]`;
      if (!isRecord(raw)) return fail(where, `expected a layer object, got ${show(raw)}`);
      const type = raw.type;
      if (typeof type !== 'string' || !Object.hasOwn(LAYER_FIELDS, type)) {
        return fail(`${where}.type`, `unknown layer type ${show(type)}; this version knows ${Object.keys(LAYER_FIELDS).join(', ')}`);
      }
      const fields = LAYER_FIELDS[type as LayerType];
      const unknown = Object.keys(raw).filter((k) => !fields.includes(k));
      if (unknown.length > 0) fail(`${where}.${unknown[0]}`, `unknown field of a ${type} layer; it has ${fields.join(', ')}`);
      if (type === 'reshape') {
        const target = raw.shape;
        if (!Array.isArray(target) || target.length !== 3) return fail(`${where}.shape`, `expected [height, width, channels], got ${show(target)}`);
        const dims = target.map((d, j) => positive(d, `${where}.shape[${j}]`)) as [number, number, number];
        if (size(dims) !== size(shape)) fail(`${where}.shape`, `[${dims.join(', ')}] holds ${size(dims)} values, its input ${size(shape)}`);
        steps.push({ kind: 'reshape', shape: dims });
        shape = dims;
        return;
      }
      const name = raw.name;
      if (typeof name !== 'string' || !/^[A-Za-z_][\w.-]*$/.test(name)) return fail(`${where}.name`, `expected a name like "encoder.0", got ${show(name)}`);
      if (names.has(name)) fail(`${where}.name`, `"${name}" is used twice`);
      names.add(name);
      const activation = raw.activation;
      if (!ACTIVATIONS.includes(activation as Activation)) fail(`${where}.activation`, `expected ${ACTIVATIONS.join(' or ')}, got ${show(activation)}`);
      let resolved: ResolvedLayer;
      if (type === 'dense') {
        const units = positive(raw.units, `${where}.units`);
        const inSize = size(shape);
        resolved = { layer: raw as unknown as DenseLayer, part, inputShape: shape, outputShape: [units], kernelShape: [inSize, units], biasShape: [units], fanIn: inSize };
      } else {
        if (shape.length !== 3) return fail(where, `a ${type} layer needs a feature map [height, width, channels]; its input is a flat row of ${shape[0]} (add a reshape layer before it)`);
        const filters = positive(raw.filters, `${where}.filters`);
        const k = positive(raw.kernelSize, `${where}.kernelSize`);
        const s = positive(raw.strides, `${where}.strides`);
        const padding = raw.padding;
        if (padding !== 'same' && padding !== 'valid') return fail(`${where}.padding`, `expected "same" or "valid", got ${show(padding)}`);
        const [h, w, c] = shape;
        const transpose = type === 'conv2dTranspose';
        const out = transpose ? convTransposeOutputSize : convOutputSize;
        const oh = out(h, k, s, padding);
        const ow = out(w, k, s, padding);
        if (oh < 1 || ow < 1) fail(where, `a ${k}×${k} kernel does not fit its ${h}×${w} input with padding "${padding}"`);
        resolved = {
          layer: raw as unknown as WeightedLayer,
          part,
          inputShape: shape,
          outputShape: [oh, ow, filters],
          kernelShape: transpose ? [k, k, filters, c] : [k, k, c, filters],
          biasShape: [filters],
          // PyTorch's fan_in: weight.size(1)·k·k, i.e. in-channels for Conv2d, out-channels for ConvTranspose2d.
          fanIn: (transpose ? filters : c) * k * k,
        };
      }
      layers.push(resolved);
      steps.push({ kind: 'weighted', resolved });
      shape = resolved.outputShape;
    });
    return { steps, shape };
  };

  const encoder = chain('encoder', description.encoder, inputShape);
  const features = size(encoder.shape);
  const head = (name: 'mu' | 'logvar'): ResolvedLayer => ({
    layer: { type: 'dense', name, units: latentDim, activation: 'linear' },
    part: 'heads',
    inputShape: [features],
    outputShape: [latentDim],
    kernelShape: [features, latentDim],
    biasShape: [latentDim],
    fanIn: features,
  });
  const mu = head('mu');
  const logvar = head('logvar');
  layers.push(mu, logvar);
  const decoder = chain('decoder', description.decoder, [latentDim]);
  const inputSize = size(inputShape);
  const lastDecoder = [...decoder.steps].reverse().find((s) => s.kind === 'weighted');
  if (!lastDecoder || lastDecoder.kind !== 'weighted') return fail('decoder', 'expected at least one layer (the one giving the logits)');
  if (size(decoder.shape) !== inputSize) {
    fail('decoder', `gives ${size(decoder.shape)} values per example ([${decoder.shape.join(', ')}]), the image has ${inputSize} ([${inputShape.join(', ')}])`);
  }
  if (decoder.shape.length === 3 && decoder.shape.some((d, i) => d !== inputShape[i])) {
    fail('decoder', `gives a [${decoder.shape.join(', ')}] map, the image is [${inputShape.join(', ')}]`);
  }
  if (lastDecoder.resolved.layer.activation !== 'linear') fail(`decoder layer "${lastDecoder.resolved.layer.name}"`, 'the last layer gives logits: its activation must be "linear"');
  // Weighted layers in the model's fixed order: encoder, mu, logvar, decoder (the order of namedVariables and of saved files).
  const ordered = [
    ...encoder.steps.flatMap((s) => (s.kind === 'weighted' ? [s.resolved] : [])),
    mu,
    logvar,
    ...decoder.steps.flatMap((s) => (s.kind === 'weighted' ? [s.resolved] : [])),
  ];
  return {
    description: {
      input: { height: inputShape[0], width: inputShape[1], channels: inputShape[2] },
      latentDim,
      encoder: (description.encoder as LayerDescription[]).map((l) => ({ ...l })),
      decoder: (description.decoder as LayerDescription[]).map((l) => ({ ...l })),
    },
    inputSize,
    layers: ordered,
    encoder: encoder.steps,
    mu,
    logvar,
    decoder: decoder.steps,
  };
}

/** The weights of a description by stable name, in the model's order: `<layer>.kernel`, `<layer>.bias`. */
export function weightShapes(description: ModelDescription): Array<{ name: string; shape: number[] }> {
  return resolveModel(description).layers.flatMap((l) => [
    { name: `${l.layer.name}.kernel`, shape: l.kernelShape },
    { name: `${l.layer.name}.bias`, shape: [...l.biasShape] },
  ]);
}

/** The image shape a flat size most likely is: a square grey image when it is a perfect square, else one row. */
export function guessImageShape(inputDim: number): ImageShape {
  const side = Math.round(Math.sqrt(inputDim));
  return side * side === inputDim ? { height: side, width: side, channels: 1 } : { height: 1, width: inputDim, channels: 1 };
}

/**
 * The MLP VAE of a `VaeConfig` (the reference model by default) as a description: dense ReLU
 * layers, heads, dense ReLU layers and a linear output. Layer names are those models have always
 * had (`encoder.0`, …, `decoder.2`), so weights saved before descriptions existed still load.
 * `input` gives the image shape (its size must equal `inputDim`); by default a square grey image.
 */
export function mlpDescription(config: Partial<VaeConfig> = {}, input?: ImageShape): ModelDescription {
  const c = resolveVaeConfig(config);
  const image = input ?? guessImageShape(c.inputDim);
  if (image.height * image.width * image.channels !== c.inputDim) {
    throw new ModelDescriptionError(`model description: input: ${image.height}×${image.width}×${image.channels} is not inputDim ${c.inputDim}`);
  }
  const dense = (prefix: string, widths: number[], last: Activation): DenseLayer[] =>
    widths.map((units, i) => ({ type: 'dense', name: `${prefix}.${i}`, units, activation: i === widths.length - 1 ? last : 'relu' }));
  return {
    input: { ...image },
    latentDim: c.latentDim,
    encoder: dense('encoder', c.encoderHidden, 'relu'),
    decoder: dense('decoder', [...c.decoderHidden, c.inputDim], 'linear'),
  };
}

/** The `VaeConfig` of a description that is a plain MLP VAE (dense ReLU layers, linear output), else why not. */
export function mlpConfigOf(description: ModelDescription): VaeConfig | string {
  const model = resolveModel(description);
  const hidden = (steps: ResolvedStep[], part: string, lastLinear: boolean): number[] | string => {
    const widths: number[] = [];
    for (const [i, step] of steps.entries()) {
      if (step.kind === 'reshape') return `${part} has a reshape layer`;
      const { layer } = step.resolved;
      if (layer.type !== 'dense') return `layer "${layer.name}" is ${layer.type}`;
      const wantLinear = lastLinear && i === steps.length - 1;
      if (layer.activation !== (wantLinear ? 'linear' : 'relu')) return `layer "${layer.name}" is ${layer.activation}, expected ${wantLinear ? 'linear' : 'relu'}`;
      widths.push(layer.units);
    }
    return widths;
  };
  const encoderHidden = hidden(model.encoder, 'the encoder', false);
  if (typeof encoderHidden === 'string') return encoderHidden;
  const decoderWidths = hidden(model.decoder, 'the decoder', true);
  if (typeof decoderWidths === 'string') return decoderWidths;
  const expectNames = (prefix: string, steps: ResolvedStep[]) =>
    steps.every((s, i) => s.kind === 'weighted' && s.resolved.layer.name === `${prefix}.${i}`);
  if (!expectNames('encoder', model.encoder) || !expectNames('decoder', model.decoder)) return 'its layers are not named encoder.<i> and decoder.<i>';
  return { inputDim: model.inputSize, encoderHidden, latentDim: model.description.latentDim, decoderHidden: decoderWidths.slice(0, -1) };
}

export interface ConvVaeOptions {
  /** The image. Default 28×28 grey. */
  input?: ImageShape;
  /** Default 20, as the reference MLP. */
  latentDim?: number;
  /** Widths of the stride-2 convolutions, input side first. Default [32, 64] (Keras' VAE example). */
  filters?: number[];
  /** Width of the dense layer between the feature map and the heads (and after z). Default 256. */
  dense?: number;
  kernelSize?: number;
}

/**
 * The convolutional VAE of Keras' example: 3×3 stride-2 convolutions 32 and 64 wide (ReLU), a
 * dense layer, the heads; back through a dense layer to the last feature map and stride-2
 * transposed convolutions (64 → 32 → the image's channels, the last linear: the logits).
 * The image's height and width must be divisible by 2^(number of convolutions).
 */
export function convDescription(options: ConvVaeOptions = {}): ModelDescription {
  const input = options.input ?? { height: 28, width: 28, channels: 1 };
  const latentDim = options.latentDim ?? DEFAULT_VAE_CONFIG.latentDim;
  const filters = options.filters ?? [32, 64];
  const dense = options.dense ?? 256;
  const kernelSize = options.kernelSize ?? 3;
  const scale = 2 ** filters.length;
  if (input.height % scale !== 0 || input.width % scale !== 0) {
    throw new ModelDescriptionError(
      `model description: a conv VAE with ${filters.length} stride-2 layers needs a height and width divisible by ${scale}; the images are ${input.height}×${input.width}`,
    );
  }
  const mapShape: [number, number, number] = [input.height / scale, input.width / scale, filters[filters.length - 1]!];
  const conv = (type: 'conv2d' | 'conv2dTranspose', name: string, width: number, activation: Activation): WeightedLayer => ({
    type,
    name,
    filters: width,
    kernelSize,
    strides: 2,
    padding: 'same',
    activation,
  });
  const up = [...filters].reverse().slice(1); // 64 → 32: the transposed layers' widths before the image
  return {
    input: { ...input },
    latentDim,
    encoder: [...filters.map((f, i) => conv('conv2d', `encoder.conv${i}`, f, 'relu')), { type: 'dense', name: 'encoder.dense', units: dense, activation: 'relu' }],
    decoder: [
      { type: 'dense', name: 'decoder.dense', units: dense, activation: 'relu' },
      { type: 'dense', name: 'decoder.map', units: size(mapShape), activation: 'relu' },
      { type: 'reshape', shape: mapShape },
      ...up.map((f, i) => conv('conv2dTranspose', `decoder.deconv${i}`, f, 'relu')),
      conv('conv2dTranspose', `decoder.deconv${up.length}`, input.channels, 'linear'),
    ],
  };
}

/** Whether two descriptions describe the same model (same layers, shapes and names). */
export function sameDescription(a: ModelDescription, b: ModelDescription): boolean {
  return canonicalJson(resolveModel(a).description) === canonicalJson(resolveModel(b).description);
}

/** JSON with object keys sorted: stable whatever order a file wrote them in. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    isRecord(v) ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, v[k]])) : v,
  );
}
