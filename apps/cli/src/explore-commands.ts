import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { createRng, gatherBatchInto, normalizationRange, valuesPerImage, type MnistSplit } from '@vae/data';
import type { Vae } from '@vae/model';
import { interpolateLatents, manifoldGridLatents, sampleGridLatents, type InterpolationMode } from '@vae/explore';
import { yieldToSignal } from '@vae/train';
import { encodePng, imageGrid, latentScatterSvg, pcaProject } from '@vae/viz';
import { Command, Option } from 'commander';
import { nonNegativeInt, positiveInt, positiveNumber } from './flag-parsers.js';
import { activateFor, drawableImage, InputError, loadTestSet, loadWeights, modelCommand, openModel, type ModelFlags, type OpenedModel } from './model-input.js';
import { formatCount } from './format.js';
import { writeOutput, writeOutputs, type CommandIo } from './output-files.js';
import { checkImagesFit } from './size-limits.js';
import { svgToPng } from './svg-to-png.js';
import { UsageError } from './train-options.js';

/** Rows per encoder/decoder call: bounds memory on any backend. */
const ROWS_PER_CALL = 1000;

/** Decodes `count` latent rows `[count, latentDim]` to pixel means in [0, 1]; Ctrl-C (`signal`) stops it between calls. */
async function decodeRows(vae: Vae, z: Float32Array, count: number, signal?: AbortSignal): Promise<Float32Array> {
  const { latentDim, inputDim } = vae;
  const out = new Float32Array(count * inputDim);
  for (let start = 0; start < count; start += ROWS_PER_CALL) {
    if (signal) await yieldToSignal(signal);
    const n = Math.min(ROWS_PER_CALL, count - start);
    const decoded = tf.tidy(() => vae.decode(tf.tensor2d(z.subarray(start * latentDim, (start + n) * latentDim), [n, latentDim])));
    out.set((await decoded.data()) as Float32Array, start * inputDim);
    decoded.dispose();
  }
  if (signal) await yieldToSignal(signal); // before the picture is drawn and encoded (long for big grids)
  return out;
}

/** The encoder's means `[count, latentDim]` of rows `x` `[count, inputDim]`; Ctrl-C (`signal`) stops it between calls. */
async function encodeMeans(vae: Vae, x: Float32Array, count: number, signal?: AbortSignal): Promise<Float32Array> {
  const { latentDim, inputDim } = vae;
  const out = new Float32Array(count * latentDim);
  for (let start = 0; start < count; start += ROWS_PER_CALL) {
    if (signal) await yieldToSignal(signal);
    const n = Math.min(ROWS_PER_CALL, count - start);
    const mu = tf.tidy(() => vae.encode(tf.tensor2d(x.subarray(start * inputDim, (start + n) * inputDim), [n, inputDim])).mu);
    out.set((await mu.data()) as Float32Array, start * latentDim);
    mu.dispose();
  }
  if (signal) await yieldToSignal(signal);
  return out;
}

/** Test images `indices`, normalized as the model was trained (a `dynamic-binary` draw seeded by `seed`), in a buffer of their own. */
function testRows(test: MnistSplit, indices: readonly number[], model: LoadedModel, seed: number): Float32Array {
  const pixels = valuesPerImage(test); // rows·cols·channels
  const order = Uint32Array.from(indices);
  return gatherBatchInto(test, order, 0, order.length, model.normalization, new Float32Array(order.length * pixels), createRng(seed));
}

/** Model inputs mapped to [0, 1] for display (e.g. `symmetric` pixels in [−1, 1]). */
function inputsForDisplay(x: Float32Array, model: LoadedModel): Float32Array {
  const [lo, hi] = normalizationRange(model.normalization);
  return lo === 0 && hi === 1 ? x : x.map((v) => (v - lo) / (hi - lo));
}

/** Opens the model and activates the engine; runs `body`; always releases the model. */
async function withModel(
  command: Command,
  io: CommandIo,
  body: (model: LoadedModel, flags: ModelFlags) => Promise<void>,
  checkFlags: (model: OpenedModel) => void = () => {},
): Promise<void> {
  const flags = command.opts<ModelFlags>();
  const opened = await openModel(flags);
  checkFlags(opened); // before the engine probe: a bad flag answers at once
  await activateFor(flags, opened, io.log);
  const vae = await loadWeights(flags, opened);
  try {
    await body({ ...opened, vae }, flags);
  } finally {
    vae.dispose();
  }
}

