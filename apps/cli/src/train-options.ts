import { readFile } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { DEFAULT_TEST_FRACTION, NORMALIZATIONS, normalizationRange, parseImageSize, type Normalization } from '@vae/data';
import type { MnistSource } from '@vae/data/node';
import { checkReconstructionRange, LossConfigError, RECONSTRUCTIONS, type Reconstruction } from '@vae/loss';
import { ENGINE_CHOICES, type EngineChoice } from './engines/node-engines.js';
import { fsReason } from './file-errors.js';
import { integer, nonNegativeInt, nonNegativeNumber, positiveInt, positiveNumber } from './flag-parsers.js';
import { timestampName } from './format.js';

/** Every setting of a `train` run; saved as `settings` in the run's `config.json`. */
export interface TrainRunConfig {
  epochs: number;
  batchSize: number;
  learningRate: number;
  latentDim: number;
  /** The network: the reference MLP, or the convolutional VAE (`convDescription`). */
  architecture: ModelArchitecture;
  seed: number;
  normalization: Normalization;
  reconstruction: Reconstruction;
  beta: number;
  /** Epochs over which β rises linearly from 0 to `beta` (KL warm-up); 0 = none. */
  klWarmupEpochs: number;
  data: MnistSource;
  /** Absolute path, or null. */
  dataDir: string | null;
  /** A folder of images: the size they are made (`HxW`, fit cover), or null for the most common one. */
  imageSize: string | null;
  /** A folder of images: 1 (grey) or 3 (RGB), or null for 3 if any image has colour, else 1. */
  channels: 1 | 3 | null;
  /** A folder of images without train/ and test/: the share of images in the test split. */
  testFraction: number;
  /** A folder of images: refuse it when a file cannot be used, instead of skipping it. */
  strict: boolean;
  /** Use only the first N training / test images (quick runs); null = all. */
  trainSize: number | null;
  testSize: number | null;
  backend: EngineChoice;
  sampleEvery: number;
  /** Absolute path of the run directory. */
  out: string;
}

export const MODEL_ARCHITECTURES = ['mlp', 'conv'] as const;
export type ModelArchitecture = (typeof MODEL_ARCHITECTURES)[number];

/** A flag problem found after parsing (exit code 2, like commander's own errors). */
export class UsageError extends Error {
  override name = 'UsageError';
}

const DATA_SOURCES = ['auto', 'dir', 'download', 'embedded'] as const;

/** `--data` and `--data-dir`, shared by `train` and the commands that read the test set. */
export const dataSourceOption = () => new Option('--data <source>', 'where MNIST comes from (auto: --data-dir, cache, download, embedded subset)').choices(DATA_SOURCES).default('auto');
export const dataDirOption = () => new Option('--data-dir <dir>', 'directory with the four MNIST files (gzipped or not), or a folder of images (PNG, JPEG, WebP; class subfolders, train/ and test/)');

/** `--image-size`: n or HxW, kept as `HxW`. */
const imageSizeFlag = (value: string): string => {
  try {
    const { height, width } = parseImageSize(value);
    return `${height}x${width}`;
  } catch (error) {
    throw new InvalidArgumentError(`${(error as Error).message}.`);
  }
};
const testFractionFlag = (value: string): number => {
  const n = Number(value);
  if (value.trim() === '' || !(n > 0 && n < 1)) throw new InvalidArgumentError('expected a number between 0 and 1, e.g. 0.1.');
  return n;
};

