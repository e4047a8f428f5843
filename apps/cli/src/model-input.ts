import { access, readFile } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { Command, Option } from 'commander';
import { DEFAULT_TEST_FRACTION, imageShape, isNormalization, NORMALIZATIONS, normalizationRange, valuesPerImage, type Normalization } from '@vae/data';
import { loadMnist, takeFirst, type MnistData, type MnistSource } from '@vae/data/node';
import { checkReconstructionRange, LossConfigError, RECONSTRUCTIONS, type Reconstruction, type ReconstructionOptions } from '@vae/loss';
import { loadVae, MLP_MODEL_FORMAT, parseModelJson, type ImageShape, type ModelDescription, type Vae } from '@vae/model/node';
import { DEFAULT_TRAIN_SETTINGS } from '@vae/train';
import { ENGINE_CHOICES, selectEngine, type EngineChoice } from './engines/node-engines.js';
import { integer, positiveInt } from './flag-parsers.js';
import { dataDirOption, dataSourceOption, UsageError } from './train-options.js';
import { RUN_LAYOUT } from '@vae/internal';

/** A problem with something the user named (a model, a directory): one line, exit code 1. */
export class InputError extends Error {
  override name = 'InputError';
}

/** The flags every command that works on a saved model shares: the model, the data, the engine, where to write. */
export function modelCommand(name: string, description: string): Command {
  return new Command(name)
    .description(description)
    .addOption(new Option('--model <path>', 'a run directory written by `vae train` (or its model/ folder, or a model saved by the web page)').makeOptionMandatory())
    .addOption(dataSourceOption())
    .addOption(dataDirOption())
    .addOption(new Option('--normalize <mode>', "pixel scaling (default: the model's own, from its model.json)").choices(NORMALIZATIONS))
    .addOption(new Option('--test-size <n>', 'use only the first n test images').argParser(positiveInt))
    .addOption(new Option('--seed <n>', 'seed of every random draw').default(0).argParser(integer))
    .addOption(new Option('--backend <name>', 'what computes; auto picks the fastest that works here (see `vae backends`)').choices(ENGINE_CHOICES).default('auto'))
    .addOption(new Option('--out <dir>', "where to write (default: the run directory's explore/ folder)"))
    .showHelpAfterError(`(run \`vae ${name} --help\` for the flags)`)
    .exitOverride();
}

export interface ModelFlags {
  model: string;
  data: MnistSource;
  dataDir?: string;
  normalize?: Normalization;
  testSize?: number;
  seed: number;
  backend: EngineChoice;
  out?: string;
}

/** A saved model with what it was trained with. */
export interface OpenedModel {
  /** What the saved model is (from model.json; a model saved before descriptions reads as its MLP). */
  description: ModelDescription;
  /**
   * Whether model.json records the image shape (`description.input`). A model saved before
   * descriptions records only its input size: its shape is a guess (square and grey when the size
   * is a square), see `drawableImage`.
   */
  imageShapeRecorded: boolean;
  /** The folder holding model.json and weights.bin. */
  modelDir: string;
  /** The run directory around it, when there is one (it has config.json). */
  runDir: string | null;
  normalization: Normalization;
  reconstruction: Reconstruction;
  /** The loss options the model was trained with (the Gaussian term's pixel range). */
  lossOptions: ReconstructionOptions;
  /** What `--out` defaults to. */
  outDir: string;
  /** The split of a folder of images the model was trained on (its saved settings; default 0.1). */
  testFraction: number;
}

const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );

/**
 * Opens `--model`: a run directory (its `model/`), or a folder with `model.json` and `weights.bin`.
 * The normalization and reconstruction term come from the model's metadata (the CLI and the web
 * page both record their settings there); `--normalize` overrides the normalization.
 */
