import fc from 'fast-check';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, it } from 'vitest';
import { ModelFileError } from './errors.js';
import { loadVae } from './node.js';
import { deserializeVae, serializeVae, type ModelArtifacts } from './serialize.js';
import { Vae } from './vae.js';

/**
 * Fuzz: a mutated model.json (any field replaced by any JSON value or removed; its text flipped or
 * cut) and mutated weights (flipped, cut, extended), with a checksum or without, either load or
 * throw a ModelFileError starting with the file, on one line; never anything else. Seeded, and
 * bounded in time.
 */
const FUZZ = { seed: 20261202, numRuns: 300, interruptAfterTimeLimit: 20_000 };
const SOURCE = 'fuzz/model.json';
const WEIGHTS = 'fuzz/weights.bin';

let artifacts: ModelArtifacts;
let paths: (string | number)[][];

beforeAll(async () => {
  const vae = new Vae({ inputDim: 6, encoderHidden: [5], latentDim: 2, decoderHidden: [4] }, { seed: 1 });
  artifacts = await serializeVae(vae, { epochs: 1 });
  vae.dispose();
  paths = [];
  const walk = (value: unknown, path: (string | number)[]) => {
    paths.push(path);
    if (Array.isArray(value)) value.forEach((v, i) => walk(v, [...path, i]));
    else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) walk(v, [...path, k]);
  };
  walk(artifacts.modelJson, []);
});

/** Loads or throws the model's own error with a message naming `source`; anything else fails the property. */
function loadsOrModelFileError(load: () => Vae, source: string): void {
  let vae: Vae;
  try {
    vae = load();
  } catch (error) {
    if (!(error instanceof ModelFileError)) throw error;
    if (!error.message.startsWith(`${source}: `) || error.message.includes('\n')) throw new Error(`bad message: ${error.message}`);
    return;
  }
  vae.dispose();
}

/** model.json with the field at `path` set to `value` (removed when undefined); the whole document for the empty path. */
function edited(path: (string | number)[], value: unknown): unknown {
  if (path.length === 0) return value;
  const json = structuredClone(artifacts.modelJson) as unknown as Record<string | number, unknown>;
  const parent = path.slice(0, -1).reduce<any>((o, k) => o[k], json);
  if (value === undefined) delete parent[path[path.length - 1]!];
  else parent[path[path.length - 1]!] = value;
  return json;
}

const weightsMutation = fc.oneof(
  fc.constant((w: Uint8Array) => w),
  fc.record({ at: fc.nat(), xor: fc.integer({ min: 1, max: 255 }) }).map(({ at, xor }) => (w: Uint8Array) => {
    const out = w.slice();
    out[at % out.length]! ^= xor;
    return out;
  }),
  fc.nat().map((at) => (w: Uint8Array) => w.slice(0, at % w.length)),
  fc.uint8Array({ minLength: 1, maxLength: 32 }).map((tail) => (w: Uint8Array) => {
    const out = new Uint8Array(w.length + tail.length);
    out.set(w);
    out.set(tail, w.length);
    return out;
  }),
);

describe('deserializeVae fuzz', () => {
  it('any one field of model.json replaced by any JSON value or removed, with the weights intact or mutated', () => {
    fc.assert(
      fc.property(fc.nat(), fc.option(fc.jsonValue({ maxDepth: 3 }), { nil: undefined }), weightsMutation, (pick, value, mutate) => {
        const json = edited(paths[pick % paths.length]!, value);
        loadsOrModelFileError(() => deserializeVae(json, mutate(artifacts.weights), SOURCE, WEIGHTS), SOURCE);
      }),
      FUZZ,
    );
  });

  it('mutated weights, with the checksum or without (older models)', () => {
    const { weightsCrc32: _, ...older } = artifacts.modelJson;
    fc.assert(
      fc.property(fc.boolean(), fc.array(weightsMutation, { minLength: 1, maxLength: 3 }), (checked, mutations) => {
        const weights = mutations.reduce((w, m) => m(w), artifacts.weights);
        loadsOrModelFileError(() => deserializeVae(checked ? artifacts.modelJson : older, weights, SOURCE, WEIGHTS), SOURCE);
      }),
      FUZZ,
    );
  });

  it('loadVae on model.json text flipped or cut, beside intact weights', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'vae-model-fuzz-'));
    const text = new TextEncoder().encode(JSON.stringify(artifacts.modelJson, null, 2));
    await writeFile(join(dir, 'weights.bin'), artifacts.weights);
    await fc.assert(
      fc.asyncProperty(fc.nat(), fc.integer({ min: 0, max: 255 }), fc.boolean(), async (at, xor, cut) => {
        const bytes = cut ? text.slice(0, at % text.length) : text.slice();
        if (!cut) bytes[at % bytes.length]! ^= xor;
        await writeFile(join(dir, 'model.json'), bytes);
        const source = join(dir, 'model.json');
        try {
          (await loadVae(dir)).dispose();
        } catch (error) {
          if (!(error instanceof ModelFileError)) throw error;
          if (!error.message.startsWith(`${source}: `) || error.message.includes('\n')) throw new Error(`bad message: ${error.message}`);
        }
      }),
      { ...FUZZ, numRuns: 150 },
    );
  });
});