/** The flags of `vae train`, with their defaults (the reference model and settings). */
export function trainCommand(): Command {
  return new Command('train')
    .description('Train the reference VAE (or a variant) on MNIST, another MNIST-format set or a folder of images, and write a run directory.')
    .addOption(new Option('--epochs <n>', 'passes over the training set').default(50).argParser(positiveInt))
    .addOption(new Option('--batch-size <n>', 'images per optimizer step').default(64).argParser(positiveInt))
    .addOption(new Option('--lr <rate>', 'Adam learning rate').default(1e-3).argParser(positiveNumber))
    .addOption(new Option('--latent-dim <n>', 'size of the latent code z (2: a latent space you can plot)').default(20).argParser(positiveInt))
    .addOption(new Option('--model <kind>', 'the network: mlp (the reference 784-512-256 MLP) or conv (two stride-2 convolutions, as in Keras\' VAE example)').choices(MODEL_ARCHITECTURES).default('mlp'))
    .addOption(new Option('--seed <n>', 'seed for weights, shuffling and noise').default(0).argParser(integer))
    .addOption(dataSourceOption())
    .addOption(dataDirOption())
    .addOption(new Option('--image-size <n|HxW>', 'a folder of images: crop (centred, fit cover) and scale every image to this (default: the most common size)').argParser(imageSizeFlag))
    .addOption(new Option('--channels <n>', 'a folder of images: 1 (grey) or 3 (RGB) (default: 3 if any image has colour)').choices(['1', '3']))
    .addOption(new Option('--test-fraction <f>', 'a folder of images without train/ and test/: the share in the test split (seeded by each path: stable when files are added)').default(DEFAULT_TEST_FRACTION).argParser(testFractionFlag))
    .addOption(new Option('--strict', 'a folder of images: refuse it when a file is not a usable image, instead of skipping it'))
    .addOption(new Option('--normalize <mode>', 'pixel scaling: unit [0,1], symmetric [-1,1], binary, dynamic-binary').choices(NORMALIZATIONS).default('unit'))
    .addOption(new Option('--reconstruction <term>', 'reconstruction term: bernoulli (BCE) or gaussian (MSE)').choices(RECONSTRUCTIONS).default('bernoulli'))
    .addOption(new Option('--beta <weight>', 'weight of the KL term (beta-VAE)').default(1).argParser(nonNegativeNumber))
    .addOption(new Option('--kl-warmup <epochs>', 'KL warm-up: beta rises linearly from 0 over the first n epochs (0: none)').default(0).argParser(nonNegativeInt))
    .addOption(new Option('--backend <name>', 'what trains; auto picks the fastest that works here (see `vae backends`)').choices(ENGINE_CHOICES).default('auto'))
    .addOption(new Option('--sample-every <n>', 'write samples/epoch-NNN.png every n epochs (and after the last)').default(3).argParser(positiveInt))
    .addOption(new Option('--out <dir>', 'run directory (default: runs/<timestamp>)'))
    .addOption(new Option('--resume <run dir>', "continue a run from its checkpoint, with its settings (--epochs may grow)"))
    .addOption(new Option('--overwrite', "start a new run in --out even though it holds one: that run's files are deleted first"))
    .addOption(new Option('--train-size <n>', 'use only the first n training images (quick runs)').argParser(positiveInt))
    .addOption(new Option('--test-size <n>', 'use only the first n test images (quick runs)').argParser(positiveInt));
}

interface RawTrainFlags {
  epochs: number;
  batchSize: number;
  lr: number;
  latentDim: number;
  model: ModelArchitecture;
  seed: number;
  data: MnistSource;
  dataDir?: string;
  imageSize?: string;
  channels?: '1' | '3';
  testFraction: number;
  strict?: boolean;
  normalize: Normalization;
  reconstruction: Reconstruction;
  beta: number;
  klWarmup: number;
  backend: EngineChoice;
  sampleEvery: number;
  out?: string;
  resume?: string;
  overwrite?: boolean;
  trainSize?: number;
  testSize?: number;
}

/** Flag name for each config field (for messages). */
const FLAG_OF: Record<keyof TrainRunConfig, string> = {
  epochs: '--epochs',
  batchSize: '--batch-size',
  learningRate: '--lr',
  latentDim: '--latent-dim',
  architecture: '--model',
  seed: '--seed',
  normalization: '--normalize',
  reconstruction: '--reconstruction',
  beta: '--beta',
  klWarmupEpochs: '--kl-warmup',
  data: '--data',
  dataDir: '--data-dir',
  imageSize: '--image-size',
  channels: '--channels',
  testFraction: '--test-fraction',
  strict: '--strict',
  trainSize: '--train-size',
  testSize: '--test-size',
  backend: '--backend',
  sampleEvery: '--sample-every',
  out: '--out',
};
/** What a resumed run may change; everything else must match the run being resumed. */
const CHANGEABLE_ON_RESUME = new Set<keyof TrainRunConfig>(['epochs', 'backend', 'sampleEvery', 'data', 'dataDir', 'strict']);

/**
 * Turns parsed flags into a checked config. Relative paths are taken from the directory the user
 * ran the command in (`INIT_CWD`, which pnpm sets, since `pnpm --filter cli` runs in apps/cli).
 * With `--resume`, the settings come from the run's `config.json` and flags given explicitly may
 * change only epochs, backend, sample interval and where the data is.
 */
