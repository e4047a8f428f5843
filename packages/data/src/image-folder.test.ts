import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { DataError } from './errors.js';
import { assembleImageFolder, coverCrop, imageOrder, inTestSplit, isImageFileName, parseImageSize, planImageFolder, readImageHeader, toChannels, type ImageDecoder } from './image-folder.js';

const solid = (width: number, height: number) => sharp({ create: { width, height, channels: 3, background: { r: 200, g: 30, b: 10 } } });

describe('readImageHeader', () => {
  it('reads the format and size of PNG, JPEG (baseline and progressive) and WebP (lossy, lossless, with alpha) without decoding', async () => {
    expect(readImageHeader(await solid(37, 21).png().toBuffer())).toEqual({ format: 'png', width: 37, height: 21 });
    expect(readImageHeader(await solid(37, 21).jpeg().toBuffer())).toEqual({ format: 'jpeg', width: 37, height: 21 });
    expect(readImageHeader(await solid(37, 21).jpeg({ progressive: true }).withMetadata().toBuffer())).toEqual({ format: 'jpeg', width: 37, height: 21 });
    expect(readImageHeader(await solid(37, 21).webp().toBuffer())).toEqual({ format: 'webp', width: 37, height: 21 });
    expect(readImageHeader(await solid(37, 21).webp({ lossless: true }).toBuffer())).toEqual({ format: 'webp', width: 37, height: 21 });
    const alpha = await sharp({ create: { width: 37, height: 21, channels: 4, background: { r: 1, g: 2, b: 3, alpha: 0.5 } } }).webp().toBuffer();
    expect(readImageHeader(alpha)).toEqual({ format: 'webp', width: 37, height: 21 });
  });

  it('says undefined for other bytes and for a header cut short', async () => {
    expect(readImageHeader(new TextEncoder().encode('<html>not an image</html>'))).toBeUndefined();
    expect(readImageHeader(new Uint8Array(0))).toBeUndefined();
    expect(readImageHeader((await solid(5, 5).png().toBuffer()).subarray(0, 20))).toBeUndefined();
    expect(readImageHeader((await solid(5, 5).jpeg().toBuffer()).subarray(0, 30))).toBeUndefined();
  });
});

describe('the rules', () => {
  it('takes .png, .jpg, .jpeg and .webp in any case, nothing else', () => {
    expect(['a.png', 'b.JPG', 'c.jpeg', 'd.WebP'].every(isImageFileName)).toBe(true);
    expect(['a.gif', 'b.txt', 'png', 'c.png.bak'].some(isImageFileName)).toBe(false);
  });

  it('parses --image-size as n or HxW (height first)', () => {
    expect(parseImageSize('28')).toEqual({ height: 28, width: 28 });
    expect(parseImageSize('32x48')).toEqual({ height: 32, width: 48 });
    expect(parseImageSize('32×48')).toEqual({ height: 32, width: 48 });
    for (const bad of ['0', '-3', '12x', 'x12', 'abc', '5000', '2.5']) expect(() => parseImageSize(bad)).toThrow(/expected n or HxW/);
  });

  it('crops the centred largest rectangle of the target aspect (fit cover)', () => {
    expect(coverCrop({ width: 40, height: 30 }, { height: 30, width: 40 })).toEqual({ left: 0, top: 0, width: 40, height: 30 });
    expect(coverCrop({ width: 40, height: 30 }, { height: 10, width: 10 })).toEqual({ left: 5, top: 0, width: 30, height: 30 });
    expect(coverCrop({ width: 30, height: 41 }, { height: 28, width: 28 })).toEqual({ left: 0, top: 5, width: 30, height: 30 });
    expect(coverCrop({ width: 100, height: 50 }, { height: 10, width: 40 })).toEqual({ left: 0, top: 12, width: 100, height: 25 });
  });

  it('splits by a hash of each path: about the fraction asked, and adding files moves no other file', () => {
    const paths = Array.from({ length: 5000 }, (_, i) => `cls${i % 7}/img-${i}.png`);
    const test = paths.filter((p) => inTestSplit(p, 0.1));
    expect(test.length).toBeGreaterThan(420);
    expect(test.length).toBeLessThan(580);
    const before = planImageFolder(paths.slice(0, 3000));
    const after = planImageFolder(paths);
    const testBefore = new Set(before.test.map((t) => t.path));
    expect(after.test.filter((t) => testBefore.has(t.path)).length).toBe(testBefore.size);
    expect(after.train.filter((t) => testBefore.has(t.path))).toEqual([]);
  });

  it('uses train/ and test/ when both are there, class folders as labels (sorted, shared), in imageOrder', () => {
    const plan = planImageFolder(['test/dog/1.png', 'train/dog/b.png', 'train/cat/a.png', 'train/cat/B.png', 'test/cat/2.png', 'notes/x.png']);
    expect(plan.layout).toBe('train-test');
    expect(plan.classes).toEqual(['cat', 'dog']);
    const label = { 'train/cat/B.png': 0, 'train/cat/a.png': 0, 'train/dog/b.png': 1, 'test/cat/2.png': 0, 'test/dog/1.png': 1 } as Record<string, number>;
    expect(plan.train).toEqual(imageOrder(['train/cat/B.png', 'train/cat/a.png', 'train/dog/b.png']).map((path) => ({ path, label: label[path] })));
    expect(plan.test).toEqual(imageOrder(['test/dog/1.png', 'test/cat/2.png']).map((path) => ({ path, label: label[path] })));
    expect(plan.unused).toEqual(['notes/x.png']);
  });

  it('orders a split by a hash of each path: classes mixed, the same whatever order the files came in, kept when files are added', () => {
    const paths = Array.from({ length: 400 }, (_, i) => `${['a', 'b', 'c', 'd'][i % 4]}/${i}.png`);
    const order = imageOrder(paths);
    expect(imageOrder([...paths].reverse())).toEqual(order);
    expect(new Set(order.slice(0, 40).map((p) => p[0])).size).toBe(4); // the first tenth holds every class
    const more = imageOrder([...paths, 'a/new-1.png', 'c/new-2.png']);
    expect(more.filter((p) => !p.includes('new'))).toEqual(order);
  });

  it('gives no classes when some images lie outside subfolders', () => {
    const plan = planImageFolder(['a.png', 'sub/b.png', 'c.png'], { testFraction: 0.5 });
    expect(plan.classes).toEqual([]);
    expect([...plan.train, ...plan.test].every((p) => p.label === 0)).toBe(true);
  });

  it('composites alpha over black, copies grey to RGB, takes BT.601 luma for grey, and sees colour', () => {
    const out3 = new Uint8Array(6);
    expect(toChannels({ width: 2, height: 1, channels: 2, data: Uint8Array.from([200, 255, 200, 0]) }, out3, 3)).toBe(false);
    expect([...out3]).toEqual([200, 200, 200, 0, 0, 0]);
    const rgba = { width: 2, height: 1, channels: 4, data: Uint8Array.from([255, 0, 0, 128, 10, 10, 10, 255]) };
    expect(toChannels(rgba, out3, 3)).toBe(true);
    expect([...out3]).toEqual([128, 0, 0, 10, 10, 10]);
    const out1 = new Uint8Array(2);
    toChannels(rgba, out1, 1);
    expect([...out1]).toEqual([(77 * 128 + 128) >> 8, 10]);
  });
});

