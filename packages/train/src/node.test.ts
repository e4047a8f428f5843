import { Vae } from '@vae/model';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { memoryCheckpointStore, readCheckpointState, type TrainingState } from './checkpoint.js';
import { CheckpointError } from './errors.js';
import { CHECKPOINT_FILE, STATE_FILE, fileCheckpointStore, type StateFile } from './node.js';
import { tinySplit } from '@vae/test-helpers/splits';
import { train } from './train.js';

const tinyModel = { inputDim: 16, encoderHidden: [12], latentDim: 2, decoderHidden: [12] };
const tinyData = { train: tinySplit(100, 1), test: tinySplit(30, 2) };

let epoch1: Uint8Array;
let epoch2: Uint8Array;

beforeAll(async () => {
  const store = memoryCheckpointStore();
  const vae = new Vae(tinyModel, { seed: 3 });
  await train({ model: vae, data: tinyData, epochs: 1, batchSize: 16, seed: 2, checkpoint: store });
  epoch1 = (await store.load())!;
  await train({ model: vae, data: tinyData, epochs: 2, batchSize: 16, seed: 2, checkpoint: store, resume: epoch1 });
  epoch2 = (await store.load())!;
  vae.dispose();
});

const newDir = async () => join(await mkdtemp(join(tmpdir(), 'vae-ckpt-')), 'checkpoint');
/** The stamp state.json should carry for `bytes`: length and the two CRC-32s of the version-2 prefix. */
function stampOf(bytes: Uint8Array) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const hex = (at: number) => view.getUint32(at, true).toString(16).padStart(8, '0');
  return { file: 'checkpoint.bin', bytes: bytes.length, headerCrc32: hex(12), weightsCrc32: hex(20) };
}
const readState = async (dir: string) => JSON.parse(await readFile(join(dir, STATE_FILE), 'utf8')) as StateFile;

/** Rejects with a CheckpointError on one line starting with `path`; returns the message. */
async function rejection(promise: Promise<unknown>, path: string): Promise<string> {
  const error = await promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (e: unknown) => e as Error,
  );
  expect(error).toBeInstanceOf(CheckpointError);
  expect(error.message.startsWith(`${path}: `), error.message).toBe(true);
  expect(error.message).not.toContain('\n');
  return error.message;
}

