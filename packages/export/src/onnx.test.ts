import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import onnxProto, { type onnx } from 'onnx-proto';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportVae } from './node.js';
import { ONNX_IR_VERSION, ONNX_OPSET } from './onnx.js';
import { CONFIGS, latents, maxAbsDiff, referenceOutputs, ROWS, testImages, widenedVae } from '@vae/test-helpers/export-fixtures';

// The exported files are run by onnxruntime itself (its CPU build, shipped in onnxruntime-node) and
// must compute what @vae/model computes.
let work: string;
let images: Float32Array;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'vae-export-onnx-'));
  images = await testImages();
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

async function run(session: ort.InferenceSession, input: string, values: Float32Array, dim: number) {
  const results = await session.run({ [input]: new ort.Tensor('float32', values, [values.length / dim, dim]) });
  return Object.fromEntries(Object.entries(results).map(([name, t]) => [name, { dims: t.dims, data: t.data as Float32Array }]));
}

describe.each(CONFIGS)('ONNX export of $label', ({ config }) => {
  it('runs in onnxruntime with @vae/model’s outputs (max abs difference ≤ 1e-5) on 64 test images and 64 latent vectors', async () => {
    const vae = widenedVae(config, 3);
    const dir = join(work, JSON.stringify(config.latentDim ?? 20));
    try {
      const written = await exportVae(vae, dir, 'onnx', { settings: { normalization: 'unit', reconstruction: 'bernoulli' } });
      expect(written).toEqual([join(dir, 'encoder.onnx'), join(dir, 'decoder.onnx')]);
      expect((await readdir(dir)).sort()).toEqual(['decoder.onnx', 'encoder.onnx']); // no temp file left
      const { inputDim, latentDim } = vae;
      const z = latents(latentDim, 11);
      const want = await referenceOutputs(vae, images, z);

      const encoder = await ort.InferenceSession.create(join(dir, 'encoder.onnx'));
      const decoder = await ort.InferenceSession.create(join(dir, 'decoder.onnx'));
      expect([encoder.inputNames, encoder.outputNames]).toEqual([['x'], ['mu', 'logvar']]);
      expect([decoder.inputNames, decoder.outputNames]).toEqual([['z'], ['probabilities', 'logits']]);
      expect(encoder.inputMetadata.map((m) => m.isTensor && m.shape)).toEqual([['batch', inputDim]]);

      const encoded = await run(encoder, 'x', images, inputDim);
      expect(encoded.mu!.dims).toEqual([ROWS, latentDim]);
      expect(maxAbsDiff(encoded.mu!.data, want.mu)).toBeLessThanOrEqual(1e-5);
      expect(maxAbsDiff(encoded.logvar!.data, want.logvar)).toBeLessThanOrEqual(1e-5);
      const decoded = await run(decoder, 'z', z, latentDim);
      expect(decoded.probabilities!.dims).toEqual([ROWS, inputDim]);
      expect(maxAbsDiff(decoded.probabilities!.data, want.probabilities)).toBeLessThanOrEqual(1e-5);
      // Logits span about ±10 here: the same sums in another order agree to ~1e-6 relative.
      expect(maxAbsDiff(decoded.logits!.data, want.logits)).toBeLessThanOrEqual(1e-4);
      // Not a near-constant output that any small network would match.
      expect(Math.max(...want.probabilities) - Math.min(...want.probabilities)).toBeGreaterThan(0.9);

      // The batch dimension is free: one row gives that row's outputs.
      const one = await run(encoder, 'x', images.subarray(inputDim, 2 * inputDim), inputDim);
      expect(one.mu!.dims).toEqual([1, latentDim]);
      expect(maxAbsDiff(one.mu!.data, want.mu.subarray(latentDim, 2 * latentDim))).toBeLessThanOrEqual(1e-5);
      await Promise.all([encoder.release(), decoder.release()]);
    } finally {
      vae.dispose();
    }
  });
});

describe('ONNX files', () => {
  it('state the opset, the IR version, named inputs and outputs with a free batch size, and the model’s settings', async () => {
    const vae = widenedVae({ latentDim: 2, encoderHidden: [32], decoderHidden: [16] }, 1);
    const dir = join(work, 'metadata');
    try {
      await exportVae(vae, dir, 'onnx', { settings: { normalization: 'symmetric', reconstruction: 'gaussian' } });
    } finally {
      vae.dispose();
    }
    const model = onnxProto.onnx.ModelProto.decode(await readFile(join(dir, 'decoder.onnx')));
    expect(Number(model.irVersion)).toBe(ONNX_IR_VERSION);
    expect(model.opsetImport.map((o) => [o.domain, Number(o.version)])).toEqual([['', ONNX_OPSET]]);
    expect(Object.fromEntries(model.metadataProps.map((p) => [p.key, p.value]))).toEqual({
      producer: 'vae-ts (@vae/export)',
      exportedFrom: 'vae-ts/vae',
      part: 'decoder',
      inputDim: '784',
      latentDim: '2',
      inputs: 'z',
      outputs: 'probabilities,logits',
      normalization: 'symmetric',
      reconstruction: 'gaussian',
    });
    const shape = (v: onnx.IValueInfoProto) => v.type!.tensorType!.shape!.dim!.map((d) => d.dimParam || Number(d.dimValue));
    expect(model.graph!.input!.map((v) => [v.name, shape(v)])).toEqual([['z', ['batch', 2]]]);
    expect(model.graph!.output!.map((v) => [v.name, shape(v)])).toEqual([
      ['probabilities', ['batch', 784]],
      ['logits', ['batch', 784]],
    ]);
    // The layers come from the description: 2 → 16 (ReLU) → 784, then the sigmoid and the named logits.
    expect(model.graph!.node!.map((n) => n.opType)).toEqual(['Gemm', 'Relu', 'Gemm', 'Sigmoid', 'Identity']);
    expect(model.graph!.initializer!.map((t) => [t.name, t.dims!.map(Number)])).toEqual([
      ['decoder.0.kernel', [2, 16]],
      ['decoder.0.bias', [16]],
      ['decoder.1.kernel', [16, 784]],
      ['decoder.1.bias', [784]],
    ]);
  });
});
