import { createReadStream } from 'node:fs';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, normalize } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportVae } from './node.js';
import { CONFIGS, latents, maxAbsDiff, referenceOutputs, ROWS, testImages, widenedVae } from '@vae/test-helpers/export-fixtures';

// The exported model.json files are loaded the way an app loads them: `tf.loadLayersModel(url)`
// over HTTP (tfjs' own http handler, on Node's fetch), weights fetched relative to model.json.
let work: string;
let server: Server;
let base: string;
let images: Float32Array;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'vae-export-tfjs-'));
  images = await testImages();
  server = createServer(async (request, response) => {
    const path = join(work, normalize(decodeURIComponent(new URL(request.url!, 'http://x').pathname)));
    if (!(await stat(path).then((s) => s.isFile(), () => false))) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { 'content-type': path.endsWith('.json') ? 'application/json' : 'application/octet-stream' });
    createReadStream(path).pipe(response);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await rm(work, { recursive: true, force: true });
});

/** Runs a loaded model on `values` [rows, dim]; its outputs by name, as flat arrays. */
async function predict(model: tfl.LayersModel, values: Float32Array, dim: number) {
  const input = tf.tensor2d(values, [values.length / dim, dim]);
  const outputs = model.predict(input) as tf.Tensor[];
  const named = Object.fromEntries(await Promise.all(model.outputNames.map(async (name, i) => [name, { shape: outputs[i]!.shape, data: (await outputs[i]!.data()) as Float32Array }] as const)));
  tf.dispose([input, ...outputs]);
  return named;
}

describe.each(CONFIGS)('tfjs-layers export of $label', ({ config }) => {
  it('loads with tf.loadLayersModel and gives @vae/model’s outputs (max abs difference ≤ 1e-5) on 64 test images and 64 latent vectors', async () => {
    const vae = widenedVae(config, 5);
    const name = `z${config.latentDim ?? 20}`;
    try {
      const written = await exportVae(vae, join(work, name), 'tfjs-layers', { settings: { normalization: 'unit', reconstruction: 'bernoulli' } });
      expect(written.map((p) => p.slice(join(work, name).length + 1))).toEqual(['encoder/weights.bin', 'encoder/model.json', 'decoder/weights.bin', 'decoder/model.json']);
      const { inputDim, latentDim } = vae;
      const z = latents(latentDim, 13);
      const want = await referenceOutputs(vae, images, z);

      const encoder = await tfl.loadLayersModel(`${base}/${name}/encoder/model.json`);
      const decoder = await tfl.loadLayersModel(`${base}/${name}/decoder/model.json`);
      try {
        expect([encoder.inputNames, encoder.outputNames]).toEqual([['x'], ['mu', 'logvar']]);
        expect([decoder.inputNames, decoder.outputNames]).toEqual([['z'], ['probabilities', 'logits']]);
        expect(encoder.inputs[0]!.shape).toEqual([null, inputDim]);
        expect(decoder.inputs[0]!.shape).toEqual([null, latentDim]);
        expect(encoder.getUserDefinedMetadata()).toMatchObject({ part: 'encoder', inputDim, latentDim, normalization: 'unit', reconstruction: 'bernoulli' });

        const encoded = await predict(encoder, images, inputDim);
        expect(encoded.mu!.shape).toEqual([ROWS, latentDim]);
        expect(maxAbsDiff(encoded.mu!.data, want.mu)).toBeLessThanOrEqual(1e-5);
        expect(maxAbsDiff(encoded.logvar!.data, want.logvar)).toBeLessThanOrEqual(1e-5);
        const decoded = await predict(decoder, z, latentDim);
        expect(decoded.probabilities!.shape).toEqual([ROWS, inputDim]);
        expect(maxAbsDiff(decoded.probabilities!.data, want.probabilities)).toBeLessThanOrEqual(1e-5);
        expect(maxAbsDiff(decoded.logits!.data, want.logits)).toBeLessThanOrEqual(1e-4);
        expect(Math.max(...want.probabilities) - Math.min(...want.probabilities)).toBeGreaterThan(0.9);

        // Any batch size: three rows give those rows' outputs.
        const three = await predict(decoder, z.subarray(0, 3 * latentDim), latentDim);
        expect(three.probabilities!.shape).toEqual([3, inputDim]);
        expect(maxAbsDiff(three.probabilities!.data, want.probabilities.subarray(0, 3 * inputDim))).toBeLessThanOrEqual(1e-5);
      } finally {
        encoder.dispose();
        decoder.dispose();
      }
    } finally {
      vae.dispose();
    }
  });
});

describe('tfjs-layers files', () => {
  it('are the standard layers-model format: a functional topology and a weights manifest naming each Dense kernel and bias', async () => {
    const vae = widenedVae({ encoderHidden: [32, 16], latentDim: 3, decoderHidden: [8] }, 2);
    const dir = join(work, 'format');
    try {
      await exportVae(vae, dir, 'tfjs-layers');
    } finally {
      vae.dispose();
    }
    const json = JSON.parse(await readFile(join(dir, 'encoder', 'model.json'), 'utf8'));
    expect(json.format).toBe('layers-model');
    expect(json.modelTopology.class_name).toBe('Model');
    expect(json.modelTopology.config.layers.map((l: { class_name: string; name: string; config: { activation?: string } }) => [l.class_name, l.name, l.config.activation])).toEqual([
      ['InputLayer', 'x', undefined],
      ['Dense', 'encoder_0', 'relu'],
      ['Dense', 'encoder_1', 'relu'],
      ['Dense', 'mu', 'linear'],
      ['Dense', 'logvar', 'linear'],
    ]);
    expect(json.weightsManifest).toEqual([
      {
        paths: ['weights.bin'],
        weights: [
          { name: 'encoder_0/kernel', shape: [784, 32], dtype: 'float32' },
          { name: 'encoder_0/bias', shape: [32], dtype: 'float32' },
          { name: 'encoder_1/kernel', shape: [32, 16], dtype: 'float32' },
          { name: 'encoder_1/bias', shape: [16], dtype: 'float32' },
          { name: 'mu/kernel', shape: [16, 3], dtype: 'float32' },
          { name: 'mu/bias', shape: [3], dtype: 'float32' },
          { name: 'logvar/kernel', shape: [16, 3], dtype: 'float32' },
          { name: 'logvar/bias', shape: [3], dtype: 'float32' },
        ],
      },
    ]);
    expect((await stat(join(dir, 'encoder', 'weights.bin'))).size).toBe(4 * (784 * 32 + 32 + 32 * 16 + 16 + 2 * (16 * 3 + 3)));
    // No settings given: none recorded (an export never states a setting nobody recorded).
    expect(json.userDefinedMetadata).toEqual({ producer: 'vae-ts (@vae/export)', exportedFrom: 'vae-ts/vae', part: 'encoder', inputDim: 784, latentDim: 3, inputs: 'x', outputs: 'mu,logvar' });
  });
});
