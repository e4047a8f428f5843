import { libraryConfig } from '../../tsup.library.js';

export default libraryConfig({
  entry: ['src/index.ts', 'src/node.ts'],
  // `import.meta.url` (createRequire in embedded-node.ts) needs a shim in the CJS build.
  shims: true,
});