type LoadedModel = OpenedModel & { vae: Vae };

// ---- sample -------------------------------------------------------------------------------

export function sampleCommand(): Command {
  return modelCommand('sample', 'Decode an N×N grid of samples z ~ N(0, T²·I) (the same z as training\'s sample grids at the same seed).')
    .addOption(new Option('--grid <n>', 'samples per side').default(16).argParser(positiveInt))
    .addOption(new Option('--temperature <t>', 'scale of z: below 1 gives more typical, less varied digits').default(1).argParser(positiveNumber));
}

/** Refuses `--grid n` whose n² images cannot fit (sample, manifold). */
const checkGridFits = (grid: number) => (model: OpenedModel) =>
  checkImagesFit(grid * grid, drawableImage(model), model.description.latentDim, `--grid ${grid} (${formatCount(grid * grid)} images)`, (perImage, limit) => `choose a smaller --grid (at most about ${formatCount(Math.floor(Math.sqrt(limit.bytes / perImage)))})`);

export async function runSample(command: Command, io: CommandIo): Promise<void> {
  const { grid, temperature } = command.opts<{ grid: number; temperature: number }>();
  await withModel(command, io, async (model, flags) => {
    const tile = drawableImage(model); // imageGrid's width, height and channels: grey, or RGB for 3
    const count = grid * grid;
    const z = tf.tidy(() => tf.mul(sampleGridLatents(flags.seed, model.vae.latentDim, count), temperature));
    const latents = (await z.data()) as Float32Array;
    z.dispose();
    const pixels = await decodeRows(model.vae, latents, count, io.signal);
    const file = join(model.outDir, `samples-${grid}x${grid}-t${temperature}-seed${flags.seed}.png`);
    await writeOutput(file, encodePng(imageGrid(pixels, { count, columns: grid, ...tile })), io);
  }, checkGridFits(grid));
}

// ---- reconstruct --------------------------------------------------------------------------

export function reconstructCommand(): Command {
  return modelCommand('reconstruct', 'Test digits and their reconstructions (decoded from z = mu), originals above reconstructions.')
    .addOption(new Option('--count <n>', 'test images').default(32).argParser(positiveInt))
    .addOption(new Option('--start <i>', 'index of the first test image').default(0).argParser(nonNegativeInt))
    .addOption(new Option('--columns <n>', 'images per row').default(8).argParser(positiveInt));
}

export async function runReconstruct(command: Command, io: CommandIo): Promise<void> {
  const { count, start, columns } = command.opts<{ count: number; start: number; columns: number }>();
  await withModel(command, io, async (model, flags) => {
    const tile = drawableImage(model);
    const test = await loadTestSet(flags, model, io.log);
    if (start + count > test.count) throw new UsageError(`--start ${start} --count ${count}: the test set has ${test.count} images (indices 0–${test.count - 1})`);
    const x = testRows(test, Array.from({ length: count }, (_, i) => start + i), model, flags.seed);
    const reconstructions = await decodeRows(model.vae, await encodeMeans(model.vae, x, count, io.signal), count, io.signal);
    const originals = inputsForDisplay(x, model);
    // Rows of `columns` originals, each followed by the row of their reconstructions.
    const pixels = model.vae.inputDim;
    const cols = Math.min(columns, count);
    const rows = Math.ceil(count / cols);
    const tiles = new Float32Array(rows * 2 * cols * pixels);
    for (let i = 0; i < count; i++) {
      const row = Math.floor(i / cols);
      const col = i % cols;
      tiles.set(originals.subarray(i * pixels, (i + 1) * pixels), ((2 * row) * cols + col) * pixels);
      tiles.set(reconstructions.subarray(i * pixels, (i + 1) * pixels), ((2 * row + 1) * cols + col) * pixels);
    }
    const file = join(model.outDir, `reconstructions-${start}-${start + count - 1}.png`);
    await writeOutput(file, encodePng(imageGrid(tiles, { count: rows * 2 * cols, columns: cols, ...tile })), io);
  });
}

