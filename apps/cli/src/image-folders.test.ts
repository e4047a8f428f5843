import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { decode } from 'fast-png';
import sharp from 'sharp';
import { encodeIdx, imageOrder } from '@vae/data';
import { loadMnistFromDir } from '@vae/data/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeColourShapes } from './testing/colour-shapes.js';
import { expectOneErrorLine } from './testing/expect-one-error-line.js';
import { asUser } from './testing/hostile-environment.js';
import { runCli, type CliRunOptions } from './testing/run-cli.js';

// `vae train --data-dir <folder of images>` end to end, from the built CLI: Fashion-MNIST as PNGs
// against its IDX files, a colour set on the conv VAE, and what bad folders get.

const FASHION = '/usr/share/datasets/fashion-mnist';
const HAVE_FASHION = existsSync(join(FASHION, 'train-images-idx3-ubyte.gz'));
const NO_FASHION = `SKIPPED: ${FASHION} is missing; install Debian's dataset-fashion-mnist (apt-get install dataset-fashion-mnist)`;

let work: string;
/** The CLI with the data cache in the test's own folder, never the user's. */
const cli = (args: string[], options: CliRunOptions = {}) => runCli(args, { ...options, env: { VAE_CACHE_DIR: join(work, 'cache'), ...options.env } });
const ok = async (args: string[], options: CliRunOptions = {}) => {
  const exit = await cli(args, options);
  expect(exit.code, exit.stderr).toBe(0);
  return exit;
};
const json = async (file: string) => JSON.parse(await readFile(file, 'utf8'));
const metrics = async (run: string) => (await readFile(join(run, 'metrics.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as Record<string, number>);

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'vae-image-folders-'));
  await chmod(work, 0o755); // readable by `nobody` in the permission case
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

it.skipIf(!HAVE_FASHION)(
  `Fashion-MNIST as a PNG folder (train/, test/, class folders) trains to the same numbers and weights, bit for bit, as the same images from IDX files${HAVE_FASHION ? '' : ` — ${NO_FASHION}`}`,
  async () => {
    const fashion = await loadMnistFromDir(FASHION);
    // The first 1,200 train and 300 test images as PNGs in class folders under train/ and test/; the
    // IDX files hold the same images in the order the folder is read in (imageOrder: a hash of each path).
    const folder = join(work, 'fashion-png');
    const idx = join(work, 'fashion-idx');
    await mkdir(idx);
    for (const [split, n] of [['train', 1200], ['test', 300]] as const) {
      const source = fashion[split];
      const byPath = new Map<string, number>();
      for (let i = 0; i < n; i++) {
        const path = `${split}/${source.labels[i]}-class/${String(i).padStart(5, '0')}.png`;
        byPath.set(path, i);
        await mkdir(dirname(join(folder, path)), { recursive: true });
        await sharp(source.images.subarray(i * 784, (i + 1) * 784), { raw: { width: 28, height: 28, channels: 1 } }).png().toFile(join(folder, path));
      }
      const order = imageOrder([...byPath.keys()]).map((path) => byPath.get(path)!);
      const images = Buffer.concat(order.map((i) => source.images.subarray(i * 784, (i + 1) * 784)));
      const labels = Uint8Array.from(order.map((i) => source.labels[i]!));
      const prefix = split === 'train' ? 'train' : 't10k';
      await writeFile(join(idx, `${prefix}-images-idx3-ubyte`), encodeIdx({ kind: 'images', dims: [n, 28, 28], data: images }));
      await writeFile(join(idx, `${prefix}-labels-idx1-ubyte`), encodeIdx({ kind: 'labels', dims: [n], data: labels }));
    }
    const flags = ['--epochs', '2', '--seed', '7', '--backend', 'wasm', '--sample-every', '2'];
    const fromPng = await ok(['train', '--data-dir', folder, ...flags, '--out', join(work, 'run-png')]);
    await ok(['train', '--data-dir', idx, ...flags, '--out', join(work, 'run-idx')]);
    expect(fromPng.stderr).toContain(`data: image folder ${folder} (28×28 grey, 10 classes from its subfolders, its train/ and test/) (1,200 train / 300 test)`);
    const [png, fromIdx] = [await metrics(join(work, 'run-png')), await metrics(join(work, 'run-idx'))];
    const numbers = (m: Record<string, number>) => Object.fromEntries(Object.entries(m).filter(([k]) => /loss|recon|kl|elbo/i.test(k)));
    expect(png.map(numbers)).toEqual(fromIdx.map(numbers));
    expect(Object.keys(numbers(png[0]!)).length).toBeGreaterThanOrEqual(4);
    const weights = await Promise.all(['run-png', 'run-idx'].map((r) => readFile(join(work, r, 'model', 'weights.bin'))));
    expect(weights[0]!.equals(weights[1]!)).toBe(true);
    const samples = await Promise.all(['run-png', 'run-idx'].map((r) => readFile(join(work, r, 'samples', 'epoch-002.png'))));
    expect(samples[0]!.equals(samples[1]!)).toBe(true);
    // What the data is, never "MNIST": config.json and data-report.json.
    const config = await json(join(work, 'run-png', 'config.json'));
    expect(config.data).toMatchObject({ source: 'folder', folder, image: { height: 28, width: 28, channels: 1 }, classes: ['0-class', '1-class', '2-class', '3-class', '4-class', '5-class', '6-class', '7-class', '8-class', '9-class'], skipped: 0, report: 'data-report.json' });
    expect(JSON.stringify(config.data)).not.toContain('MNIST');
    expect(await json(join(work, 'run-png', 'data-report.json'))).toMatchObject({ folder, layout: 'train-test', train: 1200, test: 300, skipped: [] });
  },
  300_000,
);

describe('a colour set on the conv VAE', () => {
  let shapes: string;
  beforeAll(async () => {
    shapes = join(work, 'shapes');
    // 16×16 (not the README's 32×32) keeps the test to about half a minute of training on two cores.
    await writeColourShapes(shapes, 2400, 16, 1);
  }, 120_000);

  it('trains with the loss falling, draws its sample grid in colour, and the latent scatter takes the folder labels; the second start reads the cache', async () => {
    const run = join(work, 'run-shapes');
    const first = await ok(['train', '--data-dir', shapes, '--model', 'conv', '--epochs', '12', '--lr', '0.003', '--latent-dim', '8', '--sample-every', '12', '--backend', 'wasm', '--out', run]);
    expect(first.stderr).toMatch(/data: decoded images cached in /);
    expect(first.stderr).toMatch(/data: image folder .* \(16×16 RGB, 4 classes from its subfolders, test split 0\.1\) \(2,1\d\d train \/ 2\d\d test\)/);
    const lines = await metrics(run);
    expect(lines).toHaveLength(12);
    expect(lines[11]!.testLoss!).toBeLessThan(lines[0]!.testLoss! - 20);
    expect(lines[11]!.trainLoss!).toBeLessThan(lines[0]!.trainLoss! - 20);
    const model = await json(join(run, 'model', 'model.json'));
    expect(model.description.input).toEqual({ height: 16, width: 16, channels: 3 });
    // The grid is RGB, and in colour: many lit pixels whose channels differ widely.
    const grid = decode(await readFile(join(run, 'samples', 'epoch-012.png')));
    expect([grid.width, grid.height, grid.channels]).toEqual([16 * 18 + 2, 16 * 18 + 2, 3]);
    let coloured = 0;
    for (let p = 0; p < grid.width * grid.height; p++) {
      const [r, g, b] = grid.data.subarray(p * 3, p * 3 + 3) as unknown as number[];
      if (Math.max(r!, g!, b!) - Math.min(r!, g!, b!) > 40) coloured++;
    }
    expect(coloured).toBeGreaterThan(1500);

    const latent = await ok(['latent', '--model', run, '--data-dir', shapes, '--backend', 'wasm']);
    expect(latent.stderr).toMatch(/data: decoded images from the cache/); // the model's size and the run's split: the same entry
    const svg = await readFile(join(run, 'explore', (latent.stdout.match(/latent-\d+\.svg/) ?? ['latent-0.svg'])[0]), 'utf8');
    const fills = new Set([...svg.matchAll(/<circle[^>]*fill="([^"]+)"/g)].map((m) => m[1]));
    expect(fills.size).toBe(4); // one colour per shape folder
    for (const shape of ['square', 'triangle', 'cross']) expect(svg).toContain(shape); // the legend names the folders

    const second = await ok(['train', '--data-dir', shapes, '--model', 'conv', '--epochs', '1', '--train-size', '64', '--test-size', '32', '--backend', 'wasm', '--out', join(work, 'run-shapes-2')]);
    expect(second.stderr).toMatch(/data: decoded images from the cache /);
  }, 400_000);
});

describe('bad folders: one line each, nothing lost', () => {
  const grey = (i: number) => sharp(Uint8Array.from({ length: 64 }, (_, p) => (i * 13 + p) % 256), { raw: { width: 8, height: 8, channels: 1 } }).png().toBuffer();
  const folderOf = async (name: string, count: number, extra: Record<string, string | Uint8Array> = {}) => {
    const dir = join(work, name);
    await mkdir(join(dir, 'a'), { recursive: true });
    for (let i = 0; i < count; i++) await writeFile(join(dir, 'a', `${i}.png`), await grey(i));
    for (const [file, bytes] of Object.entries(extra)) await writeFile(join(dir, file), bytes);
    return dir;
  };
  const QUICK = ['--epochs', '1', '--backend', 'wasm', '--latent-dim', '2'];

  it('skips a file that is not an image and lists it in data-report.json; --strict refuses the folder instead', async () => {
    const dir = await folderOf('with-junk', 30, { 'a/junk.png': 'not an image', 'README.txt': 'hello' });
    const run = join(work, 'run-junk');
    const exit = await ok(['train', '--data-dir', dir, ...QUICK, '--out', run]);
    expect(exit.stderr).toContain('data: skipped 1 files that are not usable images (e.g. a/junk.png: not a PNG, JPEG or WebP image (unknown first bytes), or its header is cut short); all are listed in data-report.json (--strict refuses them instead)');
    expect(exit.stderr).toContain('data: 1 other files not used (e.g. README.txt)');
    expect((await json(join(run, 'data-report.json'))).skipped).toEqual([{ path: 'a/junk.png', reason: 'not a PNG, JPEG or WebP image (unknown first bytes), or its header is cut short' }]);
    const strict = await cli(['train', '--data-dir', dir, ...QUICK, '--strict', '--out', join(work, 'run-strict')]);
    expect(expectOneErrorLine(strict)).toBe(`error: ${dir}/a/junk.png: not a PNG, JPEG or WebP image (unknown first bytes), or its header is cut short; --strict refuses the folder: remove or fix the file, or drop --strict to skip it (skipped files are listed in data-report.json)`);
    expect(existsSync(join(work, 'run-strict'))).toBe(false);
  });

  it('refuses a folder without images, a split of fewer than two, and the image flags on MNIST-format data', async () => {
    const empty = join(work, 'no-images');
    await mkdir(empty);
    await writeFile(join(empty, 'notes.txt'), 'x');
    expect(expectOneErrorLine(await cli(['train', '--data-dir', empty, ...QUICK, '--out', join(work, 'never-1')]))).toMatch(/no images found \(PNG, JPEG or WebP, in it or its subfolders; 1 other files, e\.g\. notes\.txt\); put the images there/);
    const three = await folderOf('three', 3);
    expect(expectOneErrorLine(await cli(['train', '--data-dir', three, ...QUICK, '--out', join(work, 'never-2')]))).toMatch(/image in the (test|train) split .*a split needs at least two: add images, or (raise|lower) --test-fraction/);
    const idx = join(work, 'tiny-idx');
    await mkdir(idx);
    const images = (n: number) => encodeIdx({ kind: 'images', dims: [n, 4, 4], data: new Uint8Array(n * 16) });
    const labels = (n: number) => encodeIdx({ kind: 'labels', dims: [n], data: new Uint8Array(n) });
    await writeFile(join(idx, 'train-images-idx3-ubyte'), images(8));
    await writeFile(join(idx, 'train-labels-idx1-ubyte'), labels(8));
    await writeFile(join(idx, 't10k-images-idx3-ubyte'), images(4));
    await writeFile(join(idx, 't10k-labels-idx1-ubyte'), labels(4));
    expect(expectOneErrorLine(await cli(['train', '--data-dir', idx, ...QUICK, '--image-size', '8', '--out', join(work, 'never-3')]), 2)).toBe(
      `error: --image-size only applies to a folder of images, but the data is MNIST-format files in ${idx}; drop it, or name a folder of images with --data-dir`,
    );
    expect(expectOneErrorLine(await cli(['train', '--data-dir', three, ...QUICK, '--image-size', '0x3']), 2)).toMatch(/--image-size.*expected n or HxW/);
    for (const dir of ['never-1', 'never-2', 'never-3']) expect(existsSync(join(work, dir))).toBe(false);
  });

  it(`skips a file it may not read and names it${asUser === undefined ? '' : ' (run as nobody)'}`, async () => {
    const dir = await folderOf('unreadable', 30);
    await chmod(join(dir, 'a', '3.png'), 0o000);
    const out = join(work, 'out-unreadable');
    await mkdir(out);
    await chmod(out, 0o777);
    const exit = await cli(['train', '--data-dir', dir, ...QUICK, '--out', join(out, 'run')], { uid: asUser, env: { VAE_CACHE_DIR: join(out, 'cache') } });
    expect(exit.code, exit.stderr).toBe(0);
    expect(exit.stderr).toContain('data: skipped 1 files that are not usable images (e.g. a/3.png: permission denied (EACCES))');
  });
});
