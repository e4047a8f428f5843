// What the benches share: the reference model, a seeded generator, and its PyTorch-style initial weights.
import { mlpDescription, weightShapes } from '@vae/model/description';
import { isNativeAvailable, nativeLoadError } from '../dist/index.js';

export const REFERENCE_CONFIG = { inputDim: 784, encoderHidden: [512, 256], latentDim: 20, decoderHidden: [256, 512] };

/** The reference model as the trainer takes it: its description. */
export const REFERENCE_MODEL = mlpDescription(REFERENCE_CONFIG);

/** A Park–Miller generator (repeatable across runs and builds) with a Box–Muller normal. */
export function seededRandom(seed = 12345) {
  const uniform = () => {
    seed = (seed * 16807) % 2147483647;
    return seed / 2147483647;
  };
  const normal = () => Math.sqrt(-2 * Math.log(uniform() + 1e-12)) * Math.cos(2 * Math.PI * uniform());
  return { uniform, normal };
}

/** PyTorch's nn.Linear init: uniform in ±1/√fan_in, per tensor in the description's order (`weightShapes`). */
export function initialWeights(config, uniform) {
  return weightShapes(mlpDescription(config)).map(({ shape }, i, all) => {
    const fanIn = shape.length === 2 ? shape[0] : all[i - 1].shape[0];
    const bound = 1 / Math.sqrt(fanIn);
    return Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => (2 * uniform() - 1) * bound);
  });
}

/** What every bench starts from: the addon (or exit 1 saying why not), the reference model, a seeded generator and its initial weights. */
export function referenceStart() {
  if (!isNativeAvailable()) {
    console.error(`@vae/native is unavailable: ${nativeLoadError()}`);
    process.exit(1);
  }
  const { uniform, normal } = seededRandom();
  return { config: REFERENCE_CONFIG, uniform, normal, initial: initialWeights(REFERENCE_CONFIG, uniform) };
}
