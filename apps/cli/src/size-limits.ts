import { constants } from 'node:buffer';
import { totalmem } from 'node:os';
import { resolveModel, type ImageShape, type ModelDescription } from '@vae/model';
import { formatCount } from './format.js';
import { UsageError } from './train-options.js';

// Sizes a user can type (`--latent-dim 1000000000`, `--grid 100000`) are checked against what can
// be allocated before anything is: a refusal names the limit and why, instead of tfjs or V8 failing
// half-way (after a run directory was written) with an error that reads like a bug.

const FLOAT = 4;
const GiB = 2 ** 30;
/** tfjs' WebAssembly backend keeps every tensor in one 32-bit heap: 4 GiB at most, on every CPU engine. */
const WASM_HEAP_BYTES = 4 * GiB;

/** What one command may allocate, and why that much. */
export interface MemoryLimit {
  bytes: number;
  why: string;
}

/** The smaller of tfjs' WebAssembly heap and half this machine's memory. */
export function memoryLimit(machineBytes = totalmem()): MemoryLimit {
  const half = machineBytes / 2;
  if (half < WASM_HEAP_BYTES) return { bytes: half, why: "half of this machine's memory" };
  return { bytes: WASM_HEAP_BYTES, why: "tfjs' WebAssembly heap, which holds the model's tensors" };
}

/** The largest typed array this Node makes, in bytes (4 GiB in Node 20). */
export const MAX_ARRAY_BYTES: number = constants.MAX_LENGTH;

/** `1.5 GB`, `300 MB`, `4 TB`: decimal units, as `df -H` prints them. */
export function formatBytes(bytes: number): string {
  const units = ['bytes', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${unit === 0 ? value : value.toPrecision(3).replace(/\.?0+$/, '')} ${units[unit]}`;
}

/**
 * Refuses `need` bytes (and one array of `largest` bytes) over the limit in one line (exit 2):
 * `<what> needs about <need>, more than the <limit> limit (<why>); <fix>`.
 */
export function checkFits(need: number, largest: number, what: string, fix: string, limit: MemoryLimit = memoryLimit()): void {
  if (largest > MAX_ARRAY_BYTES) {
    throw new UsageError(`${what} needs an array of about ${formatBytes(largest)}, more than the largest this Node can make (${formatBytes(MAX_ARRAY_BYTES)}: the typed-array length limit); ${fix}`);
  }
  if (need > limit.bytes) throw new UsageError(`${what} needs about ${formatBytes(need)}, more than the ${formatBytes(limit.bytes)} limit (${limit.why}); ${fix}`);
}

/** Weights, and values per example flowing through the layers (input, every layer's output, the reconstruction). */
function modelSizes(description: ModelDescription): { weights: number; largestWeight: number; activations: number } {
  const model = resolveModel(description);
  const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);
  let weights = 0;
  let largestWeight = 0;
  let activations = 2 * model.inputSize;
  for (const layer of model.layers) {
    weights += size(layer.kernelShape) + size(layer.biasShape);
    largestWeight = Math.max(largestWeight, size(layer.kernelShape));
    activations += size(layer.outputShape);
  }
  return { weights, largestWeight, activations };
}

/**
 * Refuses a training run that cannot fit, before anything is written: the weights with their
 * gradients, Adam's two moments and the checkpoint's copy (5 floats each), and a batch's
 * activations forward and back (about 4 floats per value). `configFile`: the resumed run's
 * config.json, where its settings came from (else the flags).
 */
export function checkTrainingFits(
  description: ModelDescription,
  settings: { latentDim: number; batchSize: number },
  trainCount: number,
  configFile: string | null,
  limit = memoryLimit(),
): void {
  const names = { 'latent-dim': 'latentDim', 'batch-size': 'batchSize' } as const;
  const flag = (name: keyof typeof names) => (configFile === null ? `--${name}` : `settings.${names[name]}`);
  const given = (name: keyof typeof names, value: number) => (configFile === null ? `--${name} ${value}` : `settings.${names[name]} = ${value} in ${configFile}`);
  const { batchSize, latentDim } = settings;
  const { weights, largestWeight, activations } = modelSizes(description);
  const weightBytes = 5 * FLOAT * weights;
  const batch = Math.min(batchSize, trainCount); // a batch is never larger than the training set
  const perExample = 4 * FLOAT * activations;
  // The checkpoint (weights and both moments) is one array.
  checkFits(weightBytes, Math.max(3 * FLOAT * weights, FLOAT * largestWeight), `${given('latent-dim', latentDim)} (training a model of ${formatCount(weights)} weights)`, `choose a smaller ${flag('latent-dim')}${configFile === null ? '' : ' (the checkpoint has the one the run was trained with)'}`, limit);
  const most = Math.floor((limit.bytes - weightBytes) / perExample);
  checkFits(
    weightBytes + batch * perExample,
    FLOAT * batch * activations,
    `${given('batch-size', batchSize)} (a batch of ${formatCount(batch)} images${batch < batchSize ? ': the whole training set' : ''})`,
    `choose a smaller ${flag('batch-size')} (at most about ${formatCount(Math.max(1, most))})`,
    limit,
  );
}

/**
 * Refuses a picture of `count` decoded images that cannot fit: their latent vectors and pixels,
 * and the grid image with its PNG (4 bytes a pixel each). `maxOf(perImage)` gives the largest
 * allowed value of the flag for the fix.
 */
export function checkImagesFit(count: number, image: ImageShape, latentDim: number, what: string, fix: (perImageBytes: number, limit: MemoryLimit) => string, limit = memoryLimit()): void {
  const pixels = image.height * image.width * image.channels;
  const perImage = FLOAT * (latentDim + pixels) + 2 * 4 * image.height * image.width;
  checkFits(count * perImage, Math.max(FLOAT * count * pixels, 4 * count * image.height * image.width), what, fix(perImage, limit), limit);
}

/** Refuses a `--k` whose draws of one image cannot fit: their noise (float32) and log-weights (float64). */
export function checkImportanceSamplesFit(samples: number, latentDim: number, limit = memoryLimit()): void {
  const perDraw = FLOAT * latentDim + 8;
  checkFits(
    samples * perDraw,
    samples * Math.max(FLOAT * latentDim, 8),
    `--k ${samples} (the noise and log-weights of one image's ${formatCount(samples)} draws)`,
    `choose a smaller --k (at most about ${formatCount(Math.floor(Math.min(limit.bytes / perDraw, MAX_ARRAY_BYTES / Math.max(FLOAT * latentDim, 8))))})`,
    limit,
  );
}
