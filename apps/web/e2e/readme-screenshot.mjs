// Makes docs/web-training.png, the README's picture of the page: a wasm run on MNIST caught after
// a few epochs. `pnpm --filter web screenshot` (needs Debian's chromium; uses VAE_DATA_DIR, else
// ../shared/data/mnist beside the clone when present, else the offline default digits).
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { createServer } from 'vite';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const REPO = join(ROOT, '..', '..');
const OUT = join(REPO, 'docs', 'web-training.png');
const EPOCHS_BEFORE_SHOT = Number(process.env.EPOCHS_BEFORE_SHOT ?? 3);
const shared = join(REPO, '..', 'shared', 'data', 'mnist');
if (!process.env.VAE_DATA_DIR && existsSync(join(shared, 'train-images-idx3-ubyte.gz'))) process.env.VAE_DATA_DIR = shared;

const server = await createServer({ root: ROOT, logLevel: 'warn', server: { port: 0, host: '127.0.0.1' } });
await server.listen();
const url = `http://127.0.0.1:${server.httpServer.address().port}/?backend=wasm`;
const profile = mkdtempSync(join(tmpdir(), 'vae-web-shot-'));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  viewport: { width: 1280, height: 1150 },
});
try {
  const page = await context.newPage();
  await page.goto(url);
  await page.waitForFunction(() => document.body.dataset.status === 'ready', undefined, { timeout: 120_000 });
  await page.fill('[name="epochs"]', '10');
  await page.click('#train');
  await page.waitForFunction((n) => Number(document.body.dataset.epochs ?? 0) >= n, EPOCHS_BEFORE_SHOT, { timeout: 1_800_000, polling: 500 });
  await page.waitForTimeout(1500); // a few batches into the next epoch: the progress line and the batch curve move on
  await page.screenshot({ path: OUT });
  console.log(`wrote ${OUT}`);
} finally {
  await context.close();
  rmSync(profile, { recursive: true, force: true });
  await server.close();
}
