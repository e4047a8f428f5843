import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { convDescription, Vae, type ResolvedLayer } from '@vae/model';
import { describe, expect, it } from 'vitest';
import { ExportError } from './export-error.js';
import { EXPORT_FORMATS } from './export-format.js';
import { sourceFiles } from './export-files.js';
import { vaeNetworks, vaeSource, type NetworkSource } from './network.js';
import { exportVae } from './node.js';

/** A small model's source, to be altered into what a future variant might look like. */
async function smallSource(): Promise<NetworkSource> {
  const vae = new Vae({ inputDim: 6, encoderHidden: [5, 4], latentDim: 2, decoderHidden: [3] });
  try {
    return await vaeSource(vae);
  } finally {
    vae.dispose();
  }
}

describe('vaeNetworks', () => {
  it('builds both networks from the resolved description: every layer in order, with its activation and weights', async () => {
    const source = await smallSource();
    const { encoder, decoder } = vaeNetworks(source);
    const shape = (n: (typeof encoder.nodes)[number]) => (n.kind === 'dense' ? [n.name, n.input, n.inputDim, n.outputDim, n.activation] : [n.name, n.input, n.activation]);
    expect(encoder.nodes.map(shape)).toEqual([
      ['encoder.0', 'x', 6, 5, 'relu'],
      ['encoder.1', 'encoder.0', 5, 4, 'relu'],
      ['mu', 'encoder.1', 4, 2, 'linear'],
      ['logvar', 'encoder.1', 4, 2, 'linear'],
    ]);
    expect(decoder.nodes.map(shape)).toEqual([
      ['decoder.0', 'z', 2, 3, 'relu'],
      ['decoder.1', 'decoder.0', 3, 6, 'linear'],
      ['probabilities', 'decoder.1', 'sigmoid'],
      ['logits', 'decoder.1', 'linear'],
    ]);
    const first = encoder.nodes[0]!;
    expect(first.kind === 'dense' && Array.from(first.kernel)).toEqual(Array.from(source.weights['encoder.0.kernel']!.values));
  });
});

describe('refusals: what the exporter cannot express is never written', () => {
  /** A copy of `source` whose layer `name` is changed by `change` (a fake: what a future variant might hold). */
  function withLayer(source: NetworkSource, name: string, change: (layer: ResolvedLayer) => ResolvedLayer): NetworkSource {
    const model = structuredClone(source.model);
    const swap = (l: ResolvedLayer) => (l.layer.name === name ? change(l) : l);
    const steps = (list: typeof model.encoder) => list.map((s) => (s.kind === 'weighted' ? { ...s, resolved: swap(s.resolved) } : s));
    return { ...source, model: { ...model, encoder: steps(model.encoder), mu: swap(model.mu), logvar: swap(model.logvar), decoder: steps(model.decoder) } };
  }

  it.each(EXPORT_FORMATS)('%s: an activation it does not know (a fake layer) is refused, naming the layer', async (format) => {
    const source = await smallSource();
    // "constructor": a name every object has, which a lookup by `in` would take for a known one.
    for (const activation of ['gelu', 'constructor']) {
      const fake = withLayer(source, 'decoder.0', (l) => ({ ...l, layer: { ...l.layer, activation: activation as never } }));
      expect(() => sourceFiles(fake, format)).toThrow(ExportError);
      expect(() => sourceFiles(fake, format)).toThrow(new RegExp(`^layer "decoder\\.0" of the decoder: activation "${activation}" is not one this .* writer knows \\(.*relu.*\\); it writes no file`));
    }
  });

  it('a layer of a kind it does not know (a field it has never seen) is refused, not written as a dense layer', async () => {
    const source = await smallSource();
    const fake = withLayer(source, 'encoder.1', (l) => ({ ...l, layer: { ...l.layer, kind: 'conv2d', kernelSize: 3 } as never }));
    for (const format of EXPORT_FORMATS) {
      expect(() => sourceFiles(fake, format)).toThrow(/^layer "encoder\.1": field "kind", "kernelSize" is not one this exporter knows .*update @vae\/export/);
    }
  });

  it('weights that do not match the layers are refused', async () => {
    const source = await smallSource();
    const { ['mu.bias']: _dropped, ...rest } = source.weights;
    expect(() => vaeNetworks({ ...source, weights: rest })).toThrow('layer "mu": no weight "mu.bias" in the model');
    const wrong = { ...source.weights, 'encoder.1.kernel': { shape: [4, 5], values: new Float32Array(20) } };
    expect(() => vaeNetworks({ ...source, weights: wrong })).toThrow('layer "encoder.1": weight "encoder.1.kernel" has shape [4, 5], expected [5, 4]');
  });

  it('layers that do not chain, or that reuse a name, are refused', async () => {
    const source = await smallSource();
    const gap = withLayer(source, 'mu', (l) => ({ ...l, inputShape: [5] }));
    expect(() => vaeNetworks(gap)).toThrow('layer "mu": takes 5 inputs but "encoder.1" gives 4');
    const clash = withLayer(source, 'decoder.0', (l) => ({ ...l, layer: { ...l.layer, name: 'z' } }));
    const weights = { ...source.weights, 'z.kernel': source.weights['decoder.0.kernel']!, 'z.bias': source.weights['decoder.0.bias']! };
    expect(() => vaeNetworks({ ...clash, weights })).toThrow('layer "z": the decoder would have two tensors named "z"');
  });

  it('exportVae writes nothing when the model cannot be exported', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'vae-export-refused-'));
    const vae = new Vae({ inputDim: 6, encoderHidden: [5], latentDim: 2, decoderHidden: [3] });
    // A model missing a weight: the refusal comes after the encoder is built, before any write.
    const getWeights = vae.getWeights.bind(vae);
    vae.getWeights = () => {
      const { ['decoder.1.bias']: dropped, ...rest } = getWeights();
      dropped!.dispose();
      return rest;
    };
    try {
      for (const format of EXPORT_FORMATS) await expect(exportVae(vae, dir, format)).rejects.toThrow('layer "decoder.1": no weight "decoder.1.bias"');
      expect(await readdir(dir)).toEqual([]);
    } finally {
      vae.dispose();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a conv model is refused with the reason, before any file is written', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'vae-export-conv-'));
    const vae = new Vae(convDescription({ input: { height: 8, width: 8, channels: 1 }, latentDim: 2, filters: [2, 3], dense: 4 }));
    try {
      for (const format of EXPORT_FORMATS) {
        const error = await exportVae(vae, dir, format).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(ExportError);
        expect((error as Error).message).toBe('the exporters write MLP models (dense layers) only: layer "encoder.conv0" is conv2d');
      }
      expect(await readdir(dir)).toEqual([]);
    } finally {
      vae.dispose();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
