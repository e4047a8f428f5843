import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

/** Debian's package (`apt-get install chromium`); Playwright's own browser downloads are never used. */
export const CHROMIUM = '/usr/bin/chromium';
export const HAVE_CHROMIUM = existsSync(CHROMIUM);

const BASE_ARGS = ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
/** WebGPU on Dawn's SwiftShader (CPU Vulkan) adapter, whatever GPU the host has. */
export const WEBGPU_ARGS = ['--enable-unsafe-webgpu', '--use-webgpu-adapter=swiftshader'];
/** No WebGPU at all: the page must fall back and say why. */
export const NO_WEBGPU_ARGS = ['--disable-features=WebGPU', '--disable-webgpu'];

export interface Browser {
  context: BrowserContext;
  /** What the pages printed, to attach to a failure. */
  log: string[];
  newPage(): Promise<Page>;
  close(): Promise<void>;
}

/** A headless Chromium with a fresh profile (IndexedDB starts empty). */
export async function launch(args: string[], options: { downloads?: boolean } = {}): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), 'vae-web-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [...BASE_ARGS, ...args],
    acceptDownloads: options.downloads ?? false,
    viewport: { width: 1280, height: 900 },
  });
  const log: string[] = [];
  return {
    context,
    log,
    async newPage() {
      const page = await context.newPage();
      page.on('console', (m) => m.type() !== 'debug' && log.push(`console.${m.type()}: ${m.text()}`));
      page.on('pageerror', (e) => log.push(`pageerror: ${e.message}`));
      page.on('requestfailed', (r) => log.push(`requestfailed: ${r.url()}: ${r.failure()?.errorText}`));
      return page;
    },
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Waits for `predicate` in the page; on timeout, fails with the page's log and state. */
export async function waitFor(page: Page, browser: Browser, what: string, predicate: () => boolean, timeout: number): Promise<void> {
  try {
    await page.waitForFunction(predicate, undefined, { timeout, polling: 100 });
  } catch (error) {
    const state = await page.evaluate(() => ({ ...document.body.dataset, progress: document.getElementById('progress')?.textContent })).catch(() => ({}));
    throw new Error(`${what}: not within ${timeout} ms; page state ${JSON.stringify(state)}; browser log:\n${browser.log.slice(-30).join('\n')}`, { cause: error });
  }
}

/** Opens the page and waits until it has its engine and data (or an error). */
export async function openPage(browser: Browser, url: string): Promise<Page> {
  const page = await browser.newPage();
  await page.goto(url);
  await waitFor(page, browser, 'page ready', () => ['ready', 'error'].includes(document.body.dataset.status ?? ''), 120_000);
  return page;
}

/** The gray levels of a canvas (its red channel), to see a digit appear or change. */
export function canvasGray(page: Page, testId: string): Promise<number[]> {
  return page.evaluate((id) => {
    const canvas = document.querySelector(`[data-testid="${id}"]`) as HTMLCanvasElement;
    const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
    return Array.from({ length: data.length / 4 }, (_, i) => data[i * 4]!);
  }, testId);
}

/** Sets the training form (the rest stays at the reference defaults). */
export async function fillSettings(page: Page, settings: Record<string, string | number>): Promise<void> {
  for (const [name, value] of Object.entries(settings)) {
    const selector = `[name="${name}"]`;
    if ((await page.locator(selector).evaluate((e) => e.tagName)) === 'SELECT') await page.selectOption(selector, String(value));
    else await page.fill(selector, String(value));
  }
}

/** Drops files on the page as a user's drag and drop would (`files`: name → bytes). */
export async function dropFiles(page: Page, files: Record<string, Uint8Array>): Promise<void> {
  const encoded = Object.entries(files).map(([name, bytes]) => [name, Buffer.from(bytes).toString('base64')] as const);
  await page.evaluate((entries) => {
    const transfer = new DataTransfer();
    for (const [name, base64] of entries) {
      const binary = atob(base64);
      transfer.items.add(new File([Uint8Array.from(binary, (c) => c.charCodeAt(0))], name));
    }
    document.dispatchEvent(new DragEvent('drop', { dataTransfer: transfer, bubbles: true, cancelable: true }));
  }, encoded);
}
