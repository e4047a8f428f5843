import { defineConfig, type Options } from 'tsup';

/**
 * The build every @vae/* library shares: ESM and CommonJS with type declarations and source maps.
 * `splitting` keeps one shared chunk when an entry re-exports another (e.g. `node.ts` re-exports
 * `index.ts`), so a class from '@vae/x' and from '@vae/x/node' is the same class in CJS too
 * (instanceof works). Packages add their entries and what is theirs alone.
 */
export function libraryConfig(options: Options & Required<Pick<Options, 'entry'>>) {
  return defineConfig({
    format: ['esm', 'cjs'],
    // Declarations are built against the other packages' dist, as users get them, not against
    // their sources (the `@vae/source` condition of tsconfig.base.json, for tests and type checks).
    dts: { compilerOptions: { customConditions: [] } },
    sourcemap: true,
    clean: true,
    target: 'es2022',
    splitting: true,
    ...options,
  });
}
