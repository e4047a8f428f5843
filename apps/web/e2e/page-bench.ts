import { launch, openPage, fillSettings, waitFor, WEBGPU_ARGS } from './browser.js';

/** One configuration of the page to time. */
export interface PageBenchCase {
  backend: 'native-wasm' | 'webgpu' | 'webgl' | 'wasm' | 'cpu';
  /** WebAssembly threads (`?threads=`); omitted: tfjs' default. */
  threads?: number;
  batchSize: number;
  trainSize: number;
}

export interface PageBenchResult extends PageBenchCase {
  /** What the page reported running on. */
  device: string;
  /** Training throughput of the epoch (evaluation excluded), as the page measured it. */
  samplesPerSecond: number;
  epochSeconds: number;
}

/**
 * Trains one epoch in the page at `url` per case (a fresh browser each, WebGPU on SwiftShader
 * offered) and reports the page's own samples/s: the number a user sees in the progress line.
 */
export async function benchPage(url: string, cases: readonly PageBenchCase[]): Promise<PageBenchResult[]> {
  const results: PageBenchResult[] = [];
  for (const c of cases) {
    const browser = await launch(WEBGPU_ARGS);
    try {
      const query = new URLSearchParams({ backend: c.backend, ...(c.threads ? { threads: String(c.threads) } : {}) });
      const page = await openPage(browser, `${url}?${query}`);
      const device = (await page.textContent('#backend')) ?? '';
      await fillSettings(page, { trainSize: c.trainSize, testSize: 100, batchSize: c.batchSize, epochs: 1 });
      await page.click('#train');
      await waitFor(page, browser, `${c.backend} epoch`, () => document.body.dataset.training === 'done', 590_000);
      const [epoch] = await page.evaluate(() => (globalThis as unknown as { vae: { metrics: { samplesPerSecond: number; seconds: number }[] } }).vae.metrics);
      results.push({ ...c, device, samplesPerSecond: epoch!.samplesPerSecond, epochSeconds: epoch!.seconds });
    } finally {
      await browser.close();
    }
  }
  return results;
}
