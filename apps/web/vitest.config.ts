import { configDefaults, defineConfig } from 'vitest/config';
import { resolveFromSource } from '../../vitest.source.js';

export default defineConfig({
  ...resolveFromSource,
  // src/: the page's logic; server/: the Vite plugin (data/ and api/runs), Node only; e2e/: the page
  // in headless Chromium (SwiftShader WebGPU is slow: long timeouts, and one file at a time).
  // The page bench (e2e/page-bench.test.ts) is a measurement, not a test: only `pnpm --filter web
  // bench` (VAE_WEB_BENCH=1) runs it.
  test: {
    include: ['src/**/*.test.ts', 'server/**/*.test.ts', 'e2e/**/*.test.ts'],
    exclude: [...configDefaults.exclude, ...(process.env.VAE_WEB_BENCH === '1' ? [] : ['e2e/page-bench.test.ts'])],
    testTimeout: 60_000,
    hookTimeout: 180_000,
  },
});
