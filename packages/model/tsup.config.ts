import { libraryConfig } from '../../tsup.library.js';

export default libraryConfig({ entry: ['src/index.ts', 'src/node.ts', 'src/description-entry.ts'] });