export async function resolveTrainConfig(
  command: Command,
  baseDir = process.env.INIT_CWD ?? process.cwd(),
): Promise<{ config: TrainRunConfig; resumeFrom: string | null; overwrite: boolean }> {
  const flags = command.opts<RawTrainFlags>();
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(baseDir, p));
  const given = (field: keyof TrainRunConfig) => {
    const key = { learningRate: 'lr', normalization: 'normalize', architecture: 'model', klWarmupEpochs: 'klWarmup' }[field as string] ?? field;
    return command.getOptionValueSource(key) === 'cli';
  };
  let config: TrainRunConfig = {
    epochs: flags.epochs,
    batchSize: flags.batchSize,
    learningRate: flags.lr,
    latentDim: flags.latentDim,
    architecture: flags.model,
    seed: flags.seed,
    normalization: flags.normalize,
    reconstruction: flags.reconstruction,
    beta: flags.beta,
    klWarmupEpochs: flags.klWarmup,
    data: flags.data,
    dataDir: flags.dataDir === undefined ? null : abs(flags.dataDir),
    imageSize: flags.imageSize ?? null,
    channels: flags.channels === undefined ? null : (Number(flags.channels) as 1 | 3),
    testFraction: flags.testFraction,
    strict: flags.strict === true,
    trainSize: flags.trainSize ?? null,
    testSize: flags.testSize ?? null,
    backend: flags.backend,
    sampleEvery: flags.sampleEvery,
    out: abs(flags.out ?? join('runs', timestampName())),
  };
  let resumeFrom: string | null = null;
  if (flags.resume !== undefined) {
    if (flags.out !== undefined) throw new UsageError('--out and --resume cannot be combined: a resumed run continues in its own directory');
    if (flags.overwrite) throw new UsageError('--overwrite and --resume cannot be combined: --resume continues the run, --overwrite deletes it to start a new one');
    resumeFrom = abs(flags.resume);
    const saved = await readRunConfig(resumeFrom);
    for (const field of Object.keys(FLAG_OF) as (keyof TrainRunConfig)[]) {
      if (field === 'out' || CHANGEABLE_ON_RESUME.has(field) || !given(field)) continue;
      if (config[field] !== saved[field]) {
        throw new UsageError(
          `${FLAG_OF[field]} ${String(config[field])} differs from the resumed run's ${String(saved[field])} (${join(resumeFrom, 'config.json')}); ` +
            `a resumed run keeps its settings: drop the flag, or start a new run`,
        );
      }
    }
    const changed: Partial<TrainRunConfig> = {};
    for (const field of CHANGEABLE_ON_RESUME) if (given(field)) (changed as Record<string, unknown>)[field] = config[field];
    config = { ...saved, ...changed, out: resumeFrom };
  }
  if (config.data === 'dir' && config.dataDir === null) throw new UsageError("--data dir needs --data-dir <dir>: the directory holding the four MNIST files");
  if (config.dataDir !== null && config.data !== 'auto' && config.data !== 'dir') {
    throw new UsageError(`--data-dir is only used with --data auto or dir, not --data ${config.data}`);
  }
  try {
    checkReconstructionRange(config.reconstruction, normalizationRange(config.normalization), `--normalize ${config.normalization}`);
  } catch (error) {
    if (error instanceof LossConfigError) throw new UsageError(error.message);
    throw error;
  }
  return { config, resumeFrom, overwrite: flags.overwrite === true };
}

/** Settings added after runs were first written, with the value those runs had. */
const ADDED_LATER: Partial<TrainRunConfig> = { architecture: 'mlp', klWarmupEpochs: 0, imageSize: null, channels: null, testFraction: DEFAULT_TEST_FRACTION, strict: false };

async function readRunConfig(runDir: string): Promise<TrainRunConfig> {
  const file = join(runDir, 'config.json');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new UsageError(`--resume ${runDir}: no config.json there; expected a run directory written by \`vae train\``);
    throw new UsageError(`--resume ${runDir}: cannot read ${file}: ${fsReason(error)}`);
  }
  let settings: unknown;
  try {
    settings = (JSON.parse(text) as { settings?: unknown }).settings;
  } catch (error) {
    throw new UsageError(`${file}: invalid JSON (${(error as Error).message})`);
  }
  if (typeof settings !== 'object' || settings === null) throw new UsageError(`${file}: no "settings" object; expected a config.json written by \`vae train\``);
  const withDefaults = { ...ADDED_LATER, ...settings };
  for (const field of Object.keys(FLAG_OF)) {
    if (!(field in withDefaults)) throw new UsageError(`${file}: settings.${field} is missing; expected a config.json written by \`vae train\``);
  }
  return withDefaults as TrainRunConfig;
}
