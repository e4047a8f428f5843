import * as tf from '@tensorflow/tfjs-core';
import { chmod, mkdir, mkdtemp, readFile, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { crc32Hex } from './crc32.js';
import { ModelFileError } from './errors.js';
import { loadVae, saveVae } from './node.js';
import { convDescription, mlpDescription } from './description.js';
import { deserializeVae, serializeVae, type ModelJson } from './serialize.js';
import { Vae } from './vae.js';

const small = { inputDim: 12, encoderHidden: [9], latentDim: 2, decoderHidden: [6] };

describe('save / load', () => {
  it('round-trips to identical outputs through model.json + weights.bin', async () => {
    const vae = new Vae(small, { seed: 5 });
    const dir = join(await mkdtemp(join(tmpdir(), 'vae-model-')), 'model');
    await saveVae(vae, dir, { epochs: 3 });
    expect((await readdir(dir)).sort()).toEqual(['model.json', 'weights.bin']);
    const json = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8'));
    expect(json).toMatchObject({ format: 'vae-ts/vae', formatVersion: 2, description: mlpDescription(small), metadata: { epochs: 3 } });
    const loaded = await loadVae(dir);
    const x = tf.randomUniform([4, 12], 0, 1, 'float32', 1) as tf.Tensor2D;
    expect(Array.from(loaded.reconstruct(x).dataSync())).toEqual(Array.from(vae.reconstruct(x).dataSync()));
    expect(Array.from(loaded.sample(3, 8).dataSync())).toEqual(Array.from(vae.sample(3, 8).dataSync()));
    vae.dispose();
    loaded.dispose();
  });

  it('refuses another format version, another shape, or truncated weights, naming the file', async () => {
    const vae = new Vae(small);
    const { modelJson, weights } = await serializeVae(vae);
    expect(() => deserializeVae({ ...modelJson, formatVersion: 99 }, weights, 'm/model.json')).toThrow(/m\/model\.json: model format version 99/);
    expect(() => deserializeVae({ ...modelJson, format: 'keras' }, weights)).toThrow(/not a vae-ts model/);
    expect(() => deserializeVae(modelJson, weights.subarray(0, 100))).toThrow(/weights\.bin has 100 bytes/);
    // Manifest says the model is larger than its description: the shape check names the weight.
    const other = await serializeVae(new Vae({ ...small, latentDim: 3 }));
    expect(() => deserializeVae({ ...other.modelJson, description: mlpDescription(small) }, other.weights)).toThrow(/weight "mu.kernel" has shape \[9, 3\], expected \[9, 2\]/);
    const dir = await mkdtemp(join(tmpdir(), 'vae-model-'));
    await writeFile(join(dir, 'model.json'), '{ nope');
    await expect(loadVae(dir)).rejects.toThrow(/model\.json: invalid JSON/);
    await expect(loadVae(join(dir, 'missing'))).rejects.toThrow(/cannot read the model/);
    vae.dispose();
  });
});

/** The error a user sees: a ModelFileError on one line starting with `source`. Returns its message. */
function modelFileError(error: unknown, source: string): string {
  expect(error).toBeInstanceOf(ModelFileError);
  const { message } = error as Error;
  expect(message.startsWith(`${source}: `), message).toBe(true);
  expect(message).not.toContain('\n');
  return message;
}

function thrown(fn: () => unknown): unknown {
  try {
    (fn() as Vae | undefined)?.dispose();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error, got none');
}

const rejected = (promise: Promise<Vae>) =>
  promise.then(
    (vae) => {
      vae.dispose();
      throw new Error('expected a rejection');
    },
    (error: unknown) => error,
  );

/** A saved model in a fresh directory, with its paths. */
async function savedModel(vae = new Vae(small, { seed: 5 })) {
  const dir = join(await mkdtemp(join(tmpdir(), 'vae-model-')), 'model');
  await saveVae(vae, dir);
  vae.dispose();
  return { dir, jsonPath: join(dir, 'model.json'), weightsPath: join(dir, 'weights.bin') };
}

/** A model whose `name` weight holds `value` at `index`. */
function poisoned(name: string, index: number, value: number): Vae {
  const vae = new Vae(small, { seed: 5 });
  const { variable } = vae.namedVariables().find((v) => v.name === name)!;
  const values = variable.dataSync().slice();
  values[index] = value;
  variable.assign(tf.tensor(values, variable.shape));
  return vae;
}

describe('integrity of saved models', () => {
  it('model.json records the CRC-32 of weights.bin; a flipped byte there is refused, naming both files', async () => {
    const { dir, jsonPath, weightsPath } = await savedModel();
    const json = JSON.parse(await readFile(jsonPath, 'utf8')) as ModelJson;
    const weights = new Uint8Array(await readFile(weightsPath));
    expect(json.weightsCrc32).toBe(crc32Hex(weights));
    const flipped = weights.slice();
    flipped[weights.length - 4]! ^= 0x01; // the lowest mantissa bit of the last weight: still finite, just different
    await writeFile(weightsPath, flipped);
    const message = modelFileError(await rejected(loadVae(dir)), jsonPath);
    expect(message).toContain(`${weightsPath} is corrupt, or from another save: its CRC-32 is ${crc32Hex(flipped)}, model.json records ${json.weightsCrc32}`);
    expect(message).toMatch(/; restore model\.json and weights\.bin from one good copy, or save the model again$/);
    expect(modelFileError(thrown(() => deserializeVae(json, flipped, 'm/model.json')), 'm/model.json')).toMatch(/weights\.bin is corrupt/);
  });

  it('a model saved without a checksum (before it existed) loads as before', async () => {
    const vae = new Vae(small, { seed: 5 });
    const { modelJson, weights } = await serializeVae(vae);
    const { weightsCrc32, ...older } = modelJson;
    expect(weightsCrc32).toMatch(/^[0-9a-f]{8}$/);
    const loaded = deserializeVae(older, weights);
    expect(Array.from(loaded.sample(3, 8).dataSync())).toEqual(Array.from(vae.sample(3, 8).dataSync()));
    loaded.dispose();
    vae.dispose();
  });

  it('NaN and Infinity weights are refused at load, naming the weight (with a checksum or without)', async () => {
    const { modelJson, weights } = await serializeVae(poisoned('mu.kernel', 2, Number.NaN));
    const { weightsCrc32: _, ...older } = modelJson;
    for (const json of [modelJson, older]) {
      expect(modelFileError(thrown(() => deserializeVae(json, weights, 'm/model.json')), 'm/model.json')).toMatch(
        /weight "mu\.kernel" holds NaN at index 2 \(of 18\): the model diverged before it was saved, or weights\.bin is corrupt; load an earlier save or train again/,
      );
    }
    const { dir, jsonPath } = await savedModel(poisoned('decoder.1.bias', 0, Number.NEGATIVE_INFINITY));
    expect(modelFileError(await rejected(loadVae(dir)), jsonPath)).toMatch(/weight "decoder\.1\.bias" holds -Infinity at index 0/);
  });
});

describe('loadVae: files missing, misplaced or unreadable', () => {
  it('a missing weights.bin', async () => {
    const { dir, weightsPath } = await savedModel();
    await rm(weightsPath);
    expect(modelFileError(await rejected(loadVae(dir)), weightsPath)).toBe(
      `${weightsPath}: cannot read the weights: no such file; put the weights.bin saved with this model.json there, or save the model again`,
    );
  });

  it('a directory in place of weights.bin or model.json (EISDIR)', async () => {
    const { dir, jsonPath, weightsPath } = await savedModel();
    await rm(weightsPath);
    await mkdir(weightsPath);
    expect(modelFileError(await rejected(loadVae(dir)), weightsPath)).toMatch(/cannot read the weights: a directory is there, not the file; put the weights\.bin/);
    await rm(jsonPath);
    await mkdir(jsonPath);
    expect(modelFileError(await rejected(loadVae(dir)), jsonPath)).toMatch(/cannot read the model: a directory is there, not the file; name a directory saved by saveVae/);
  });

  it('a weights.bin that cannot be opened: a symbolic link loop', async () => {
    const { dir, weightsPath } = await savedModel();
    await rm(weightsPath);
    await symlink(weightsPath, weightsPath);
    expect(modelFileError(await rejected(loadVae(dir)), weightsPath)).toMatch(/cannot read the weights: a loop of symbolic links/);
  });

  // Root reads any file, so as root the load runs in a child process as `nobody` (the built entry).
  const root = process.getuid?.() === 0;
  it(`a weights.bin without read permission${root ? ' (loaded as nobody: root reads any file)' : ''}`, async () => {
    const { dir, weightsPath } = await savedModel();
    await chmod(weightsPath, 0o000);
    let message: string;
    if (!root) {
      message = modelFileError(await rejected(loadVae(dir)), weightsPath);
    } else {
      await chmod(dirname(dir), 0o755); // mkdtemp's 0700 would stop nobody before the file
      const entry = pathToFileURL(fileURLToPath(new URL('../dist/node.js', import.meta.url))).href;
      const script = `import { loadVae, ModelFileError } from ${JSON.stringify(entry)};
        import '@tensorflow/tfjs-backend-cpu';
        try { await loadVae(${JSON.stringify(dir)}); console.log('loaded'); }
        catch (e) { console.log(JSON.stringify({ error: e instanceof ModelFileError, message: e.message })); }`;
      const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { uid: 65534, gid: 65534, cwd: fileURLToPath(new URL('..', import.meta.url)) }).toString();
      const result = JSON.parse(out) as { error: boolean; message: string };
      expect(result.error).toBe(true);
      message = result.message;
    }
    expect(message).toContain(weightsPath);
    expect(message).toMatch(/cannot read the weights: permission denied; make the file readable/);
  });

  it('model.json that is not JSON: one line, even when the parser quotes several', async () => {
    const { dir, jsonPath } = await savedModel();
    await writeFile(jsonPath, '{\n  "format": nope\n}\n');
    expect(modelFileError(await rejected(loadVae(dir)), jsonPath)).toMatch(/invalid JSON \(.*\); restore a good copy of it, or save the model again$/);
  });
});

/** A model.json as version 1 wrote it (an MLP config, no description), from a version-2 one of `small`. */
function legacy(json: any): object {
  delete json.description;
  return { format: 'vae-ts/mlp-vae', formatVersion: 1, config: small };
}

describe('models saved before descriptions (format version 1)', () => {
  const fixture = fileURLToPath(new URL('./fixtures/model-v1/', import.meta.url));

  it('a model.json written by @vae/model 0.1.0 still loads, with the same outputs', async () => {
    const expected = JSON.parse(await readFile(join(fixture, 'expected.json'), 'utf8'));
    const vae = await loadVae(fixture);
    expect(vae.description).toEqual(mlpDescription({ inputDim: 16, encoderHidden: [10], latentDim: 3, decoderHidden: [8] }));
    expect(vae.imageShape).toEqual({ height: 4, width: 4, channels: 1 });
    const x = tf.tensor2d(expected.input, [2, 16]);
    const { mu, logvar } = vae.encode(x);
    expect(Array.from(mu.dataSync())).toEqual(expected.mu);
    expect(Array.from(logvar.dataSync())).toEqual(expected.logvar);
    expect(Array.from(vae.reconstruct(x).dataSync())).toEqual(expected.reconstruction);
    // Saved again, it is written in the current format and loads to the same model.
    const again = await serializeVae(vae);
    expect(again.modelJson).toMatchObject({ format: 'vae-ts/vae', formatVersion: 2 });
    const reloaded = deserializeVae(JSON.parse(JSON.stringify(again.modelJson)), again.weights);
    expect(Array.from(reloaded.reconstruct(x).dataSync())).toEqual(expected.reconstruction);
    tf.dispose([x, mu, logvar]);
    vae.dispose();
    reloaded.dispose();
  });

  it('a conv model round-trips through its description', async () => {
    const description = convDescription({ input: { height: 8, width: 8, channels: 2 }, latentDim: 2, filters: [3, 4], dense: 5 });
    const vae = new Vae(description, { seed: 2 });
    const { modelJson, weights } = await serializeVae(vae);
    const loaded = deserializeVae(JSON.parse(JSON.stringify(modelJson)), weights);
    expect(loaded.description).toEqual(description);
    const x = tf.randomUniform([3, 128], 0, 1, 'float32', 4) as tf.Tensor2D;
    expect(Array.from(loaded.reconstruct(x).dataSync())).toEqual(Array.from(vae.reconstruct(x).dataSync()));
    tf.dispose(x);
    vae.dispose();
    loaded.dispose();
  });
});

describe('model.json fields of the wrong type are ModelFileErrors, not TypeErrors', () => {
  it.each([
    ['weightsManifest: [null]', (j: any) => (j.weightsManifest = [null]), /"weightsManifest" is missing or empty/],
    ['weightsManifest: {}', (j: any) => (j.weightsManifest = {}), /"weightsManifest" is missing or empty/],
    ['a weight entry null', (j: any) => (j.weightsManifest[0].weights[1] = null), /a "weightsManifest" entry has no "name": null/],
    ['a weight shape "12x9"', (j: any) => (j.weightsManifest[0].weights[0].shape = '12x9'), /weight "encoder\.0\.kernel" has shape "12x9", not a list of sizes/],
    ['a weight of another dtype', (j: any) => (j.weightsManifest[0].weights[0].dtype = 'int32'), /weight "encoder\.0\.kernel" has dtype "int32": only float32/],
    ['an unknown weight', (j: any) => (j.weightsManifest[0].weights[0].name = 'extra.kernel'), /weight "extra\.kernel" is not part of the model "description" describes/],
    ['a weight missing', (j: any) => j.weightsManifest[0].weights.pop(), /missing weight "decoder\.1\.bias" \(expected shape \[12\]\)/],
    ['description: null', (j: any) => (j.description = null), /"description": model description: \(top\): expected an object, got null/],
    ['description.latentDim: "2"', (j: any) => (j.description.latentDim = '2'), /"description": model description: latentDim: expected a positive integer, got "2"/],
    ['a layer of an unknown type', (j: any) => (j.description.encoder[0].type = 'lstm'), /"description": model description: encoder\[0\]\.type: unknown layer type "lstm"/],
    ['version 1, config: null', (j: any) => Object.assign(j, legacy(j), { config: null }), /"config" must be an object, found null/],
    ['version 1, config.latentDim: "2"', (j: any) => Object.assign(j, legacy(j), { config: { ...small, latentDim: '2' } }), /"config": VaeConfig\.latentDim: expected a positive integer, got "2"/],
    ['weightsCrc32: 5', (j: any) => (j.weightsCrc32 = 5), /"weightsCrc32" must be 8 lowercase hex digits, found 5/],
    ['metadata: "x"', (j: any) => (j.metadata = 'x'), /"metadata" must be an object, found "x"/],
  ])('%s', async (_, edit, message) => {
    const vae = new Vae(small);
    const { modelJson, weights } = await serializeVae(vae);
    vae.dispose();
    const json = structuredClone(modelJson);
    edit(json);
    expect(modelFileError(thrown(() => deserializeVae(json, weights, 'm/model.json')), 'm/model.json')).toMatch(message);
  });
});