// ---- interpolate --------------------------------------------------------------------------

export function interpolateCommand(): Command {
  return modelCommand(
    'interpolate',
    'Decode the path in latent space between two test images (by index or by digit; by default the first test image and the next of another digit), with the originals at both ends.',
  )
    .addOption(new Option('--from <i>', 'index of the first test image').argParser(nonNegativeInt))
    .addOption(new Option('--to <i>', 'index of the last test image').argParser(nonNegativeInt))
    .addOption(new Option('--from-digit <d>', 'the first test image with this label').argParser(nonNegativeInt))
    .addOption(new Option('--to-digit <d>', 'the first test image with this label').argParser(nonNegativeInt))
    .addOption(new Option('--steps <n>', 'decoded points, endpoints included').default(10).argParser(positiveInt))
    .addOption(new Option('--mode <mode>', 'linear, or spherical (slerp: stays where the prior has its mass)').choices(['linear', 'spherical']).default('linear'));
}

interface InterpolateFlags {
  from?: number;
  to?: number;
  fromDigit?: number;
  toDigit?: number;
  steps: number;
  mode: InterpolationMode;
}

function endpoint(test: MnistSplit, index: number | undefined, digit: number | undefined, which: 'from' | 'to'): number | undefined {
  if (index !== undefined && digit !== undefined) throw new UsageError(`give only one of --${which} <index> or --${which}-digit <digit>`);
  if (index !== undefined) {
    if (index >= test.count) throw new UsageError(`--${which} ${index}: the test set has ${test.count} images (indices 0–${test.count - 1})`);
    return index;
  }
  if (digit === undefined) return undefined;
  const found = test.labels.indexOf(digit);
  if (found < 0) throw new UsageError(`--${which}-digit ${digit}: no test image has that label`);
  return found;
}

/**
 * The endpoints, by the flags where given; else the first test image and the first one after it
 * of another label (a path between two different digits shows the most).
 */
function endpoints(test: MnistSplit, options: InterpolateFlags): [number, number] {
  const given = [endpoint(test, options.from, options.fromDigit, 'from'), endpoint(test, options.to, options.toDigit, 'to')] as const;
  const otherThan = (i: number, which: 'from' | 'to') => {
    const found = test.labels.findIndex((label, j) => j !== i && label !== test.labels[i]);
    if (found < 0) throw new UsageError(`every test image is a ${test.labels[i]}: give --${which} <index>`);
    return found;
  };
  const a = given[0] ?? (given[1] === undefined ? 0 : otherThan(given[1], 'from'));
  return [a, given[1] ?? otherThan(a, 'to')];
}

export async function runInterpolate(command: Command, io: CommandIo): Promise<void> {
  const options = command.opts<InterpolateFlags>();
  await withModel(command, io, async (model, flags) => {
    const tile = drawableImage(model);
    const test = await loadTestSet(flags, model, io.log);
    const [a, b] = endpoints(test, options);
    const x = testRows(test, [a, b], model, flags.seed);
    const latentDim = model.vae.latentDim;
    const mu = await encodeMeans(model.vae, x, 2, io.signal);
    const path = interpolateLatents(mu.subarray(0, latentDim), mu.subarray(latentDim), options.steps, options.mode);
    const decoded = await decodeRows(model.vae, path, options.steps, io.signal);
    const pixels = model.vae.inputDim;
    const originals = inputsForDisplay(x, model);
    const strip = new Float32Array((options.steps + 2) * pixels);
    strip.set(originals.subarray(0, pixels), 0);
    strip.set(decoded, pixels);
    strip.set(originals.subarray(pixels), (options.steps + 1) * pixels);
    const file = join(model.outDir, `interpolation-${a}-to-${b}-${options.mode}-${options.steps}.png`);
    io.log(`interpolating test image ${a} (a ${test.labels[a]}) → ${b} (a ${test.labels[b]}), ${options.mode}`);
    await writeOutput(file, encodePng(imageGrid(strip, { count: options.steps + 2, columns: options.steps + 2, ...tile })), io);
  }, (model) =>
    checkImagesFit(options.steps + 2, drawableImage(model), model.description.latentDim, `--steps ${options.steps} (a strip of ${formatCount(options.steps + 2)} images)`, (perImage, limit) => `choose fewer --steps (at most about ${formatCount(Math.max(1, Math.floor(limit.bytes / perImage) - 2))})`),
  );
}

