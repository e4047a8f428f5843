import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts', 'src/engine.ts'],
  // engine.ts re-exports index.ts: one shared chunk keeps a single addon loader in CJS too.
  splitting: true,
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'es2022',
  // `import.meta.url` (used to find the addon) gets a __filename-based shim in the CJS build.
  shims: true,
});
