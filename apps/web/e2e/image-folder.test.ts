/**
 * The page takes a folder of images: dropped (a DataTransfer of files with their paths) and picked
 * (the folder input), decoded in the worker by the rules the CLI uses (createImageBitmap, no
 * sharp), then trained on, the sample grid in colour. Debian's Chromium, headless, wasm.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodePng } from '@vae/viz';
import { createServer, type ViteDevServer } from 'vite';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { dropFiles, fillSettings, HAVE_CHROMIUM, launch, openPage, waitFor } from './browser.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SKIPPED = HAVE_CHROMIUM ? '' : ' — SKIPPED: /usr/bin/chromium is missing, install Debian\'s chromium (apt-get install chromium)';

/** 16×16 RGB: a red square (class "red") or a blue disc (class "blue"), somewhere near the middle; one grey file of another size. */
function shapes(): Record<string, Uint8Array> {
  const files: Record<string, Uint8Array> = {};
  for (let i = 0; i < 48; i++) {
    const red = i % 2 === 0;
    const pixels = new Uint8Array(16 * 16 * 3);
    const [cx, cy] = [6 + (i % 5), 6 + ((i * 3) % 5)];
    for (let y = 0; y < 16; y++) {
      for (let x = 0; x < 16; x++) {
        const inside = red ? Math.abs(x - cx) <= 3 && Math.abs(y - cy) <= 3 : (x - cx) ** 2 + (y - cy) ** 2 <= 12;
        if (inside) pixels.set(red ? [230, 30, 20] : [20, 60, 240], (y * 16 + x) * 3);
      }
    }
    files[`shapes/${red ? 'red' : 'blue'}/${String(i).padStart(3, '0')}.png`] = encodePng({ width: 16, height: 16, channels: 3, pixels });
  }
  files['shapes/blue/big.png'] = encodePng({ width: 40, height: 20, pixels: new Uint8Array(800).fill(90) });
  files['shapes/red/broken.png'] = new TextEncoder().encode('not a png');
  return files;
}

let server: ViteDevServer;
let url: string;
let work: string;
beforeAll(async () => {
  if (!HAVE_CHROMIUM) return;
  work = await mkdtemp(join(tmpdir(), 'vae-web-images-'));
  server = await createServer({ root: ROOT, logLevel: 'warn', server: { port: 0, host: '127.0.0.1', strictPort: false } });
  await server.listen();
  url = `http://127.0.0.1:${(server.httpServer!.address() as AddressInfo).port}/`;
});
afterAll(async () => {
  await server?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

it.skipIf(!HAVE_CHROMIUM)(`takes a dropped folder of PNGs, says what it made of it, trains with a colour sample grid; a picked folder too${SKIPPED}`, async () => {
  const browser = await launch([]);
  try {
    const page = await openPage(browser, `${url}?backend=wasm`);
    await dropFiles(page, shapes());
    await waitFor(page, browser, 'the dropped folder as data', () => (document.body.dataset.data ?? '').startsWith('image folder'), 60_000);
    const data = await page.textContent('#data');
    expect(data).toMatch(/^Data: image folder shapes \(16×16 RGB, 2 classes from its subfolders, test split 0\.1\) \(\d+ train \/ \d+ test images, 16×16×3\)\./);
    expect(data).toContain('1 images of other sizes were cropped (centred) and scaled.');
    expect(data).toContain('Skipped 1 files that are not usable images (e.g. red/broken.png: not a PNG, JPEG or WebP image');
    expect(await page.evaluate(() => document.body.dataset.error)).toBeUndefined();

    await fillSettings(page, { epochs: 2, batchSize: 8, learningRate: 0.005, latentDim: 2 });
    await page.click('#train');
    await waitFor(page, browser, 'done', () => document.body.dataset.training === 'done', 180_000);
    const metrics = await page.evaluate(() => (globalThis as unknown as { vae: { metrics: { testLoss: number }[] } }).vae.metrics);
    expect(metrics).toHaveLength(2);
    expect(metrics.every((m) => Number.isFinite(m.testLoss))).toBe(true);
    // The grid is drawn in colour: pixels whose red and blue differ.
    const coloured = await page.evaluate(() => {
      const canvas = document.querySelector('[data-testid="grid"]') as HTMLCanvasElement;
      const rgba = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
      let n = 0;
      for (let i = 0; i < rgba.length; i += 4) if (Math.abs(rgba[i]! - rgba[i + 2]!) > 30) n++;
      return { n, width: canvas.width };
    });
    expect(coloured.width).toBe(16 * 18 + 2);
    expect(coloured.n).toBeGreaterThan(200);
    expect(await page.textContent('#model')).toMatch(/16×16×3 images/);
    // Explore: for colour images, the latent space of the test set, its legend naming the class folders.
    await waitFor(page, browser, 'the scatter legend', () => /blue/.test(document.querySelector('[data-testid="explore-scatter"]')?.textContent ?? ''), 60_000);
    const legend = await page.locator('[data-testid="explore-scatter"] ul').textContent();
    expect(legend).toBe('bluered');
    expect(await page.textContent('[data-testid="explore-note"]')).toMatch(/these images are 16×16×3/);

    // The same folder picked with the folder input: the files carry their paths in it.
    const dir = join(work, 'picked');
    for (const [name, bytes] of Object.entries(shapes())) {
      await mkdir(dirname(join(dir, name)), { recursive: true });
      await writeFile(join(dir, name), bytes);
    }
    await page.evaluate(() => delete document.body.dataset.data);
    await page.setInputFiles('[data-testid="pick-folder"]', join(dir, 'shapes'));
    await waitFor(page, browser, 'the picked folder as data', () => (document.body.dataset.data ?? '').startsWith('image folder'), 60_000);
    expect(await page.textContent('#data')).toMatch(/^Data: image folder shapes \(16×16 RGB, 2 classes from its subfolders, test split 0\.1\)/);
  } finally {
    await browser.close();
  }
}, 300_000);
