/** Sizes of the MLP VAE. The defaults are the reference model of the PyTorch VAE tutorial. */
export interface VaeConfig {
  /** Flattened input size, e.g. 784 for 28×28 images. */
  inputDim: number;
  /** Hidden layer widths of the encoder, input side first (ReLU). */
  encoderHidden: number[];
  /** Size of the latent code z (the mu and log-variance heads). */
  latentDim: number;
  /** Hidden layer widths of the decoder, latent side first (ReLU). The output layer is sigmoid. */
  decoderHidden: number[];
}

export const DEFAULT_VAE_CONFIG: Readonly<VaeConfig> = Object.freeze({
  inputDim: 784,
  encoderHidden: [512, 256],
  latentDim: 20,
  decoderHidden: [256, 512],
});

function checkPositiveInt(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new TypeError(`VaeConfig.${field}: expected a positive integer, got ${JSON.stringify(value)}`);
  }
  return value;
}

const CONFIG_FIELDS: readonly string[] = Object.keys(DEFAULT_VAE_CONFIG);

/**
 * Fills defaults and checks every field, so a bad size fails here and not deep in a matMul. A field
 * this version does not know (say, a variant's, from a newer model.json) is refused, not dropped:
 * dropping it would build a different model than the one described.
 */
export function resolveVaeConfig(partial: Partial<VaeConfig> = {}): VaeConfig {
  const unknown = Object.keys(partial).filter((key) => !CONFIG_FIELDS.includes(key));
  if (unknown.length > 0) {
    throw new TypeError(`VaeConfig: unknown field${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => JSON.stringify(k)).join(', ')}; this version knows ${CONFIG_FIELDS.join(', ')}`);
  }
  const merged = { ...DEFAULT_VAE_CONFIG, ...partial };
  for (const field of ['encoderHidden', 'decoderHidden'] as const) {
    const widths = merged[field];
    if (!Array.isArray(widths)) {
      throw new TypeError(`VaeConfig.${field}: expected an array of positive integers, got ${JSON.stringify(widths)}`);
    }
    widths.forEach((w, i) => checkPositiveInt(w, `${field}[${i}]`));
  }
  return {
    inputDim: checkPositiveInt(merged.inputDim, 'inputDim'),
    encoderHidden: [...merged.encoderHidden],
    latentDim: checkPositiveInt(merged.latentDim, 'latentDim'),
    decoderHidden: [...merged.decoderHidden],
  };
}