describe('fileCheckpointStore', () => {
  it('saves checkpoint.bin and a state.json copied from the same bytes, stamped with their length and CRC-32s', async () => {
    const dir = await newDir();
    const store = fileCheckpointStore(dir);
    expect(await store.load()).toBeUndefined();
    // state.json comes from the bytes, not from the state passed along (which could disagree).
    await store.save(epoch1, { epoch: 99 } as unknown as TrainingState);
    expect(new Uint8Array(await readFile(join(dir, CHECKPOINT_FILE)))).toEqual(epoch1);
    const state = await readState(dir);
    const { checkpoint, ...rest } = state;
    expect(rest).toEqual(readCheckpointState(epoch1));
    expect(checkpoint).toEqual(stampOf(epoch1));
    expect(await store.load()).toEqual(epoch1);
    expect((await readdir(dir)).sort()).toEqual([CHECKPOINT_FILE, STATE_FILE]);
  });

  it('after a kill between the two renames, state.json is older (never newer) and its stamp says so; load() makes the pair one again', async () => {
    const dir = await newDir();
    const store = fileCheckpointStore(dir);
    await store.save(epoch1, readCheckpointState(epoch1));
    // What a kill right after checkpoint.bin's rename leaves: the new checkpoint beside the old state.json.
    await writeFile(join(dir, CHECKPOINT_FILE), epoch2);
    const stale = await readState(dir);
    expect(stale.epoch).toBe(1);
    expect(stale.checkpoint).toEqual(stampOf(epoch1));
    expect(stale.checkpoint).not.toEqual(stampOf(epoch2));
    expect(await store.load()).toEqual(epoch2);
    const repaired = await readState(dir);
    expect(repaired.epoch).toBe(2);
    expect(repaired.checkpoint.bytes).toBe(epoch2.length);
    const { checkpoint, ...rest } = repaired;
    expect(checkpoint).toEqual(stampOf(epoch2));
    expect(rest).toEqual(readCheckpointState(epoch2));
  });

  it('a state.json missing (a kill before its first rename) or unreadable is rewritten by load()', async () => {
    const dir = await newDir();
    const store = fileCheckpointStore(dir);
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, CHECKPOINT_FILE), epoch2);
    expect(await store.load()).toEqual(epoch2);
    expect((await readState(dir)).epoch).toBe(2);
    await writeFile(join(dir, STATE_FILE), '{ half');
    await store.load();
    expect((await readState(dir)).epoch).toBe(2);
  });

  it('a corrupt or unreadable checkpoint.bin on disk is a CheckpointError naming it', async () => {
    const dir = await newDir();
    const store = fileCheckpointStore(dir);
    const path = join(dir, CHECKPOINT_FILE);
    await mkdir(dir, { recursive: true });
    await writeFile(path, epoch2.subarray(0, 10));
    expect(await rejection(store.load(), path)).toMatch(/the file is truncated/);
    const flipped = epoch2.slice();
    flipped[flipped.length - 3]! ^= 0x10;
    await writeFile(path, flipped);
    expect(await rejection(store.load(), path)).toMatch(/the weights are corrupt/);
    await rm(path);
    await mkdir(path);
    expect(await rejection(store.load(), path)).toMatch(/cannot read the checkpoint \(EISDIR: .*\); a directory is in its place/);
  });

  it('a failed write is a CheckpointError naming the file, leaves no temporary files, and never a state.json newer than checkpoint.bin', async () => {
    const dir = await newDir();
    const store = fileCheckpointStore(dir);
    await store.save(epoch1, readCheckpointState(epoch1));
    // state.json cannot be replaced: a non-empty directory is in its place.
    await rm(join(dir, STATE_FILE));
    await mkdir(join(dir, STATE_FILE, 'x'), { recursive: true });
    expect(await rejection(store.save(epoch2, readCheckpointState(epoch2)), join(dir, STATE_FILE))).toMatch(
      /cannot write the checkpoint \(E[A-Z]+: .*\); fix the cause, then resume \(the checkpoint already on disk is intact\)/,
    );
    expect(new Uint8Array(await readFile(join(dir, CHECKPOINT_FILE)))).toEqual(epoch2);
    expect((await readdir(dir)).sort()).toEqual([CHECKPOINT_FILE, STATE_FILE]);

    // The directory cannot be created: a file is in its place.
    const file = join(await mkdtemp(join(tmpdir(), 'vae-ckpt-')), 'plain-file');
    await writeFile(file, 'x');
    expect(await rejection(fileCheckpointStore(file).save(epoch1, readCheckpointState(epoch1)), join(file, CHECKPOINT_FILE))).toMatch(
      /cannot write the checkpoint \((EEXIST|ENOTDIR): /,
    );
    expect(await rejection(fileCheckpointStore(file).load(), join(file, CHECKPOINT_FILE))).toMatch(/cannot read the checkpoint \(ENOTDIR: /);
  });

  it('a failed first save says to start the run again, not that a checkpoint on disk is intact (there is none)', async () => {
    const dir = await newDir();
    // checkpoint.bin cannot be put in place: a non-empty directory holds its name.
    await mkdir(join(dir, CHECKPOINT_FILE, 'x'), { recursive: true });
    const message = await rejection(fileCheckpointStore(dir).save(epoch1, readCheckpointState(epoch1)), join(dir, CHECKPOINT_FILE));
    expect(message).toMatch(/; fix the cause, then start the run again \(no checkpoint had been saved yet\)$/);
    expect(message).not.toContain('intact');
  });

  it('refuses to save bytes that are not a checkpoint', async () => {
    const dir = await newDir();
    const error = await fileCheckpointStore(dir)
      .save(new Uint8Array([1, 2, 3]), readCheckpointState(epoch1))
      .then(() => new Error('expected a rejection'), (e: unknown) => e as Error);
    expect(error).toBeInstanceOf(CheckpointError);
    expect(error.message).toMatch(/^the checkpoint to save as .*checkpoint\.bin: not a vae-ts checkpoint/);
  });
});
