#!/usr/bin/env node
// The image-folder cache, measured: a folder of N PNGs (Fashion-MNIST's test images, 28×28 grey, in
// class folders, when Debian's dataset-fashion-mnist is installed; else coloured 32×32 noise) loaded
// by @vae/data/node's loadImageFolder with an empty cache (decode with sharp, write the cache), then
// again (read the cache back), then after one file changed (decoded again).
//   node apps/cli/scripts/bench-image-cache.mjs [N=10000]     (after pnpm build)
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, utimes } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { loadImageFolder, loadMnistFromDir } from '@vae/data/node';

const count = Number(process.argv[2] ?? 10_000);
const FASHION = '/usr/share/datasets/fashion-mnist';
const work = await mkdtemp(join(tmpdir(), 'vae-bench-image-cache-'));
const folder = join(work, 'images');
const cacheDir = join(work, 'cache');
try {
  let what;
  if (existsSync(join(FASHION, 't10k-images-idx3-ubyte.gz'))) {
    const { test } = await loadMnistFromDir(FASHION);
    what = `Fashion-MNIST test images as 28×28 grey PNGs in 10 class folders`;
    for (let i = 0; i < count; i++) {
      const dir = join(folder, String(test.labels[i % test.count]));
      await mkdir(dir, { recursive: true });
      await sharp(test.images.subarray((i % test.count) * 784, ((i % test.count) + 1) * 784), { raw: { width: 28, height: 28, channels: 1 } }).png().toFile(join(dir, `${String(i).padStart(6, '0')}.png`));
    }
  } else {
    what = '32×32 RGB noise PNGs in one folder';
    await mkdir(folder, { recursive: true });
    for (let i = 0; i < count; i++) {
      const pixels = Uint8Array.from({ length: 32 * 32 * 3 }, (_, p) => (i * 7919 + p * 104729) % 251);
      await sharp(pixels, { raw: { width: 32, height: 32, channels: 3 } }).png().toFile(join(folder, `${String(i).padStart(6, '0')}.png`));
    }
  }
  const time = async () => {
    const start = performance.now();
    const data = await loadImageFolder(folder, { cacheDir });
    return { seconds: (performance.now() - start) / 1000, hit: data.cache.hit, train: data.train.count, test: data.test.count };
  };
  const first = await time();
  const again = [await time(), await time(), await time()].sort((a, b) => a.seconds - b.seconds);
  const second = again[1];
  const changed = join(folder, ...(existsSync(join(folder, '0')) ? ['0'] : []));
  const { readdir } = await import('node:fs/promises');
  const one = join(changed, (await readdir(changed)).find((n) => n.endsWith('.png')));
  await utimes(one, new Date(), new Date(Date.now() + 10_000));
  const afterChange = await time();
  console.log(`${count.toLocaleString('en-US')} ${what}; ${cpus()[0]?.model} × ${cpus().length}, Node ${process.version}`);
  console.log(`first start (decode with sharp, write the cache): ${first.seconds.toFixed(2)} s (cache hit: ${first.hit})`);
  console.log(`second start (read the cache; median of 3):        ${second.seconds.toFixed(3)} s (cache hit: ${second.hit})`);
  console.log(`speed-up: ${(first.seconds / second.seconds).toFixed(1)}×`);
  console.log(`after touching one file:                          ${afterChange.seconds.toFixed(2)} s (cache hit: ${afterChange.hit})`);
  console.log(`${first.train.toLocaleString('en-US')} train / ${first.test.toLocaleString('en-US')} test images`);
} finally {
  await rm(work, { recursive: true, force: true });
}
