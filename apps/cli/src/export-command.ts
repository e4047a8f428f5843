import { readFile, realpath } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
// The backends the CLI ships, registered on import: the weights are held on one while they are read back.
import '@tensorflow/tfjs-backend-wasm';
import '@tensorflow/tfjs-backend-cpu';
import { EXPORT_FORMATS, ExportError, exportFiles, settingsFromMetadata, type ExportFormat } from '@vae/export';
import { parseModelJson } from '@vae/model';
import { startHostMemoryBackend } from '@vae/train';
import { Command, Option } from 'commander';
import { InputError, loadWeights, openModel, type ModelFlags } from './model-input.js';
import { writeOutputs, type CommandIo } from './output-files.js';
import { savedModelCommand, type SavedModelFlags } from './saved-model-command.js';
import { UsageError } from './train-options.js';

/** `path` with its links resolved as far as it exists (the rest appended as given). */
async function realPathOf(path: string): Promise<string> {
  const missing: string[] = [];
  let existing = resolve(path);
  for (;;) {
    try {
      return join(await realpath(existing), ...missing);
    } catch {
      const parent = dirname(existing);
      if (parent === existing) return resolve(path);
      missing.unshift(basename(existing));
      existing = parent;
    }
  }
}

const within = (inner: string, outer: string) => {
  const rel = relative(outer, inner);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
};

/** An export written into, around or inside the model it reads could replace the model's own files: refused before anything is written. */
async function refuseOverlap(outDir: string, modelDir: string, flags: ExportFlags): Promise<void> {
  const [out, model] = await Promise.all([realPathOf(outDir), realPathOf(modelDir)]);
  if (!within(out, model) && !within(model, out)) return;
  const how = out === model ? 'is the model folder' : within(out, model) ? `lies inside the model folder ${modelDir}` : `contains the model folder ${modelDir}`;
  throw new UsageError(`--out ${flags.out ?? outDir} ${how}: an export there could overwrite the model it reads; choose a folder outside it (default: the run's export/${flags.format}/)`);
}

export function exportCommand(): Command {
  return savedModelCommand(
    'export',
    "Write a saved model's encoder (x → mu, logvar) and decoder (z → probabilities, logits) as ONNX or TensorFlow.js LayersModel files, its settings in their metadata.",
    "where to write (default: the run directory's export/<format>/ folder)",
  ).addOption(
    new Option('--format <format>', 'onnx: encoder.onnx and decoder.onnx (opset 17); tfjs-layers: encoder/ and decoder/, each a model.json and weights.bin')
      .choices(EXPORT_FORMATS)
      .makeOptionMandatory(),
  );
}

interface ExportFlags extends SavedModelFlags {
  format: ExportFormat;
}

export async function runExport(command: Command, io: CommandIo): Promise<void> {
  const flags = command.opts<ExportFlags>();
  // openModel reads only --model, --normalize and --out; export reads no data and computes nothing.
  const modelFlags: ModelFlags = { model: flags.model, out: flags.out, data: 'auto', seed: 0, backend: 'cpu' };
  const opened = await openModel(modelFlags);
  const outDir = flags.out !== undefined ? opened.outDir : join(opened.runDir ?? dirname(opened.modelDir), 'export', flags.format);
  await refuseOverlap(outDir, opened.modelDir, flags);
  // The settings as model.json records them, not openModel's defaults: an export states only what is known.
  const jsonPath = join(opened.modelDir, 'model.json');
  let metadata: Record<string, unknown> | undefined;
  try {
    metadata = parseModelJson(JSON.parse(await readFile(jsonPath, 'utf8')), jsonPath).metadata;
  } catch (error) {
    throw new InputError(`--model ${flags.model}: ${(error as Error).message}`);
  }
  const settings = settingsFromMetadata(metadata);
  await startHostMemoryBackend();
  const vae = await loadWeights(modelFlags, opened);
  try {
    let files;
    try {
      files = await exportFiles(vae, flags.format, { settings });
    } catch (error) {
      if (error instanceof ExportError) throw new InputError(`--model ${flags.model}: cannot export to ${flags.format}: ${error.message}`);
      throw error;
    }
    const known = Object.entries(settings).map(([key, value]) => `${key} ${value}`);
    io.log(`exporting the encoder and decoder (latent size ${vae.latentDim}${known.length > 0 ? `, ${known.join(', ')}` : '; no training settings recorded in model.json'}) as ${flags.format}`);
    await writeOutputs(files.map((file) => ({ file: join(outDir, ...file.path.split('/')), data: file.data })), io);
  } finally {
    vae.dispose();
  }
}
