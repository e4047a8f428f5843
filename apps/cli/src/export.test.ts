import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { exportFiles } from '@vae/export';
import { saveVae, Vae } from '@vae/model/node';
import { CommanderError } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { userErrorLine } from './error-report.js';
import { exportCommand, runExport } from './export-command.js';

// `vae export` run in-process, as main.ts runs a model command: flags parsed by commander, lines
// captured. That the files compute what the model computes is shown in @vae/export's own tests,
// with onnxruntime and tfjs-layers; here, that the command writes the library's files for the
// model and the settings its model.json records, where the user asked, and refuses in one line.

interface Captured {
  out: string[];
  log: string[];
  stderr: string;
}

async function vaeExport(args: string[]): Promise<Captured> {
  const captured: Captured = { out: [], log: [], stderr: '' };
  const io = { out: (line: string) => captured.out.push(line), log: (line: string) => captured.log.push(line) };
  const command = exportCommand()
    .configureOutput({ writeErr: (text) => (captured.stderr += text), writeOut: () => {} })
    .action(async (_options: unknown, self) => {
      await runExport(self, io);
    });
  await command.parseAsync(args, { from: 'user' });
  return captured;
}

/** The error `vae export args` stops with. */
async function failure(args: string[]): Promise<unknown> {
  return vaeExport(args).then(
    () => {
      throw new Error(`vae export ${args.join(' ')} succeeded`);
    },
    (error: unknown) => error,
  );
}

let work: string;
let run: string;
let bare: string;
const config = { encoderHidden: [64, 32], latentDim: 3, decoderHidden: [48] };
const settings = { normalization: 'symmetric', reconstruction: 'gaussian' };

beforeAll(async () => {
  await tf.setBackend('cpu');
  work = await mkdtemp(join(tmpdir(), 'vae-export-cli-'));
  // A run directory as `vae train` leaves it (config.json beside model/), with its settings in the metadata.
  run = join(work, 'run');
  const vae = new Vae(config, { seed: 4 });
  await saveVae(vae, join(run, 'model'), { epochs: 2, settings: { ...settings, epochs: 2, beta: 1 } });
  await writeFile(join(run, 'config.json'), '{}\n');
  // A model folder alone, saved without metadata.
  bare = join(work, 'bare-model');
  await saveVae(vae, bare);
  vae.dispose();
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('vae export', () => {
  it('--format onnx writes the library’s two files, with the settings model.json records, into the run’s export/onnx/', async () => {
    const { out, log } = await vaeExport(['--model', run, '--format', 'onnx']);
    const dir = join(run, 'export', 'onnx');
    expect(out).toEqual([`wrote ${join(dir, 'encoder.onnx')}`, `wrote ${join(dir, 'decoder.onnx')}`]);
    expect(log).toEqual(['exporting the encoder and decoder (latent size 3, normalization symmetric, reconstruction gaussian) as onnx']);
    expect((await readdir(dir)).sort()).toEqual(['decoder.onnx', 'encoder.onnx']);
    const vae = new Vae(config, { seed: 4 });
    const expected = await exportFiles(vae, 'onnx', { settings });
    vae.dispose();
    for (const file of expected) expect(new Uint8Array(await readFile(join(dir, file.path)))).toEqual(new Uint8Array(file.data as Uint8Array));

    // Again: the same files, replaced (and said so).
    const again = await vaeExport(['--model', run, '--format', 'onnx']);
    expect(again.out).toEqual([`replaced ${join(dir, 'encoder.onnx')}`, `replaced ${join(dir, 'decoder.onnx')}`]);
  });

  it('--format tfjs-layers writes model.json and weights.bin for each part into --out, the settings in userDefinedMetadata', async () => {
    const dir = join(work, 'web', 'vae');
    const { out } = await vaeExport(['--model', join(run, 'model'), '--format', 'tfjs-layers', '--out', dir]);
    expect(out).toEqual(['encoder/weights.bin', 'encoder/model.json', 'decoder/weights.bin', 'decoder/model.json'].map((f) => `wrote ${join(dir, f)}`));
    const decoder = JSON.parse(await readFile(join(dir, 'decoder', 'model.json'), 'utf8'));
    expect(decoder.format).toBe('layers-model');
    expect(decoder.userDefinedMetadata).toMatchObject({ part: 'decoder', latentDim: 3, inputDim: 784, ...settings });
    expect(decoder.modelTopology.config.output_layers).toEqual([
      ['probabilities', 0, 0],
      ['logits', 0, 0],
    ]);
  });

  it('states no setting that model.json does not record', async () => {
    const { log } = await vaeExport(['--model', bare, '--format', 'tfjs-layers']);
    expect(log).toEqual(['exporting the encoder and decoder (latent size 3; no training settings recorded in model.json) as tfjs-layers']);
    const encoder = JSON.parse(await readFile(join(work, 'export', 'tfjs-layers', 'encoder', 'model.json'), 'utf8'));
    expect(encoder.userDefinedMetadata).not.toHaveProperty('normalization');
    expect(encoder.userDefinedMetadata).not.toHaveProperty('reconstruction');
  });

  it('refuses a missing model, a file in the way of --out, and bad flags, each in one line', async () => {
    const missing = join(work, 'nope');
    expect(userErrorLine(await failure(['--model', missing, '--format', 'onnx']))).toEqual({
      line: `--model ${missing}: no such file or directory; name a run directory written by \`vae train\` or a model/ folder`,
      code: 1,
    });

    const blocker = join(work, 'a-file');
    await writeFile(blocker, 'not a directory');
    const blocked = userErrorLine(await failure(['--model', run, '--format', 'onnx', '--out', join(blocker, 'out')]));
    expect(blocked?.code).toBe(1);
    expect(blocked?.line).toContain(blocker);
    expect(blocked?.line).not.toContain('\n');

    const noFormat = await failure(['--model', run]);
    expect(noFormat).toBeInstanceOf(CommanderError);
    expect((noFormat as CommanderError).message).toBe("error: required option '--format <format>' not specified");
    const badFormat = await failure(['--model', run, '--format', 'keras']);
    expect((badFormat as CommanderError).message).toBe("error: option '--format <format>' argument 'keras' is invalid. Allowed choices are onnx, tfjs-layers.");
  });

  it('refuses a model whose files are damaged, naming the file', async () => {
    const damaged = join(work, 'damaged');
    await mkdir(damaged);
    await writeFile(join(damaged, 'model.json'), (await readFile(join(run, 'model', 'model.json'), 'utf8')).replace('"latentDim": 3', '"latentDim": 4'));
    await writeFile(join(damaged, 'weights.bin'), await readFile(join(run, 'model', 'weights.bin')));
    const error = userErrorLine(await failure(['--model', damaged, '--format', 'onnx']));
    expect(error?.code).toBe(1);
    expect(error?.line).toMatch(new RegExp(`^--model ${damaged}: ${join(damaged, 'model.json')}: `));
    expect(existsSync(join(work, 'export', 'onnx'))).toBe(false); // refused before anything was written
  });
});
