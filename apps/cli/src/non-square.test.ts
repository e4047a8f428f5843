import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { decode } from 'fast-png';
import { encodeIdx } from '@vae/data';
import { afterAll, beforeAll, expect, it } from 'vitest';

// A 20×28 MNIST-format set (any IDX images, not only 28×28): training draws its sample grids
// with 28-px-wide, 20-px-tall tiles instead of failing after the first epoch.
const MAIN = join(dirname(fileURLToPath(import.meta.url)), '../dist/main.js');
let work: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'vae-non-square-'));
  const [rows, cols] = [20, 28];
  let s = 7;
  const images = (n: number) => Uint8Array.from({ length: n * rows * cols }, (_, i) => ((s = (s * 1103515245 + 12345) >>> 0), (i % cols) > 8 && (i % cols) < 20 ? (s >>> 24) : 0));
  const labels = (n: number) => Uint8Array.from({ length: n }, (_, i) => i % 10);
  await writeFile(join(work, 'train-images-idx3-ubyte'), encodeIdx({ kind: 'images', dims: [256, rows, cols], data: images(256) }));
  await writeFile(join(work, 'train-labels-idx1-ubyte'), encodeIdx({ kind: 'labels', dims: [256], data: labels(256) }));
  await writeFile(join(work, 't10k-images-idx3-ubyte'), encodeIdx({ kind: 'images', dims: [64, rows, cols], data: images(64) }));
  await writeFile(join(work, 't10k-labels-idx1-ubyte'), encodeIdx({ kind: 'labels', dims: [64], data: labels(64) }));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

it('trains on 20×28 images and draws their sample grid with 28×20 tiles', async () => {
  const out = join(work, 'run');
  await promisify(execFile)(process.execPath, [MAIN, 'train', '--data', 'dir', '--data-dir', work, '--epochs', '2', '--sample-every', '1', '--latent-dim', '2', '--backend', 'wasm', '--out', out]);
  const grid = decode(await readFile(join(out, 'samples', 'epoch-001.png')));
  // 256 tiles in 16 columns of 28 + 2 px and 16 rows of 20 + 2 px, plus the border.
  expect([grid.width, grid.height]).toEqual([16 * 30 + 2, 16 * 22 + 2]);
  expect(JSON.parse(await readFile(join(out, 'metrics.jsonl'), 'utf8').then((t) => t.trim().split('\n').at(-1)!)).epoch).toBe(2);
});
