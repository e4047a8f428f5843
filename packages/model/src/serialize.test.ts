import * as tf from '@tensorflow/tfjs-core';
import { mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadVae, saveVae } from './node.js';
import { deserializeVae, serializeVae } from './serialize.js';
import { Vae } from './vae.js';

const small = { inputDim: 12, encoderHidden: [9], latentDim: 2, decoderHidden: [6] };

describe('save / load', () => {
  it('round-trips to identical outputs through model.json + weights.bin', async () => {
    const vae = new Vae(small, { seed: 5 });
    const dir = join(await mkdtemp(join(tmpdir(), 'vae-model-')), 'model');
    await saveVae(vae, dir, { epochs: 3 });
    expect((await readdir(dir)).sort()).toEqual(['model.json', 'weights.bin']);
    const json = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8'));
    expect(json).toMatchObject({ format: 'vae-ts/mlp-vae', formatVersion: 1, config: small, metadata: { epochs: 3 } });
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
    // Manifest says the model is larger than its config: the shape check names the weight.
    const other = await serializeVae(new Vae({ ...small, latentDim: 3 }));
    expect(() => deserializeVae({ ...other.modelJson, config: small }, other.weights)).toThrow(/weight "mu.kernel" has shape \[9, 3\], expected \[9, 2\]/);
    const dir = await mkdtemp(join(tmpdir(), 'vae-model-'));
    await writeFile(join(dir, 'model.json'), '{ nope');
    await expect(loadVae(dir)).rejects.toThrow(/model\.json: invalid JSON/);
    await expect(loadVae(join(dir, 'missing'))).rejects.toThrow(/cannot read the model/);
    vae.dispose();
  });
});
