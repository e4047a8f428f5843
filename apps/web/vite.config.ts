import { defineConfig } from 'vite';
import { CROSS_ORIGIN_ISOLATION_HEADERS } from './server/cross-origin-isolation.js';
import { vaeDevServer } from './server/vae-dev-server.js';

export default defineConfig({
  // data/ (MNIST without the internet) and api/runs (the CLI's runs) in dev and preview; data/ in the build.
  plugins: [vaeDevServer()],
  // Cross-origin isolation, which the threaded WASM backend needs (SharedArrayBuffer).
  server: { headers: { ...CROSS_ORIGIN_ISOLATION_HEADERS } },
  preview: { headers: { ...CROSS_ORIGIN_ISOLATION_HEADERS } },
  // Module workers: the training worker imports tfjs and the packages like the page does.
  worker: { format: 'es' },
  // Scan the worker too, so the dev server bundles its dependencies up front instead of reloading
  // the page when the worker first asks for them.
  optimizeDeps: { entries: ['index.html', 'src/worker/training-worker.ts'] },
  // TensorFlow.js with three backends is one ~670 kB chunk; that is expected, not a warning.
  build: { chunkSizeWarningLimit: 1024 },
});
