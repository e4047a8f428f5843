import { defineConfig } from 'tsup';

// The CLI is an app, not a library: one ESM build for Node. Dependencies (tfjs, @vae/*) stay
// external and resolve from node_modules, so the wasm backend finds its .wasm files beside it.
export default defineConfig({
  entry: ['src/main.ts', 'src/bench.ts'],
  format: ['esm'],
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  clean: true,
  banner: { js: '#!/usr/bin/env node' },
});
