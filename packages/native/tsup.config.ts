import { libraryConfig } from '../../tsup.library.js';

export default libraryConfig({
  entry: ['src/index.ts', 'src/engine.ts', 'src/core.ts'],
  // `import.meta.url` (used to find the addon) gets a __filename-based shim in the CJS build.
  shims: true,
});
