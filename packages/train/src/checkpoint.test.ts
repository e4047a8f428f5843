import * as tf from '@tensorflow/tfjs-core';
import { crc32, Vae } from '@vae/model';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  CHECKPOINT_FORMAT_VERSION,
  decodeCheckpoint,
  encodeCheckpoint,
  memoryCheckpointStore,
  readCheckpointState,
  restoreModelWeights,
  verifyCheckpoint,
  type TrainingState,
} from './checkpoint.js';
import { CheckpointError } from './errors.js';
import { tinySplit } from '@vae/test-helpers/splits';
import { train } from './train.js';

const tinyModel = { inputDim: 16, encoderHidden: [12], latentDim: 2, decoderHidden: [12] };
const tinyData = { train: tinySplit(100, 1), test: tinySplit(30, 2) };
const SOURCE = 'runs/r1/checkpoint/checkpoint.bin';

/** The parts of a well-formed checkpoint of either version (the test's own reader, independent of the code under test). */
function split(bytes: Uint8Array): { version: 1 | 2; json: { state: TrainingState; specs: tf.io.WeightsManifestEntry[] }; weights: Uint8Array } {
  const version = String.fromCharCode(...bytes.subarray(0, 8)) === 'VAECKPT2' ? 2 : 1;
  const prefix = version === 2 ? 24 : 12;
  const headerLength = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(8, true);
  return { version, json: JSON.parse(new TextDecoder().decode(bytes.subarray(prefix, prefix + headerLength))), weights: bytes.slice(prefix + headerLength) };
}

/**
 * A checkpoint from its parts. Version 1 is byte for byte what @vae/train wrote before checksums
 * (magic "VAECKPT1", u32 header length, JSON { state, specs }, weights); version 2 gets fresh
 * lengths and CRCs, so that the checks after the CRCs are what a test exercises.
 */
function build(version: 1 | 2, json: unknown, weights: Uint8Array): Uint8Array {
  const header = new TextEncoder().encode(JSON.stringify(json));
  const prefix = version === 2 ? 24 : 12;
  const out = new Uint8Array(prefix + header.length + weights.length);
  out.set(new TextEncoder().encode(`VAECKPT${version}`));
  const view = new DataView(out.buffer);
  view.setUint32(8, header.length, true);
  if (version === 2) {
    view.setUint32(12, crc32(header), true);
    view.setUint32(16, weights.length, true);
    view.setUint32(20, crc32(weights), true);
  }
  out.set(header, prefix);
  out.set(weights, prefix + header.length);
  return out;
}

/** The same checkpoint in the version-1 layout, as an older run left it. */
function toV1(bytes: Uint8Array): Uint8Array {
  const { json, weights } = split(bytes);
  return build(1, { ...json, state: { ...json.state, formatVersion: 1 } }, weights);
}

/** `bytes` with the header JSON edited (structuredClone'd first), in the same version. */
function withHeader(bytes: Uint8Array, edit: (json: Record<string, any>) => void): Uint8Array {
  const { version, json, weights } = split(bytes);
  const copy = structuredClone(json) as Record<string, any>;
  edit(copy);
  return build(version, copy, weights);
}

