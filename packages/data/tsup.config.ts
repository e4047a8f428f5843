import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts', 'src/node.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'es2022',
  // node.ts re-exports index.ts: with splitting both entries share one chunk in CJS too, so
  // `DataError` from '@vae/data' and from '@vae/data/node' is the same class (instanceof works).
  splitting: true,
  // `import.meta.url` (createRequire in embedded-node.ts) needs a shim in the CJS build.
  shims: true,
});