// ---- latent -------------------------------------------------------------------------------

export function latentCommand(): Command {
  return modelCommand('latent', "Scatter of the test set's latent means coloured by label: the two axes for a 2-D latent space, else its first two principal components (SVG and PNG).")
    .addOption(new Option('--n <n>', 'test images to plot (default: all)').argParser(positiveInt));
}

export async function runLatent(command: Command, io: CommandIo): Promise<void> {
  const { n } = command.opts<{ n?: number }>();
  await withModel(command, io, async (model, flags) => {
    const test = await loadTestSet(flags, model, io.log);
    const count = Math.min(n ?? test.count, test.count);
    const x = testRows(test, Array.from({ length: count }, (_, i) => i), model, flags.seed);
    const latentDim = model.vae.latentDim;
    const mu = await encodeMeans(model.vae, x, count, io.signal);
    let points: Float32Array;
    let axes: { xLabel: string; yLabel: string; title: string };
    if (latentDim === 1) throw new InputError('the model has a 1-D latent space: nothing to scatter in two dimensions');
    if (latentDim === 2) {
      points = mu;
      axes = { xLabel: 'z₁', yLabel: 'z₂', title: `Latent means of ${count.toLocaleString('en-US')} test images` };
    } else {
      const pca = pcaProject(mu, count, latentDim, 2);
      points = pca.coords;
      const pct = (v: number) => `${(100 * v).toFixed(0)} %`;
      axes = {
        xLabel: `PC 1 (${pct(pca.explainedVarianceRatio[0]!)} of variance)`,
        yLabel: `PC 2 (${pct(pca.explainedVarianceRatio[1]!)})`,
        title: `Latent means of ${count.toLocaleString('en-US')} test images, PCA of ${latentDim}-D`,
      };
    }
    const svg = latentScatterSvg(points, test.labels.subarray(0, count), { ...axes, width: 720, height: 600, radius: 2, opacity: 0.6, ...(test.classNames ? { classNames: test.classNames } : {}) });
    const base = join(model.outDir, `latent-${count}`);
    const png = svgToPng(svg);
    await writeOutputs([{ file: `${base}.svg`, data: svg }, { file: `${base}.png`, data: png }], io);
  });
}

// ---- manifold -----------------------------------------------------------------------------

export function manifoldCommand(): Command {
  return modelCommand('manifold', "Decode a grid over two latent dimensions at the standard normal's quantiles (Kingma & Welling's figure); the other dimensions stay 0.")
    .addOption(new Option('--grid <n>', 'points per side').default(20).argParser(positiveInt))
    .addOption(new Option('--dims <i,j>', 'the two latent dimensions to vary').default('0,1'));
}

export async function runManifold(command: Command, io: CommandIo): Promise<void> {
  const { grid, dims } = command.opts<{ grid: number; dims: string }>();
  const parsed = dims.split(',').map((d) => Number(d.trim()));
  const checkDims = (model: OpenedModel) => {
    const { latentDim } = model.description;
    if (latentDim < 2) throw new InputError('the model has a 1-D latent space: a manifold grid needs two dimensions');
    if (parsed.length !== 2 || !parsed.every((d) => Number.isInteger(d) && d >= 0 && d < latentDim) || parsed[0] === parsed[1]) {
      throw new UsageError(`--dims ${dims}: expected two different latent dimensions in 0–${latentDim - 1}, e.g. --dims 0,1`);
    }
  };
  await withModel(command, io, async (model) => {
    const tile = drawableImage(model);
    const latentDim = model.vae.latentDim;
    const z = manifoldGridLatents(grid, latentDim, { dims: [parsed[0]!, parsed[1]!] });
    const pixels = await decodeRows(model.vae, z, grid * grid, io.signal);
    const file = join(model.outDir, `manifold-${grid}x${grid}-z${parsed[0]}-z${parsed[1]}.png`);
    await writeOutput(file, encodePng(imageGrid(pixels, { count: grid * grid, columns: grid, ...tile, padding: 0 })), io);
  }, (model) => {
    checkDims(model);
    checkGridFits(grid)(model);
  });
}
