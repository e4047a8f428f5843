import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts', 'src/node.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'es2022',
  // node.ts re-exports index.ts: with splitting both entries share one chunk in CJS too, so a class
  // from '@vae/x' and from '@vae/x/node' is the same class (instanceof works).
  splitting: true,
});
