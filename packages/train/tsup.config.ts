import { libraryConfig } from '../../tsup.library.js';

export default libraryConfig({
  entry: { index: 'src/index.ts', node: 'src/node.ts', 'testing/index': 'src/testing/index.ts' },
  // The conformance suite (./testing) runs in the user's own vitest.
  external: ['vitest'],
});
