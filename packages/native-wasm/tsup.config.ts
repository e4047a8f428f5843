import { libraryConfig } from '../../tsup.library.js';

export default libraryConfig({
  entry: ['src/index.ts', 'src/engine.ts'],
  // The Emscripten glue in wasm/ is loaded from beside dist/ at run time, not bundled.
  external: [/\/wasm\/vae-wasm/],
  // `import.meta.url` (used to find wasm/) gets a __filename-based shim in the CJS build.
  shims: true,
});
