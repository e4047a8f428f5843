import { libraryConfig } from '../../tsup.library.js';

// Built only for what runs in Node without the `@vae/source` condition (the web dev server's Vite
// config); the libraries' and the CLI's builds bundle it from here.
export default libraryConfig({ entry: ['src/index.ts'] });
