import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { index: 'src/index.ts', node: 'src/node.ts', 'testing/index': 'src/testing/index.ts' },
  external: ['vitest'],
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'es2022',
  // node.ts re-exports index.ts: with splitting both entries share one chunk in CJS too, so a class
  // from '@vae/x' and from '@vae/x/node' is the same class (instanceof works).
  splitting: true,
});