export async function openModel(flags: ModelFlags, baseDir = process.env.INIT_CWD ?? process.cwd()): Promise<OpenedModel> {
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(baseDir, p));
  const given = abs(flags.model);
  let modelDir: string;
  if (await exists(join(given, 'model.json'))) modelDir = given;
  else if (await exists(join(given, RUN_LAYOUT.model, RUN_LAYOUT.modelJson))) modelDir = join(given, RUN_LAYOUT.model);
  else if (await exists(join(given, RUN_LAYOUT.checkpoint))) {
    throw new InputError(`--model ${flags.model}: this run has no model/ yet (it stopped before its last epoch); finish it with \`vae train --resume ${flags.model}\``);
  } else if (!(await exists(given))) {
    throw new InputError(`--model ${flags.model}: no such file or directory; name a run directory written by \`vae train\` or a model/ folder`);
  } else {
    throw new InputError(`--model ${flags.model}: no model.json there or in ${join(flags.model, 'model')}; name a run directory written by \`vae train\` or a model/ folder`);
  }
  let description: ModelDescription;
  let imageShapeRecorded: boolean;
  let metadata: { settings?: { normalization?: unknown; reconstruction?: unknown; testFraction?: unknown } } | undefined;
  const jsonPath = join(modelDir, 'model.json');
  try {
    const doc = parseModelJson(JSON.parse(await readFile(jsonPath, 'utf8')), jsonPath);
    description = doc.description;
    imageShapeRecorded = doc.format !== MLP_MODEL_FORMAT;
    metadata = doc.metadata;
  } catch (error) {
    throw new InputError(`--model ${flags.model}: ${(error as Error).message}`);
  }
  const saved = metadata?.settings ?? {};
  const normalization = flags.normalize ?? (isNormalization(saved.normalization) ? saved.normalization : 'unit');
  const reconstruction = RECONSTRUCTIONS.includes(saved.reconstruction as Reconstruction) ? (saved.reconstruction as Reconstruction) : 'bernoulli';
  try {
    checkReconstructionRange(reconstruction, normalizationRange(normalization), `--normalize ${normalization}`);
  } catch (error) {
    if (error instanceof LossConfigError) throw new UsageError(`the model was trained with ${reconstruction} reconstruction: ${error.message}`);
    throw error;
  }
  const runDir = basename(modelDir) === RUN_LAYOUT.model && (await exists(join(dirname(modelDir), RUN_LAYOUT.config))) ? dirname(modelDir) : null;
  const outDir = flags.out !== undefined ? abs(flags.out) : join(runDir ?? dirname(modelDir), 'explore');
  const testFraction = typeof saved.testFraction === 'number' && saved.testFraction > 0 && saved.testFraction < 1 ? saved.testFraction : DEFAULT_TEST_FRACTION;
  return { description, imageShapeRecorded, modelDir, runDir, normalization, reconstruction, lossOptions: { reconstruction, gaussian: { range: normalizationRange(normalization) } }, outDir, testFraction };
}

/**
 * The image a model's outputs are drawn as (height × width × channels, channels last): the shape
 * its model.json records. A model saved before image shapes were recorded is taken as square and
 * grey; one whose size is not a square cannot be drawn (`InputError`).
 */
export function drawableImage(model: Pick<OpenedModel, 'description' | 'imageShapeRecorded'>): ImageShape {
  const { input } = model.description;
  if (model.imageShapeRecorded) return input;
  const size = input.height * input.width * input.channels;
  const side = Math.round(Math.sqrt(size));
  if (side * side !== size) {
    throw new InputError(
      `the model's images have ${size} values, not a square, and its model.json (saved before image shapes were recorded) does not say their shape: cannot draw them; retrain it with this version`,
    );
  }
  return { height: side, width: side, channels: 1 };
}

/**
 * The test split the flags name, checked against the model's image: its shape (height, width,
 * channels) when model.json records it, else its size.
 */
export async function loadTestSet(
  flags: ModelFlags,
  model: Pick<OpenedModel, 'description' | 'imageShapeRecorded'> & { testFraction?: number },
  log: (line: string) => void,
  baseDir = process.env.INIT_CWD ?? process.cwd(),
): Promise<MnistData['test'] & { classNames?: string[] }> {
  if (flags.data === 'dir' && flags.dataDir === undefined) throw new UsageError('--data dir needs --data-dir <dir>: the directory holding the four MNIST files');
  const dataDir = flags.dataDir === undefined ? undefined : isAbsolute(flags.dataDir) ? flags.dataDir : resolve(baseDir, flags.dataDir);
  const { height, width, channels } = model.description.input;
  // A folder of images is made into the model's image, split as for training.
  const images = { imageSize: { height, width }, channels: channels === 1 || channels === 3 ? channels : undefined, testFraction: model.testFraction ?? DEFAULT_TEST_FRACTION } as const;
  const loaded = await loadMnist({ source: flags.data, dataDir, log, images });
  const test = takeFirst(loaded.test, flags.testSize ?? Infinity);
  const inputDim = height * width * channels;
  const data = imageShape(test);
  const values = valuesPerImage(test);
  const sameShape = data.height === height && data.width === width && data.channels === channels;
  if (values !== inputDim || (model.imageShapeRecorded && !sameShape)) {
    throw new InputError(
      `the model takes ${inputDim} values per image (${height}×${width}×${channels}), the data has ${data.height}×${data.width}×${data.channels} = ${values}; ` +
        'use the data the model was trained on (--data, --data-dir)',
    );
  }
  // A folder's class folders name its labels (the latent scatter's legend).
  const classes = 'report' in loaded ? (loaded as { report: { classes: string[] } }).report.classes : [];
  return classes.length > 0 ? { ...test, classNames: classes } : test;
}

/**
 * Activates the engine `--backend` names for a model (the registry's choice, as for training): the
 * tfjs backend it brings computes everything but what the engine does natively.
 */
export async function activateFor(flags: ModelFlags, model: OpenedModel, log: (line: string) => void) {
  const request = { model: model.description, settings: { ...DEFAULT_TRAIN_SETTINGS, normalization: model.normalization, reconstruction: model.reconstruction } };
  const selected = await selectEngine(flags.backend, request);
  log(`backend: ${selected.description}`);
  return selected.engine;
}

/** Loads the weights, after `activateFor` (tfjs variables live on the active backend). */
export async function loadWeights(flags: ModelFlags, model: OpenedModel): Promise<Vae> {
  try {
    return await loadVae(model.modelDir);
  } catch (error) {
    throw new InputError(`--model ${flags.model}: ${(error as Error).message}`);
  }
}
