import { existsSync } from 'node:fs';
import { appendFile, mkdir, mkdtemp, readdir, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { imageOrder } from './image-folder.js';
import { loadImageFolder } from './image-folder-node.js';
import { loadMnist } from './mnist-sources.js';
import { loadMnistFromDir } from './load-dir.js';

let work: string;
beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'vae-image-folder-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

/** A grey image whose pixels are a function of (i, x, y): any change of order or value shows. */
const greyPixels = (i: number, w: number, h: number) => Uint8Array.from({ length: w * h }, (_, p) => (i * 37 + p * 11) % 256);
const greyPng = (i: number, w = 8, h = 6) => sharp(greyPixels(i, w, h), { raw: { width: w, height: h, channels: 1 } }).png().toBuffer();

async function folder(name: string, files: Record<string, Uint8Array | Promise<Uint8Array> | string>): Promise<string> {
  const dir = path.join(work, name);
  for (const [file, bytes] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, file)), { recursive: true });
    await writeFile(path.join(dir, file), await bytes);
  }
  return dir;
}

describe('loadImageFolder', () => {
  it('reads grey PNGs of one size byte for byte, labels from class folders, in imageOrder', async () => {
    const files: Record<string, Promise<Uint8Array>> = {};
    for (let i = 0; i < 12; i++) files[`${i < 6 ? 'train' : 'test'}/${['ant', 'bee'][i % 2]}/${String(i).padStart(2, '0')}.png`] = greyPng(i);
    const dir = await folder('grey', files);
    const data = await loadImageFolder(dir, { cacheDir: null });
    expect(data.source).toEqual({ kind: 'folder', description: `image folder ${dir} (6×8 grey, 2 classes from its subfolders, its train/ and test/)` });
    expect([data.train.count, data.train.rows, data.train.cols, data.train.channels]).toEqual([6, 6, 8, 1]);
    // train/ant: 00 02 04, train/bee: 01 03 05, in the split's hash order.
    const order = imageOrder(Object.keys(files).filter((f) => f.startsWith('train/'))).map((f) => Number(f.slice(-6, -4)));
    expect([...data.train.labels]).toEqual(order.map((i) => i % 2));
    expect(Buffer.from(data.train.images).equals(Buffer.concat(order.map((i) => greyPixels(i, 8, 6))))).toBe(true);
    expect(data.report).toMatchObject({ layout: 'train-test', classes: ['ant', 'bee'], resized: 0, skipped: [], channelsFrom: 'no colour found', sizeFrom: 'most common' });
  });

  it('makes colour from JPEG and WebP, crops and scales other sizes to the most common one, and counts them', async () => {
    const colour = (r: number, g: number, b: number, w: number, h: number) => sharp({ create: { width: w, height: h, channels: 3, background: { r, g, b } } });
    const dir = await folder('colour', {
      'red/1.png': colour(250, 0, 0, 16, 16).png().toBuffer(),
      'red/2.jpg': colour(250, 0, 0, 16, 16).jpeg({ quality: 100 }).toBuffer(),
      'red/3.webp': colour(250, 0, 0, 40, 20).webp({ lossless: true }).toBuffer(),
      'blue/1.png': colour(0, 0, 250, 16, 16).png().toBuffer(),
      'blue/2.png': colour(0, 0, 250, 16, 16).png().toBuffer(),
      'blue/3.png': colour(0, 0, 250, 16, 16).png().toBuffer(),
    });
    const data = await loadImageFolder(dir, { cacheDir: null, testFraction: 0.4 });
    expect([data.train.rows, data.train.cols, data.train.channels]).toEqual([16, 16, 3]);
    expect(data.report).toMatchObject({ resized: 1, channelsFrom: 'colour found', sizes: [{ size: '16x16', count: 5 }, { size: '20x40', count: 1 }] });
    expect(data.train.count + data.test.count).toBe(6);
    const all = [...data.train.labels, ...data.test.labels].sort();
    expect(all).toEqual([0, 0, 0, 1, 1, 1]);
    // Every image is one colour: its first pixel says which class it is (blue is class 0).
    const check = (split: typeof data.train) => {
      for (let i = 0; i < split.count; i++) {
        const [r, , b] = split.images.subarray(i * 768, i * 768 + 3);
        expect(split.labels[i] === 0 ? b! > 200 && r! < 30 : r! > 200 && b! < 30).toBe(true);
      }
    };
    check(data.train);
    check(data.test);
    const grey = await loadImageFolder(dir, { cacheDir: null, testFraction: 0.4, channels: 1, imageSize: { height: 8, width: 4 } });
    expect([grey.train.rows, grey.train.cols, grey.train.channels, grey.report.resized]).toEqual([8, 4, 1, 6]);
  });

  it('skips and lists what it cannot use: not an image, corrupt, a bomb (refused from its header), a symlink loop; strict refuses', async () => {
    const png = await greyPng(1, 8, 8);
    // A PNG header declaring 40000×40000 pixels, followed by nothing a decoder would get to.
    const bomb = new Uint8Array(png.subarray(0, 33));
    new DataView(bomb.buffer).setUint32(16, 40_000);
    new DataView(bomb.buffer).setUint32(20, 40_000);
    const files: Record<string, Uint8Array | Promise<Uint8Array> | string> = { 'notes.txt': 'hello', 'x/fake.png': 'not a png', 'x/cut.png': png.subarray(0, png.length - 30), 'x/bomb.png': bomb };
    for (let i = 0; i < 20; i++) files[`x/${i}.png`] = greyPng(i, 8, 8);
    const dir = await folder('bad', files);
    await symlink('..', path.join(dir, 'x', 'loop'));
    const data = await loadImageFolder(dir, { cacheDir: null, testFraction: 0.3 });
    expect(data.train.count + data.test.count).toBe(20);
    const reasons = Object.fromEntries(data.report.skipped.map((s) => [s.path, s.reason]));
    expect(Object.keys(reasons).sort()).toEqual(['x/bomb.png', 'x/cut.png', 'x/fake.png', 'x/loop']);
    expect(reasons['x/loop']).toBe('a symlink loop (back to the folder itself): not followed');
    expect(reasons['x/fake.png']).toMatch(/^not a PNG, JPEG or WebP image/);
    expect(reasons['x/bomb.png']).toMatch(/^40000×40000 = 1,600,000,000 pixels, more than the 67,108,864 allowed \(a decompression bomb\?\): refused before decoding$/);
    expect(reasons['x/cut.png']).toMatch(/^corrupt or unreadable: /);
    expect(data.report.unused).toEqual(['notes.txt']);
    await expect(loadImageFolder(dir, { cacheDir: null, strict: true })).rejects.toThrow(/; --strict refuses the folder: remove or fix the file, or drop --strict to skip it/);
  });

  it('refuses a folder that is missing or has no images, in one line', async () => {
    await expect(loadImageFolder(path.join(work, 'nope'), { cacheDir: null })).rejects.toThrow(`${path.join(work, 'nope')}: no such folder; name a folder of images you can read`);
    const empty = await folder('empty', { 'a.txt': 'x' });
    await expect(loadImageFolder(empty, { cacheDir: null })).rejects.toThrow(/no images found \(PNG, JPEG or WebP/);
  });

  it('caches the decoded set: a second start reads it back; a changed or added file makes a new entry', async () => {
    const files: Record<string, Promise<Uint8Array>> = {};
    for (let i = 0; i < 30; i++) files[`${i % 3}/${i}.png`] = greyPng(i, 10, 10);
    const dir = await folder('cached', files);
    const cacheDir = path.join(work, 'cache');
    const lines: string[] = [];
    const first = await loadImageFolder(dir, { cacheDir, log: (l) => lines.push(l) });
    expect(first.cache.hit).toBe(false);
    expect(lines).toEqual([`data: decoded images cached in ${first.cache.dir}`]);
    // The entry is an MNIST-format directory (4-dim IDX with channels).
    const asIdx = await loadMnistFromDir(first.cache.dir!);
    expect(Buffer.from(asIdx.train.images).equals(Buffer.from(first.train.images))).toBe(true);
    expect(asIdx.train.channels).toBe(1);

    const second = await loadImageFolder(dir, { cacheDir });
    expect(second.cache).toEqual({ dir: first.cache.dir, hit: true });
    expect(second.report).toEqual(first.report);
    expect(Buffer.from(second.train.images).equals(Buffer.from(first.train.images))).toBe(true);
    expect([...second.test.labels]).toEqual([...first.test.labels]);
    // Asked by the size and channels the defaults resolved to (as the model commands ask): the same entry.
    const named = await loadImageFolder(dir, { cacheDir, imageSize: { height: 10, width: 10 }, channels: 1 });
    expect(named.cache).toEqual({ dir: first.cache.dir, hit: true });

    // A file rewritten with other pixels (and a new mtime): a new entry, with its pixels.
    const changed = path.join(dir, '0', '0.png');
    await writeFile(changed, await greyPng(99, 10, 10));
    await utimes(changed, new Date(), new Date(Date.now() + 5000));
    const third = await loadImageFolder(dir, { cacheDir });
    expect(third.cache.hit).toBe(false);
    expect(third.cache.dir).not.toBe(first.cache.dir);
    // An added file: another entry again.
    await writeFile(path.join(dir, '1', 'new.png'), await greyPng(50, 10, 10));
    const fourth = await loadImageFolder(dir, { cacheDir });
    expect(fourth.cache.hit).toBe(false);
    expect(fourth.train.count + fourth.test.count).toBe(31);
    // A damaged entry is decoded again, not trusted.
    await appendFile(path.join(fourth.cache.dir!, 'train-images-idx3-ubyte'), 'x');
    const fifth = await loadImageFolder(dir, { cacheDir });
    expect(fifth.cache.hit).toBe(false);
    // No temp folders are left behind, and the superseded entries of this folder are gone: one decoded
    // set (and the alias of the default settings' key) is left.
    const left = await readdir(path.join(cacheDir, 'images'));
    expect(left.filter((n) => n.includes('.tmp-'))).toEqual([]);
    expect(left).toHaveLength(2);
    expect(existsSync(first.cache.dir!)).toBe(false);
    expect(existsSync(fifth.cache.dir!)).toBe(true);
  });

  it('is what loadMnist reads for a data directory without the four MNIST files', async () => {
    const files: Record<string, Promise<Uint8Array>> = {};
    for (let i = 0; i < 20; i++) files[`${i}.png`] = greyPng(i);
    const dir = await folder('via-load-mnist', files);
    const lines: string[] = [];
    const data = await loadMnist({ dataDir: dir, cacheDir: path.join(work, 'cache2'), log: (l) => lines.push(l), images: { testFraction: 0.25 } });
    expect(data.source.kind).toBe('folder');
    expect(lines.at(-1)).toBe(`data: image folder ${dir} (6×8 grey, test split 0.25) (${data.train.count} train / ${data.test.count} test)`);
  });
});

const FASHION = '/usr/share/datasets/fashion-mnist';
const HAVE_FASHION = existsSync(path.join(FASHION, 't10k-images-idx3-ubyte.gz'));

it.skipIf(!HAVE_FASHION)(
  `reads Fashion-MNIST written as a PNG folder (train/ test/ and class folders) to the same bytes and labels as its IDX files${HAVE_FASHION ? '' : ` — SKIPPED: ${FASHION} is missing, install Debian's dataset-fashion-mnist`}`,
  async () => {
    const idx = await loadMnistFromDir(FASHION);
    // 300 test images: every third one to test/, the others to train/, each in its class folder.
    const dir = path.join(work, 'fashion');
    const fileOf = (i: number) => `${i % 3 === 2 ? 'test' : 'train'}/class-${idx.test.labels[i]}/${String(i).padStart(5, '0')}.png`;
    for (let i = 0; i < 300; i++) {
      const file = path.join(dir, fileOf(i));
      await mkdir(path.dirname(file), { recursive: true });
      await sharp(idx.test.images.subarray(i * 784, (i + 1) * 784), { raw: { width: 28, height: 28, channels: 1 } }).png().toFile(file);
    }
    const data = await loadImageFolder(dir, { cacheDir: null });
    // Each split in its imageOrder (a hash of the path).
    const expected = (split: 'train' | 'test') => {
      const indices = [...Array(300).keys()].filter((i) => (i % 3 === 2) === (split === 'test'));
      const byFile = new Map(indices.map((i) => [fileOf(i), i]));
      return imageOrder([...byFile.keys()]).map((f) => byFile.get(f)!);
    };
    for (const split of ['train', 'test'] as const) {
      const indices = expected(split);
      expect(data[split].count).toBe(indices.length);
      expect([...data[split].labels]).toEqual(indices.map((i) => idx.test.labels[i]));
      expect(Buffer.from(data[split].images).equals(Buffer.concat(indices.map((i) => idx.test.images.subarray(i * 784, (i + 1) * 784))))).toBe(true);
    }
  },
);