describe('assembleImageFolder', () => {
  /** A decoder over in-memory "files": a PNG-looking header of the given size, pixels from the path. */
  const fake = (sizes: Record<string, [number, number] | 'junk'>): ImageDecoder<{ path: string }> => ({
    async head(file) {
      const size = sizes[file.path]!;
      if (size === 'junk') return new Uint8Array(10);
      const bytes = new Uint8Array(24);
      bytes.set([0x89, 0x50, 0x4e, 0x47, 13, 10, 26, 10, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]);
      new DataView(bytes.buffer).setUint32(16, size[1]);
      new DataView(bytes.buffer).setUint32(20, size[0]);
      return bytes;
    },
    async decode(file, _header, _crop, target) {
      const v = file.path.length;
      return { width: target.width, height: target.height, channels: 1, data: new Uint8Array(target.width * target.height).fill(v) };
    },
  });

  it('refuses a split of fewer than two images, saying what to do', async () => {
    const files = ['train/a.png', 'train/b.png', 'test/c.png'].map((path) => ({ path }));
    await expect(assembleImageFolder('/f', files, fake({ 'train/a.png': [4, 4], 'train/b.png': [4, 4], 'test/c.png': [4, 4] }))).rejects.toThrow(
      new DataError('/f: only one image in the test split (of 1 planned there); a split needs at least two: add images to test/'),
    );
  });

  it('refuses a folder without images, naming another file found', async () => {
    await expect(assembleImageFolder('/f', [{ path: 'notes.txt' }], fake({}))).rejects.toThrow(
      '/f: no images found (PNG, JPEG or WebP, in it or its subfolders; 1 other files, e.g. notes.txt); put the images there, or name the folder that holds them',
    );
  });

  it('skips what is not an image and refuses a bomb from its header; --strict refuses instead', async () => {
    const sizes: Record<string, [number, number] | 'junk'> = { 'train/a.png': [4, 4], 'train/b.png': [4, 4], 'train/junk.png': 'junk', 'train/bomb.png': [50_000, 50_000], 'test/c.png': [4, 4], 'test/d.png': [6, 4] };
    const files = Object.keys(sizes).map((path) => ({ path }));
    const { report, train, test } = await assembleImageFolder('/f', files, fake(sizes));
    expect([train.count, test.count, report.resized]).toEqual([2, 2, 1]);
    expect(report.skipped.map((s) => s.path)).toEqual(['train/bomb.png', 'train/junk.png']);
    expect(report.skipped[0]!.reason).toBe('50000×50000 = 2,500,000,000 pixels, more than the 67,108,864 allowed (a decompression bomb?): refused before decoding');
    await expect(assembleImageFolder('/f', files, fake(sizes), { strict: true })).rejects.toThrow(/^\/f\/train\/(bomb|junk)\.png: .*; --strict refuses the folder: remove or fix the file, or drop --strict to skip it/);
  });
});