function errorOf(fn: () => unknown): Error {
  try {
    const result = fn() as { tensors?: tf.NamedTensorMap } | undefined;
    if (result?.tensors) tf.dispose(result.tensors);
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected an error, got none');
}

/** The one error a user may see: a CheckpointError, on one line, starting with the file. Returns its message. */
function checkpointError(fn: () => unknown, source = SOURCE): string {
  const error = errorOf(fn);
  expect(error).toBeInstanceOf(CheckpointError);
  expect(error.message.startsWith(`${source}: `), error.message).toBe(true);
  expect(error.message).not.toContain('\n');
  return error.message;
}

const decode = (bytes: Uint8Array) => () => decodeCheckpoint(bytes, SOURCE);

function flip(bytes: Uint8Array, at: number, xor = 0xff): Uint8Array {
  const out = bytes.slice();
  out[at]! ^= xor;
  return out;
}

function setU32(bytes: Uint8Array, at: number, value: number): Uint8Array {
  const out = bytes.slice();
  new DataView(out.buffer).setUint32(at, value, true);
  return out;
}

let v2: Uint8Array; // a real checkpoint: one epoch of a tiny model, Adam moments included
let v1: Uint8Array; // the same in the version-1 layout
let v2Later: Uint8Array; // the same run one epoch later

beforeAll(async () => {
  const store = memoryCheckpointStore();
  const vae = new Vae(tinyModel, { seed: 3 });
  await train({ model: vae, data: tinyData, epochs: 1, batchSize: 16, seed: 2, checkpoint: store });
  v2 = (await store.load())!;
  await train({ model: vae, data: tinyData, epochs: 2, batchSize: 16, seed: 2, checkpoint: store, resume: v2 });
  v2Later = (await store.load())!;
  vae.dispose();
  v1 = toV1(v2);
});

describe('checkpoint format', () => {
  it('writes version 2: magic, lengths and CRC-32s up front, and reads it back', () => {
    expect(CHECKPOINT_FORMAT_VERSION).toBe(2);
    expect(String.fromCharCode(...v2.subarray(0, 8))).toBe('VAECKPT2');
    const { json, weights } = split(v2);
    const view = new DataView(v2.buffer, v2.byteOffset, v2.byteLength);
    const headerLength = view.getUint32(8, true);
    expect(view.getUint32(12, true)).toBe(crc32(v2.subarray(24, 24 + headerLength)));
    expect(view.getUint32(16, true)).toBe(weights.length);
    expect(view.getUint32(20, true)).toBe(crc32(weights));
    expect(json.state).toMatchObject({ formatVersion: 2, epoch: 1, step: 7 });
    const { state, tensors } = decodeCheckpoint(v2, SOURCE);
    expect(state).toEqual(json.state);
    expect(Object.keys(tensors)).toEqual(json.specs.map((s) => s.name));
    expect(readCheckpointState(v2, SOURCE)).toEqual(state);
    expect(verifyCheckpoint(v2, SOURCE)).toEqual(state);
    tf.dispose(tensors);
  });

  it('still reads version-1 checkpoints (no checksums), and a run resumed from one goes on exactly and saves version 2', async () => {
    const old = decodeCheckpoint(v1, SOURCE);
    const now = decodeCheckpoint(v2, SOURCE);
    expect(old.state).toEqual({ ...now.state, formatVersion: 1 });
    for (const [name, t] of Object.entries(now.tensors)) expect(Array.from(old.tensors[name]!.dataSync())).toEqual(Array.from(t.dataSync()));
    tf.dispose([...Object.values(old.tensors), ...Object.values(now.tensors)]);

    const run = async (resume: Uint8Array) => {
      const store = memoryCheckpointStore();
      const vae = new Vae(tinyModel, { seed: 9 });
      await train({ model: vae, data: tinyData, epochs: 2, batchSize: 16, seed: 2, checkpoint: store, resume });
      const weights = vae.namedVariables().map(({ variable }) => Array.from(variable.dataSync()));
      vae.dispose();
      return { weights, saved: (await store.load())! };
    };
    const fromV1 = await run(v1);
    const fromV2 = await run(v2);
    expect(fromV1.weights).toEqual(fromV2.weights);
    expect(String.fromCharCode(...fromV1.saved.subarray(0, 8))).toBe('VAECKPT2');
    expect(readCheckpointState(fromV1.saved).formatVersion).toBe(2);
  });
});

describe('a damaged checkpoint is one CheckpointError naming the file, never a RangeError or TypeError', () => {
  it('an empty file', () => {
    expect(checkpointError(decode(new Uint8Array(0)))).toMatch(/the file is empty, not a checkpoint; restore a good copy of it, or delete it/);
  });

  it('a 10-byte file, and other files cut inside the fixed header (each version)', () => {
    expect(checkpointError(decode(v1.subarray(0, 10)))).toMatch(/truncated: 10 bytes, less than the 12-byte fixed header/);
    expect(checkpointError(decode(v2.subarray(0, 10)))).toMatch(/truncated: 10 bytes, less than the 24-byte fixed header/);
    expect(checkpointError(decode(v2.subarray(0, 5)))).toMatch(/truncated: 5 bytes, less than the 8-byte magic/);
    expect(checkpointError(() => readCheckpointState(v2.subarray(0, 23), SOURCE))).toMatch(/truncated/);
  });

  it('a bad magic, one that is an Object.prototype key, and a future version', () => {
    const other = v2.slice();
    other.set(new TextEncoder().encode('GARBAGE!'));
    expect(checkpointError(decode(other))).toMatch(/not a vae-ts checkpoint \(it starts with "GARBAGE!", expected "VAECKPT2" or "VAECKPT1"\)/);
    const proto = v2.slice();
    proto.set(new TextEncoder().encode('toString'));
    expect(checkpointError(decode(proto))).toMatch(/not a vae-ts checkpoint/);
    const future = v2.slice();
    future.set(new TextEncoder().encode('VAECKPT9'));
    expect(checkpointError(decode(future))).toMatch(/checkpoint format version 9 is not supported \(this @vae\/train reads versions 1 and 2\)/);
  });

  it('a huge header length', () => {
    for (const bytes of [v1, v2]) {
      expect(checkpointError(decode(setU32(bytes, 8, 0xfffffff0)))).toMatch(/the header length 4294967280 runs past the end of the file \(\d+ bytes\)/);
    }
  });

  it('a truncated file, and one with bytes appended (which is not called truncated)', () => {
    for (const bytes of [v1, v2]) {
      expect(checkpointError(decode(bytes.subarray(0, bytes.length - 7)))).toMatch(/the file is truncated/);
      const longer = new Uint8Array(bytes.length + 5);
      longer.set(bytes);
      const message = checkpointError(decode(longer));
      expect(message).toMatch(/5 extra bytes after the/);
      expect(message).not.toMatch(/truncated/);
      expect(checkpointError(() => readCheckpointState(longer, SOURCE))).toMatch(/5 extra bytes/);
    }
  });

  it('a flipped byte in the JSON header: the CRC-32 catches it (version 2); version 1 at least never crashes on it', () => {
    const { json } = split(v2);
    // A digit of the learning rate: still valid JSON, and a different run without the checksum.
    const text = new TextDecoder().decode(v2.subarray(24)); // the header is ASCII
    const at = 24 + text.indexOf('"learningRate":0.001') + '"learningRate":0.00'.length;
    expect(json.state.settings.learningRate).toBe(0.001);
    expect(checkpointError(decode(flip(v2, at, 0x01)))).toMatch(/the header is corrupt: its CRC-32 is [0-9a-f]{8}, the file records [0-9a-f]{8}/);
    expect(checkpointError(() => readCheckpointState(flip(v2, 30), SOURCE))).toMatch(/the header is corrupt/);
    expect(checkpointError(decode(flip(v1, 12)))).toMatch(/the header is not valid JSON \(.*\): the file is corrupt/);
  });

  it('header fields of the wrong type (what used to be "TypeError … reading \'batchSize\'")', () => {
    const cases: [(json: Record<string, any>) => void, RegExp][] = [
      [(j) => (j.state = {}), /"state.formatVersion" must be a positive integer, found undefined/],
      [(j) => delete j.state.settings, /"state.settings" must be an object, found undefined/],
      [(j) => (j.state.settings.batchSize = '64'), /"state.settings.batchSize" must be a positive integer, found "64"/],
      [(j) => (j.state.settings.normalization = 'sepia'), /"state.settings.normalization" must be one of unit, symmetric, binary, dynamic-binary, found "sepia"/],
      [(j) => (j.state.model.latentDim = 0), /"state.model": model description: latentDim: expected a positive integer, got 0/],
      [(j) => (j.state.model.encoder[0].type = 'lstm'), /"state.model": model description: encoder\[0\].type: unknown layer type "lstm"/],
      // Written before descriptions: an MLP config in place of the model.
      [(j) => { delete j.state.model; j.state.modelConfig = { latentDim: 0 }; }, /"state.modelConfig.inputDim" is missing/],
      [(j) => { delete j.state.model; j.state.modelConfig = { inputDim: 16, encoderHidden: [12], latentDim: 0, decoderHidden: [] }; }, /"state.modelConfig": VaeConfig.latentDim: expected a positive integer, got 0/],
      [(j) => (j.state.metrics = 'none'), /"state.metrics" must be a list, found "none"/],
      [(j) => (j.state.metrics[0].epoch = -1), /"state.metrics\[0\].epoch" must be a positive integer, found -1/],
      [(j) => (j.state.partial = null), /"state.partial" must be an object, found null/],
      [(j) => (j.state.formatVersion = 7), /the header says format version 7 in a version-\d file/],
      [(j) => (j.specs = 3), /"specs" must be a list of tensors, found 3/],
      [(j) => (j.specs = j.specs.filter((s: { name: string }) => s.name !== 'model/mu.bias')), /tensor "model\/mu.bias" is missing \(expected shape \[2\]\)/],
      [(j) => (j.specs.find((s: { name: string }) => s.name === 'adam/m/mu.kernel').shape = [2, 12]), /tensor "adam\/m\/mu.kernel" has shape \[2, 12\], expected \[12, 2\]/],
      [(j) => (j.specs[0].dtype = 'string'), /tensor "model\/encoder.0.kernel" has dtype "string", expected float32 or int32/],
      [(j) => j.specs.push({ ...j.specs[0] }), /tensor "model\/encoder.0.kernel" is listed twice/],
      [(j) => (j.specs[0].shape = [1e9, 1e9]), /has shape \[1000000000, 1000000000\], expected \[16, 12\]/],
    ];
    for (const [edit, message] of cases) {
      for (const bytes of [v1, v2]) expect(checkpointError(decode(withHeader(bytes, edit)))).toMatch(message);
    }
  });

  it('a flipped byte in the weights area is refused (version 2), where version 1 could not tell', () => {
    const at = v2.length - 100;
    expect(checkpointError(decode(flip(v2, at)))).toMatch(/the weights are corrupt: their CRC-32 is [0-9a-f]{8}, the file records [0-9a-f]{8}; restore a good copy/);
    expect(checkpointError(() => verifyCheckpoint(flip(v2, at), SOURCE))).toMatch(/the weights are corrupt/);
    // readCheckpointState reads the header only, as documented.
    expect(readCheckpointState(flip(v2, at), SOURCE).epoch).toBe(1);
  });

  it('every single flipped byte of a version-2 checkpoint is refused, wherever it is', () => {
    for (let at = 0; at < v2.length; at++) {
      const error = errorOf(() => verifyCheckpoint(flip(v2, at), SOURCE));
      expect(error, `byte ${at}`).toBeInstanceOf(CheckpointError);
    }
  });

  it('NaN and Infinity in the weights are refused with the tensor\'s name (version 2, and version 1)', () => {
    const { json, weights } = split(v2);
    const poison = (name: string, index: number, value: number) => {
      let offset = 0;
      for (const spec of json.specs) {
        if (spec.name === name) break;
        offset += 4 * spec.shape.reduce((a, b) => a * b, 1);
      }
      const out = weights.slice();
      new DataView(out.buffer).setFloat32(offset + 4 * index, value, true);
      return out;
    };
    const nan = poison('model/mu.kernel', 3, Number.NaN);
    for (const version of [1, 2] as const) {
      const header = { ...json, state: { ...json.state, formatVersion: version } };
      expect(checkpointError(decode(build(version, header, nan)))).toMatch(/tensor "model\/mu.kernel" holds NaN at index 3 \(of 24\): the run diverged before this checkpoint, or the file is corrupt/);
    }
    const inf = poison('adam/v/decoder.1.bias', 0, Number.POSITIVE_INFINITY);
    expect(checkpointError(() => verifyCheckpoint(build(2, json, inf), SOURCE))).toMatch(/tensor "adam\/v\/decoder.1.bias" holds Infinity at index 0/);
  });

  it('encodeCheckpoint of a model holding NaN writes a file that load refuses', async () => {
    const saved = decodeCheckpoint(v2);
    const vae = new Vae(tinyModel);
    restoreModelWeights(saved, vae);
    const bias = vae.namedVariables().find((v) => v.name === 'decoder.0.bias')!.variable;
    bias.assign(tf.fill(bias.shape, Number.NaN));
    const optimizer = Object.fromEntries(Object.entries(saved.tensors).filter(([k]) => k.startsWith('adam/')));
    const bytes = await encodeCheckpoint(readCheckpointState(v2), vae, optimizer);
    expect(checkpointError(decode(bytes))).toMatch(/tensor "model\/decoder.0.bias" holds NaN at index 0/);
    tf.dispose(saved.tensors);
    vae.dispose();
  });

  it('train({ resume }) with a damaged checkpoint rejects with a CheckpointError, before anything runs', async () => {
    const vae = new Vae(tinyModel);
    for (const bytes of [withHeader(v2, (j) => (j.state = {})), v2.subarray(0, 10), flip(v2, v2.length - 1)]) {
      const error = await train({ model: vae, data: tinyData, epochs: 2, batchSize: 16, seed: 2, resume: bytes }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(CheckpointError);
      expect((error as Error).message).toMatch(/^checkpoint: /);
    }
    vae.dispose();
  });
});

/**
 * Fuzz: any bytes at all (random; random after a valid magic; real checkpoints of both versions
 * mutated, cut, extended; real headers with any field replaced by any JSON) either decode or throw
 * a CheckpointError naming the file; never anything else. Seeded, and bounded in time.
 */
describe('checkpoint reader fuzz', () => {
  const FUZZ = { seed: 20261202, numRuns: 300, interruptAfterTimeLimit: 20_000 };

  /** What the property asserts for one input, through all three readers. */
  function decodesOrCheckpointError(bytes: Uint8Array): void {
    for (const read of [readCheckpointState, verifyCheckpoint, decodeCheckpoint]) {
      try {
        const result = read(bytes, SOURCE) as { tensors?: tf.NamedTensorMap };
        if (result.tensors) tf.dispose(result.tensors);
      } catch (error) {
        if (!(error instanceof CheckpointError)) throw error;
        if (!error.message.startsWith(`${SOURCE}: `) || error.message.includes('\n')) throw new Error(`bad message: ${error.message}`);
      }
    }
  }

  type Mutation =
    | { kind: 'flip'; at: number; xor: number }
    | { kind: 'cut'; at: number }
    | { kind: 'extend'; tail: Uint8Array }
    | { kind: 'u32'; at: number; value: number }
    | { kind: 'splice'; at: number; bytes: Uint8Array };
  const mutation: fc.Arbitrary<Mutation> = fc.oneof(
    fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), xor: fc.integer({ min: 1, max: 255 }) }),
    fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
    fc.record({ kind: fc.constant('extend' as const), tail: fc.uint8Array({ minLength: 1, maxLength: 64 }) }),
    fc.record({ kind: fc.constant('u32' as const), at: fc.constantFrom(8, 12, 16, 20), value: fc.nat({ max: 0xffffffff }) }),
    fc.record({ kind: fc.constant('splice' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }) }),
  );
  function mutate(bytes: Uint8Array, m: Mutation): Uint8Array {
    if (bytes.length === 0) return bytes;
    switch (m.kind) {
      case 'flip':
        return flip(bytes, m.at % bytes.length, m.xor);
      case 'cut':
        return bytes.slice(0, m.at % bytes.length);
      case 'extend': {
        const out = new Uint8Array(bytes.length + m.tail.length);
        out.set(bytes);
        out.set(m.tail, bytes.length);
        return out;
      }
      case 'u32':
        return bytes.length >= m.at + 4 ? setU32(bytes, m.at, m.value) : bytes;
      case 'splice': {
        const out = bytes.slice();
        out.set(m.bytes.subarray(0, Math.max(0, out.length - (m.at % out.length))), m.at % out.length);
        return out;
      }
    }
  }

  it('random bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 400 }), (bytes) => decodesOrCheckpointError(bytes)), FUZZ);
  });

  it('random bytes after a valid magic', () => {
    const arb = fc.tuple(fc.constantFrom('VAECKPT1', 'VAECKPT2'), fc.uint8Array({ maxLength: 400 })).map(([magic, rest]) => {
      const out = new Uint8Array(8 + rest.length);
      out.set(new TextEncoder().encode(magic));
      out.set(rest, 8);
      return out;
    });
    fc.assert(fc.property(arb, (bytes) => decodesOrCheckpointError(bytes)), FUZZ);
  });

  it('real checkpoints (both versions) flipped, cut, extended, spliced, their lengths and CRCs overwritten', () => {
    fc.assert(
      fc.property(fc.constantFrom(0, 1, 2), fc.array(mutation, { minLength: 1, maxLength: 4 }), (which, mutations) => {
        decodesOrCheckpointError(mutations.reduce(mutate, [v1, v2, v2Later][which]!));
      }),
      FUZZ,
    );
  });

  it('real headers with any one field replaced by any JSON value, or removed (lengths and CRCs made to fit)', () => {
    const paths: (string | number)[][] = [];
    const walk = (value: unknown, path: (string | number)[]) => {
      paths.push(path);
      if (Array.isArray(value)) value.forEach((v, i) => walk(v, [...path, i]));
      else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) walk(v, [...path, k]);
    };
    walk(split(v2).json, []);
    fc.assert(
      fc.property(fc.constantFrom(v1, v2), fc.nat(), fc.option(fc.jsonValue({ maxDepth: 3 }), { nil: undefined }), (bytes, pick, value) => {
        const path = paths[pick % paths.length]!;
        const edited = withHeader(bytes, (json) => {
          if (path.length === 0) return;
          const parent = path.slice(0, -1).reduce<any>((o, k) => o[k], json);
          if (value === undefined) delete parent[path[path.length - 1]!];
          else parent[path[path.length - 1]!] = value;
        });
        decodesOrCheckpointError(path.length === 0 ? build(split(bytes).version, value ?? null, split(bytes).weights) : edited);
      }),
      FUZZ,
    );
  });

  it('a version-2 checkpoint with any one byte changed is always refused', () => {
    fc.assert(
      fc.property(fc.nat(), fc.integer({ min: 1, max: 255 }), (at, xor) => {
        const error = errorOf(() => verifyCheckpoint(flip(v2Later, at % v2Later.length, xor), SOURCE));
        return error instanceof CheckpointError && error.message.startsWith(`${SOURCE}: `);
      }),
      FUZZ,
    );
  });
});
