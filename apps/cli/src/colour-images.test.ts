import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decode } from 'fast-png';
import { encodeIdx } from '@vae/data';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runCli } from './testing/run-cli.js';

// A coloured MNIST-format set: 4-dim IDX images [n, 12, 10, 3] (channels last), gzipped under the
// standard names. Training takes 12·10·3 values per image and draws its sample grids in colour;
// `vae sample` and `reconstruct` read the image shape from the saved model and draw RGB too.
const [ROWS, COLS, CHANNELS] = [12, 10, 3];
let work: string;

/** Image i: a red bar (its row and width from i) over a faint green ground, no blue: colour the grid must keep apart. */
function colourImages(n: number): Uint8Array {
  const data = new Uint8Array(n * ROWS * COLS * CHANNELS);
  for (let i = 0; i < n; i++) {
    for (let y = 0; y < ROWS; y++) {
      for (let x = 0; x < COLS; x++) {
        const at = ((i * ROWS + y) * COLS + x) * CHANNELS;
        const bar = Math.abs(y - (i % ROWS)) <= 2 && x < 4 + (i % 7);
        data[at] = bar ? 230 : 10; // red
        data[at + 1] = 40; // green
        data[at + 2] = 0; // blue
      }
    }
  }
  return data;
}

const labels = (n: number) => encodeIdx({ kind: 'labels', dims: [n], data: Uint8Array.from({ length: n }, (_, i) => i % 10) }, { gzip: true });
/** Runs the built CLI; a non-zero exit throws with its stderr. */
const execCli = async (args: string[]) => {
  const exit = await runCli(args);
  if (exit.code !== 0) throw new Error(`vae ${args.join(' ')} exited ${exit.code}:\n${exit.stderr}`);
  return exit;
};

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'vae-colour-'));
  const images = (n: number) => encodeIdx({ kind: 'images', dims: [n, ROWS, COLS, CHANNELS], data: colourImages(n) }, { gzip: true });
  await writeFile(join(work, 'train-images-idx3-ubyte.gz'), images(256));
  await writeFile(join(work, 'train-labels-idx1-ubyte.gz'), labels(256));
  await writeFile(join(work, 't10k-images-idx3-ubyte.gz'), images(64));
  await writeFile(join(work, 't10k-labels-idx1-ubyte.gz'), labels(64));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

/** A PNG's size and colour type, and its mean red, green and blue over the pixels of the tiles (not the black gaps). */
async function png(file: string) {
  const image = decode(await readFile(file));
  const { width, height, channels } = image;
  const sums = [0, 0, 0];
  let lit = 0;
  for (let i = 0; i < width * height; i++) {
    const px = Array.from(image.data.subarray(i * channels, i * channels + 3));
    if (px.every((v) => v === 0)) continue;
    lit++;
    px.forEach((v, c) => (sums[c]! += v));
  }
  return { width, height, channels, mean: sums.map((s) => s / lit) };
}

it('trains on 4-dim IDX images [n, 12, 10, 3] and samples them in colour, from the model alone', async () => {
  const out = join(work, 'run');
  await execCli(['train', '--data', 'dir', '--data-dir', work, '--epochs', '2', '--sample-every', '1', '--latent-dim', '2', '--lr', '0.003', '--backend', 'wasm', '--out', out]);
  const config = JSON.parse(await readFile(join(out, 'config.json'), 'utf8'));
  expect(config.model.input).toEqual({ height: ROWS, width: COLS, channels: CHANNELS });

  // Training's grid: 256 tiles in 16 columns of 10 + 2 px and 16 rows of 12 + 2 px, plus the border, RGB.
  const grid = await png(join(out, 'samples', 'epoch-002.png'));
  expect([grid.width, grid.height, grid.channels]).toEqual([16 * 12 + 2, 16 * 14 + 2, 3]);
  // Red stays red and blue stays out: the channels are read channels last, not interleaved as pixels.
  expect(grid.mean[0]).toBeGreaterThan(grid.mean[2]! + 20);

  // `vae sample` knows the shape from model.json: no square assumed, no data needed.
  await execCli(['sample', '--model', out, '--grid', '4', '--backend', 'wasm']);
  const sample = await png(join(out, 'explore', 'samples-4x4-t1-seed0.png'));
  expect([sample.width, sample.height, sample.channels]).toEqual([4 * 12 + 2, 4 * 14 + 2, 3]);
  expect(sample.mean[0]).toBeGreaterThan(sample.mean[2]! + 20);

  // Originals above their reconstructions: 4 tiles a row, two rows.
  await execCli(['reconstruct', '--model', out, '--data', 'dir', '--data-dir', work, '--count', '4', '--backend', 'wasm']);
  const reconstructed = await png(join(out, 'explore', 'reconstructions-0-3.png'));
  expect([reconstructed.width, reconstructed.height, reconstructed.channels]).toEqual([4 * 12 + 2, 2 * 14 + 2, 3]);
});

it('refuses train and test images with different channel counts, naming both files', async () => {
  const mixed = join(work, 'mixed');
  await mkdir(mixed);
  for (const name of ['train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz', 't10k-labels-idx1-ubyte.gz']) await copyFile(join(work, name), join(mixed, name));
  await writeFile(join(mixed, 't10k-images-idx3-ubyte.gz'), encodeIdx({ kind: 'images', dims: [64, ROWS, COLS], data: new Uint8Array(64 * ROWS * COLS) }, { gzip: true }));
  const failed = await runCli(['train', '--data', 'dir', '--data-dir', mixed, '--epochs', '1', '--backend', 'wasm', '--out', join(work, 'never')]);
  expect(failed.code).toBe(1);
  expect(failed.stderr).toContain(
    `${join(mixed, 't10k-images-idx3-ubyte.gz')}: images have 1 channel (grey) but ${join(mixed, 'train-images-idx3-ubyte.gz')} have 3 channels; expected both splits of one dataset (the same number of channels)`,
  );
});
